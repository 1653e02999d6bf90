import type { Locator, Page } from '@playwright/test';
import { test as base, expect } from './fixtures';
import { snap } from './steps';
import { pkcs11Tool } from '../src-main/testing/softhsm';

// Smart-card login through the console against the real core and a fresh SoftHSM2 token (only
// the browser host sees it): alice registers a card key for herself (made with pkcs11-tool, named
// by its CKA_ID), bob approves the user change, alice signs out and signs back in with the card —
// a wrong PIN first.

const test = base.extend({
  hostEnv: async ({ softHsm }, use) => {
    await use({ SOFTHSM2_CONF: softHsm.conf });
  },
});

const LOGIN = { alice: 'alice login passphrase', bob: 'bob login passphrase' };
const SLOW = { timeout: 30_000 };
const CKA_ID = 'a11ce0c4';

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation').getByRole('button', { name, exact: true });
}

test('register a smart card for a person (dual control), then sign in with it', async ({ consolePage: page, softHsm }) => {
  const notice = page.getByTestId('notice');
  const alice = page.getByTestId('person-row').filter({ hasText: 'alice' });

  await test.step('create the vault as alice and add bob (security officer)', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
    await page.getByLabel('Administrator name').fill('alice');
    await page.getByLabel('Passphrase', { exact: true }).fill(LOGIN.alice);
    await page.getByLabel('Confirm passphrase').fill(LOGIN.alice);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await nav(page, 'People').click();
    await page.getByRole('button', { name: 'Add person', exact: true }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a person' });
    await dialog.getByLabel('User name').fill('bob');
    await dialog.getByLabel('Role').selectOption({ label: 'Security officer' });
    await dialog.getByLabel('Passphrase', { exact: true }).fill(LOGIN.bob);
    await dialog.getByLabel('Confirm passphrase').fill(LOGIN.bob);
    await dialog.getByRole('button', { name: 'Add person', exact: true }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(alice.getByTestId('person-card')).toHaveText('No');
  });

  await test.step('register a card for alice: a wrong PIN is refused, the right one files a request', async () => {
    pkcs11Tool(softHsm, ['--token-label', softHsm.label, '--login', '--pin', softHsm.userPin, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', CKA_ID, '--label', 'alice-login']);
    await alice.getByRole('button', { name: 'Register a smart card for alice' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register a smart card for alice' });
    await expect(dialog.getByLabel('Card (token)')).toHaveValue(softHsm.serial, SLOW);
    await dialog.getByLabel("Or the key's CKA_ID on the card").fill(CKA_ID);
    await dialog.getByLabel('Card PIN').fill('00000000');
    await dialog.getByRole('button', { name: 'Register card' }).click();
    await expect(dialog.getByTestId('error-alert')).toContainText('incorrect', SLOW);
    await dialog.getByLabel('Card PIN').fill(softHsm.userPin);
    await dialog.getByRole('button', { name: 'Register card' }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Waiting for approval');
  });

  await test.step('bob approves at the keyboard; People shows the card', async () => {
    await notice.getByRole('button', { name: 'Open Approvals' }).click();
    const request = page.getByTestId('request-card').filter({ hasText: 'Register the card' });
    await request.getByRole('button', { name: 'Approve at the keyboard…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approver at the keyboard' });
    await dialog.getByLabel("Approver's user name").fill('bob');
    await dialog.getByLabel("Approver's passphrase").fill(LOGIN.bob);
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Approved — done');
    await nav(page, 'People').click();
    await expect(alice.getByTestId('person-card')).toHaveText(softHsm.serial);
    await snap(page, 'people-with-card');
  });

  await test.step('alice signs out and back in with the card (a wrong PIN first)', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible(SLOW);
    await page.getByRole('radiogroup', { name: 'Sign-in method' }).getByText('With smart card', { exact: true }).click();
    const form = page.getByRole('form', { name: 'Sign in with smart card' });
    await form.getByLabel('User name').fill('alice');
    await form.getByLabel('Card PIN').fill('00000000');
    await form.getByRole('button', { name: 'Sign in with smart card' }).click();
    await expect(form.getByTestId('error-alert')).toContainText('incorrect', SLOW);
    await expect(form.getByLabel('Card PIN')).toHaveValue('');
    await snap(page, 'sign-in-card-wrong-pin');
    await form.getByLabel('Card PIN').fill(softHsm.userPin);
    await form.getByRole('button', { name: 'Sign in with smart card' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
  });

  await test.step('the audit trail shows both card sign-ins, without the PIN', async () => {
    await nav(page, 'Audit').click();
    const rows = page.getByTestId('audit-row').filter({ hasText: 'session.login' });
    await expect(rows.first()).toBeVisible(SLOW);
    await expect(page.locator('body')).not.toContainText(softHsm.userPin);
  });
});
