import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { test as base, expect } from './fixtures';
import { snap } from './steps';

// PKCS#11 through the console against the real core: a fresh SoftHSM2 token (random PINs, in a
// temporary folder) that only the browser host sees, through SOFTHSM2_CONF in its environment.
// Log in (a wrong PIN first), generate an EC P-384 key on the token through the form, find it in
// the inventory, activate it, sign a file on the token and verify the signature.

const test = base.extend({
  hostEnv: async ({ softHsm }, use) => {
    await use({ SOFTHSM2_CONF: softHsm.conf });
  },
});

const ADMIN = 'alice';
const PASSPHRASE = 'correct horse battery staple';
const KEY_NAME = 'ca-signing-p384';
const BOB_PASSPHRASE = 'bob approves with this passphrase';
const SLOW = { timeout: 30_000 };

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation').getByRole('button', { name, exact: true });
}


async function createVault(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
  await page.getByLabel('Administrator name').fill(ADMIN);
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create vault' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
}

test('a SoftHSM token: log in, generate EC P-384 on it, activate, sign and verify a file', async ({ consolePage: page, softHsm }) => {
  const card = page.locator(`[data-testid="token-card"][data-serial="${softHsm.serial}"]`);
  const notice = page.getByTestId('notice');

  await test.step('create the vault', async () => {
    await createVault(page);
  });

  await test.step('the Tokens page shows the module, the token and the free slot', async () => {
    await nav(page, 'Tokens').click();
    await expect(page.getByRole('heading', { name: 'Tokens', exact: true })).toBeVisible();
    await expect(page.getByTestId('module-row').filter({ hasText: '/usr/lib/softhsm/libsofthsm2.so' })).toContainText('Loaded', SLOW);
    await expect(card).toBeVisible();
    await expect(card.getByTestId('token-label')).toHaveText(softHsm.label);
    await expect(card.getByTestId('token-serial')).toHaveText(softHsm.serial);
    await expect(card.getByTestId('token-login-state')).toHaveText('Not logged in');
    await expect(page.getByTestId('free-slot').first()).toContainText('Not initialised');
    // The first slot poll reports the tokens already present: that is not an insertion.
    await expect(notice.filter({ hasText: 'Token inserted' })).toHaveCount(0);
  });

  await test.step('the token lists its mechanisms with key sizes', async () => {
    await card.getByRole('button', { name: 'Mechanisms', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Mechanisms of ${softHsm.label}` });
    await expect(dialog).toBeVisible();
    const ecdsa = dialog.getByTestId('mechanism-row').filter({ hasText: /^CKM_ECDSA0x1041/ });
    await expect(ecdsa).toHaveCount(1, SLOW);
    await expect(ecdsa).toContainText('sign');
    await dialog.getByLabel('Filter').fill('RSA_PKCS_KEY_PAIR');
    await expect(dialog.getByTestId('mechanism-row')).toHaveCount(1);
    await expect(dialog.getByTestId('mechanism-row')).toContainText(/\d+–\d+/);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await expect(dialog).toBeHidden();
  });

  await test.step('a wrong PIN is refused with the core error and its code', async () => {
    await card.getByRole('button', { name: 'Log in…' }).click();
    const dialog = page.getByRole('dialog', { name: `Log in to ${softHsm.label}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('User PIN')).toBeFocused();
    await dialog.getByLabel('User PIN').fill('00000000');
    await dialog.getByLabel('User PIN').press('Enter');
    const error = dialog.getByTestId('error-alert');
    await expect(error).toBeVisible(SLOW);
    await expect(error.getByTestId('error-code')).toHaveText('E_AUTH_FAILED');
    await expect(error).toContainText('PIN');
    await expect(error).toContainText('is incorrect');
    // The refused PIN does not stay in the field.
    await expect(dialog.getByLabel('User PIN')).toHaveValue('');
  });

  await test.step('the right PIN logs in', async () => {
    const dialog = page.getByRole('dialog', { name: `Log in to ${softHsm.label}` });
    await dialog.getByLabel('User PIN').fill(softHsm.userPin);
    await dialog.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(card.getByTestId('token-login-state')).toHaveText('Logged in');
    await expect(notice).toContainText('Logged in');
  });

  await test.step('generate an EC P-384 key on the token through the form', async () => {
    await card.getByRole('button', { name: 'Generate key on this token' }).click();
    await expect(page.getByRole('heading', { name: 'Generate key' })).toBeVisible();
    await expect(page.getByRole('radio', { name: 'Token (PKCS#11)' })).toBeChecked();
    await expect(page.getByLabel('Token', { exact: true })).toHaveValue(softHsm.serial);
    await page.getByLabel('Key name').fill(KEY_NAME);
    await page.getByLabel('Algorithm').selectOption({ label: 'EC P-384' });
    // The family's usual usages are ticked; EC keys offer no encryption.
    await expect(page.getByRole('checkbox', { name: 'Sign', exact: true })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: 'Verify', exact: true })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: 'Derive keys' })).not.toBeChecked();
    await expect(page.getByRole('checkbox', { name: 'Encrypt' })).toHaveCount(0);
    await expect(page.getByRole('switch', { name: 'Wrappable for backup' })).not.toBeChecked();
    await page.getByRole('button', { name: 'Generate', exact: true }).click();

    await expect(page.getByRole('heading', { name: KEY_NAME, exact: true })).toBeVisible(SLOW);
    await expect(notice).toContainText(`on token ${softHsm.label}`);
    await expect(page.getByTestId('key-store')).toHaveText(/^token$/i);
    await expect(page.getByTestId('key-token')).toContainText(softHsm.serial);
    await expect(page.getByTestId('key-token')).toContainText(softHsm.label);
    await expect(page.getByTestId('key-cka-label')).toHaveText(KEY_NAME);
    await expect(page.getByTestId('key-cka-id')).toHaveText(/^[0-9a-f]{32}$/);
    await expect(page.getByTestId('key-usage')).toHaveText('SignVerify');
    await expect(page.getByTestId('key-origin')).toHaveText('Generated by Custos');
    await expect(page.getByTestId('key-state')).toHaveText(/^pre-active$/i);
  });

  await test.step('the inventory shows the key with store token and the token label', async () => {
    await nav(page, 'Inventory').click();
    const row = page.getByRole('table', { name: 'Key inventory' }).getByTestId('key-row').filter({ hasText: KEY_NAME });
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('key-store-cell')).toContainText('Token');
    await expect(row.getByTestId('key-token-label')).toContainText(softHsm.label);
    await expect(row.getByRole('cell').nth(1)).toHaveText('EC P-384');
    await row.click();
  });

  await test.step('a pre-active key cannot sign yet; activate it', async () => {
    await expect(page.getByRole('heading', { name: KEY_NAME, exact: true })).toBeVisible();
    await expect(page.getByTestId('use-sign')).toHaveAttribute('data-blocked', 'The key is not active yet; activate it first.');
    await expect(page.getByTestId('lifecycle-resume')).toBeDisabled();
    await page.getByTestId('lifecycle-activate').click();
    await expect(page.getByTestId('key-state')).toHaveText(/^active$/i);
    await expect(notice).toContainText('Key activated');
    await expect(page.getByTestId('lifecycle-activate')).toBeDisabled();
    await expect(page.getByTestId('lifecycle-activate')).toHaveAttribute('data-reason', 'Only a pre-active key can be activated; this key is active.');
  });

  const message = Buffer.from('Custos signs this on a SoftHSM token.\n');
  let signature: Buffer;

  await test.step('sign a small file on the token and download the signature', async () => {
    await page.getByTestId('sign-file').setInputFiles({ name: 'message.txt', mimeType: 'text/plain', buffer: message });
    await page.getByTestId('sign-button').click();
    await expect(page.getByTestId('sign-result')).toBeVisible(SLOW);
    await expect(page.getByTestId('sign-mechanism')).toHaveText('ecdsa-sha384');
    const downloading = page.waitForEvent('download');
    await page.getByTestId('signature-download').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('message.txt.sig');
    signature = await readFile(await download.path());
    // ECDSA P-384 in DER: a SEQUENCE of two integers of up to 49 bytes.
    expect(signature[0]).toBe(0x30);
    expect(signature.length).toBeGreaterThan(90);
    expect(signature.length).toBeLessThanOrEqual(104);
    await snap(page, 'token-key-detail');
  });

  await test.step('verify: the signed file is valid', async () => {
    await page.getByTestId('verify-file').setInputFiles({ name: 'message.txt', mimeType: 'text/plain', buffer: message });
    await page.getByTestId('verify-signature').setInputFiles({ name: 'message.txt.sig', mimeType: 'application/octet-stream', buffer: signature });
    await page.getByTestId('verify-button').click();
    const result = page.getByTestId('verify-result');
    await expect(result).toHaveAttribute('data-valid', 'true', SLOW);
    await expect(result).toContainText('Valid signature');
  });

  await test.step('verify: a different file is NOT valid', async () => {
    await page.getByTestId('verify-file').setInputFiles({ name: 'other.txt', mimeType: 'text/plain', buffer: Buffer.from('Custos signs this on a SoftHSM token!\n') });
    await page.getByTestId('verify-signature').setInputFiles({ name: 'message.txt.sig', mimeType: 'application/octet-stream', buffer: signature });
    await page.getByTestId('verify-button').click();
    const result = page.getByTestId('verify-result');
    await expect(result).toHaveAttribute('data-valid', 'false', SLOW);
    await expect(result).toContainText('NOT valid');
  });

  await test.step('discovery finds the key already known', async () => {
    await nav(page, 'Tokens').click();
    await card.getByRole('button', { name: 'Discover keys' }).click();
    await expect(card.getByTestId('discovery-result')).toContainText('Found 1 key: added 0, already known 1.', SLOW);
    await snap(page, 'tokens-page');
  });

  await test.step('initialising the free slot waits for a second person', async () => {
    await page.getByTestId('free-slot').first().getByRole('button', { name: 'Initialise…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Initialise a token' });
    await dialog.getByLabel('Token label').fill('second-hsm');
    await dialog.getByLabel('SO PIN', { exact: true }).fill('11223344');
    await dialog.getByLabel('Confirm SO PIN').fill('11223345');
    await dialog.getByLabel('User PIN', { exact: true }).fill('55667788');
    await dialog.getByLabel('Confirm user PIN').fill('55667788');
    await dialog.getByRole('button', { name: 'Initialise token' }).click();
    await expect(dialog.getByText('The SO PINs do not match.')).toBeVisible();
    await dialog.getByLabel('Confirm SO PIN').fill('11223344');
    await dialog.getByRole('button', { name: 'Initialise token' }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Waiting for approval');
    await expect(page.getByTestId('init-pending')).toContainText('Waiting for approval');
  });

  await test.step('log out of the token', async () => {
    await card.getByRole('button', { name: 'Log out' }).click();
    await expect(card.getByTestId('token-login-state')).toHaveText('Not logged in');
  });

  await test.step('a token unlock method for alice waits for a second person', async () => {
    // bob joins at once (nobody else could approve yet), so he can approve what follows.
    await nav(page, 'People').click();
    await page.getByRole('button', { name: 'Add person', exact: true }).first().click();
    const add = page.getByRole('dialog', { name: 'Add a person' });
    await add.getByLabel('User name').fill('bob');
    await add.getByLabel('Role').selectOption({ label: 'Security officer' });
    await add.getByLabel('Passphrase', { exact: true }).fill(BOB_PASSPHRASE);
    await add.getByLabel('Confirm passphrase').fill(BOB_PASSPHRASE);
    await add.getByRole('button', { name: 'Add person', exact: true }).click();
    await expect(add).toBeHidden(SLOW);

    await nav(page, 'Unlock methods').click();
    await page.getByRole('button', { name: 'Add token unlock method' }).click();
    const dialog = page.getByRole('dialog', { name: 'Let a token unlock the vault' });
    await expect(dialog.getByLabel('Token', { exact: true })).toHaveValue(softHsm.serial);
    await dialog.getByLabel('Holder').selectOption('alice');
    await dialog.getByLabel('Token PIN').fill(softHsm.userPin);
    await dialog.getByRole('button', { name: 'Add unlock method' }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Waiting for approval');
  });

  await test.step('bob approves the unlock method and the token initialisation; the new token is announced', async () => {
    await page.getByRole('navigation').getByRole('button', { name: /^Approvals/ }).click();
    const requests = page.getByTestId('request-card');
    for (const text of ['unlock the vault for alice', 'second-hsm']) {
      await requests.filter({ hasText: text }).getByRole('button', { name: 'Approve at the keyboard…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Approver at the keyboard' });
      await dialog.getByLabel("Approver's user name").fill('bob');
      await dialog.getByLabel("Approver's passphrase").fill(BOB_PASSPHRASE);
      await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect(dialog).toBeHidden(SLOW);
    }
    // The core's slot poll sees the new token and the console says so, on whatever page is open.
    await expect(notice.filter({ hasText: 'Token inserted' })).toContainText('second-hsm', SLOW);
    await nav(page, 'Tokens').click();
    await expect(page.getByTestId('token-card').filter({ hasText: 'second-hsm' })).toBeVisible();
    await expect(page.getByTestId('init-pending')).toHaveCount(0);
  });

  await test.step('lock, then unlock with the token and its PIN', async () => {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
    await page.getByRole('radiogroup', { name: 'Unlock method' }).getByText('Token and PIN', { exact: true }).click();
    await expect(page.getByLabel('Token', { exact: true })).toHaveValue(softHsm.serial);
    await page.getByLabel('Token PIN').fill('00000000');
    await page.getByRole('button', { name: 'Unlock with token' }).click();
    const refused = page.getByTestId('error-alert');
    await expect(refused.getByTestId('error-code')).toHaveText('E_AUTH_FAILED', SLOW);
    await expect(page.getByLabel('Token PIN')).toHaveValue('');
    await snap(page, 'unlock-with-token');
    await page.getByLabel('Token PIN').fill(softHsm.userPin);
    await page.getByLabel('Token PIN').press('Enter');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await expect(page.getByTestId('session-user')).toContainText(ADMIN);
  });

  await test.step('dark theme: the Tokens page and the key', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await nav(page, 'Tokens').click();
    await expect(card.getByTestId('token-login-state')).toHaveText('Logged in');
    await snap(page, 'tokens-page-dark');
    await nav(page, 'Inventory').click();
    await page.getByTestId('key-row').filter({ hasText: KEY_NAME }).click();
    await expect(page.getByTestId('key-state')).toHaveText(/^active$/i);
    await snap(page, 'token-key-detail-dark');
  });
});
