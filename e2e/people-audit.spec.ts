import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';

// People, dual control, the custodian quorum and the auditor's workspace, through the console
// against the real core: every passphrase is checked by Argon2id (about half a second each), so the
// flow is one long story rather than many small tests that would each create a vault.

const LOGIN = {
  alice: 'alice login passphrase',
  bob: 'bob login passphrase',
  carol: 'carol login passphrase',
  dave: 'dave login passphrase',
};
// Share passphrases differ from the logins on purpose: a share passphrase opens a share, nothing else.
const SHARE = {
  alice: 'alice share passphrase',
  bob: 'bob share passphrase',
  carol: 'carol share passphrase',
};

const SLOW = { timeout: 30_000 };

async function snap(page: Page, name: string): Promise<void> {
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation').getByRole('button', { name, exact: true });
}

async function addPerson(page: Page, name: string, role: string, passphrase: string, personalUnlock = true): Promise<void> {
  await page.getByRole('button', { name: 'Add person', exact: true }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a person' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('User name').fill(name);
  await dialog.getByLabel('Role').selectOption({ label: role });
  await dialog.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await dialog.getByLabel('Confirm passphrase').fill(passphrase);
  if (!personalUnlock) await dialog.getByLabel("Let this person's passphrase unlock the vault").uncheck({ force: true });
  await dialog.getByRole('button', { name: 'Add person', exact: true }).click();
  await expect(dialog).toBeHidden(SLOW);
}

async function approveAtKeyboard(card: Locator, page: Page, user: string, passphrase: string): Promise<Locator> {
  await card.getByRole('button', { name: 'Approve at the keyboard…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Approver at the keyboard' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Approver's user name").fill(user);
  await dialog.getByLabel("Approver's passphrase").fill(passphrase);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  return dialog;
}

test('people, dual control, a 2-of-3 quorum unlock and the audit workspace', async ({ consolePage: page }) => {
  const notice = page.getByTestId('notice');
  const requests = page.getByTestId('request-card');

  await test.step('create the vault as alice', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
    await page.getByLabel('Administrator name').fill('alice');
    await page.getByLabel('Passphrase', { exact: true }).fill(LOGIN.alice);
    await page.getByLabel('Confirm passphrase').fill(LOGIN.alice);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
  });

  await test.step('adding bob runs at once (nobody else could approve yet)', async () => {
    await nav(page, 'People').click();
    await expect(page.getByRole('heading', { name: 'People', exact: true })).toBeVisible();
    await expect(page.getByTestId('people-empty')).toBeVisible();
    await addPerson(page, 'bob', 'Security officer', LOGIN.bob);
    await expect(notice).toContainText('Done');
    const bob = page.getByTestId('person-row').filter({ hasText: 'bob' });
    await expect(bob.getByTestId('person-role')).toHaveText('Security officer');
    await expect(bob.getByTestId('person-personal-unlock')).toHaveText('Yes');
  });

  await test.step('adding carol and dave waits for a second person', async () => {
    await addPerson(page, 'carol', 'Key custodian', LOGIN.carol);
    await expect(notice).toContainText('Waiting for approval');
    await expect(notice).toContainText('Another person must approve request');
    await expect(page.getByTestId('person-row').filter({ hasText: 'carol' })).toHaveCount(0);
    await addPerson(page, 'dave', 'Auditor', LOGIN.dave, false);
    await expect(notice).toContainText('Waiting for approval');
    await expect(page.getByTestId('pending-count')).toHaveText('2');
    await notice.getByRole('button', { name: 'Open Approvals' }).click();
    await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();
    await expect(requests).toHaveCount(2);
  });

  await test.step('alice cannot approve her own request; bob can, at the same keyboard', async () => {
    const carolRequest = requests.filter({ hasText: 'Add key-custodian carol' });
    await expect(carolRequest.getByTestId('request-requester')).toHaveText('alice');
    await expect(carolRequest.getByTestId('request-approvals')).toHaveText('0 of 1');
    // The requester is signed in: "Approve as me" is not offered to her.
    await expect(carolRequest.getByRole('button', { name: /Approve as me/ })).toHaveCount(0);

    const dialog = await approveAtKeyboard(carolRequest, page, 'alice', LOGIN.alice);
    const refused = dialog.getByRole('alert').filter({ hasText: 'Not approved' });
    await expect(refused).toContainText('Nobody may approve their own request', SLOW);
    await expect(refused.getByTestId('error-code')).toHaveText('E_PERMISSION');
    await expect(dialog.getByLabel("Approver's passphrase")).toHaveValue('');

    await dialog.getByLabel("Approver's user name").fill('bob');
    await dialog.getByLabel("Approver's passphrase").fill(LOGIN.bob);
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Approved — done');

    const daveDialog = await approveAtKeyboard(requests.filter({ hasText: 'Add auditor dave' }), page, 'bob', LOGIN.bob);
    await expect(daveDialog).toBeHidden(SLOW);
    await expect(page.getByTestId('approvals-empty')).toBeVisible();

    await page.getByRole('radiogroup', { name: 'Show requests' }).getByText('Executed', { exact: true }).click();
    await expect(requests).toHaveCount(2);
    await expect(requests.first().getByTestId('request-status')).toHaveText(/executed/i);
  });

  await test.step('set up a 2-of-3 quorum: each custodian types a share passphrase after a hand-off', async () => {
    await nav(page, 'Unlock methods').click();
    await expect(page.getByTestId('quorum-empty')).toBeVisible();
    await page.getByRole('button', { name: 'Set up custodian quorum', exact: true }).click();
    for (const who of ['alice (Administrator)', 'bob (Security officer)', 'carol (Key custodian)']) {
      await page.getByLabel(who).check();
    }
    await expect(page.getByLabel('Custodians needed to unlock')).toHaveValue('2');
    await page.getByRole('button', { name: /^Start/ }).click();

    const custodians = ['alice', 'bob', 'carol'] as const;
    for (const [i, who] of custodians.entries()) {
      await expect(page.getByTestId('handoff-title')).toHaveText(`Pass the keyboard to ${who}`);
      // Nothing the previous custodian typed is on the hand-off screen.
      await expect(page.locator('input[type="password"]')).toHaveCount(0);
      await page.getByRole('button', { name: `I am ${who} — continue` }).click();
      await page.getByLabel(`Share passphrase for ${who}`).fill(SHARE[who]);
      await page.getByLabel('Type it again').fill(SHARE[who]);
      await page.getByRole('button', { name: i === custodians.length - 1 ? 'Save — last custodian' : 'Save and hand on' }).click();
    }
    await expect(page.getByTestId('quorum-review')).toContainText('alice, bob, carol');
    await page.getByRole('button', { name: 'Create the 2-of-3 quorum' }).click();
    await expect(notice).toContainText('Waiting for approval', SLOW);
  });

  await test.step('bob approves the quorum', async () => {
    await notice.getByRole('button', { name: 'Open Approvals' }).click();
    const quorumRequest = requests.filter({ hasText: 'Require 2 of 3 custodians' });
    await expect(quorumRequest).toHaveCount(1);
    await snap(page, 'approvals');
    const dialog = await approveAtKeyboard(quorumRequest, page, 'bob', LOGIN.bob);
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Approved — done');

    await nav(page, 'Unlock methods').click();
    await expect(page.getByTestId('method-row').filter({ hasText: 'Custodian quorum' }).getByTestId('method-who')).toHaveText(
      '2 of 3: alice, bob, carol',
    );
  });

  await test.step('lock, then carol and bob unlock together, one after the other', async () => {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
    await page.getByText('Custodian quorum (2 needed)').click();

    await page.getByLabel('Custodian user name').fill('carol');
    await page.getByLabel('Share passphrase').fill(SHARE.carol);
    await page.getByRole('button', { name: 'Next: hand over' }).click();
    await expect(page.getByTestId('handoff-title')).toHaveText('Custodian 1 of 2 done — pass the keyboard');
    await expect(page.locator('input[type="password"]')).toHaveCount(0);
    await page.getByRole('button', { name: 'Next custodian (2 of 2)' }).click();

    await page.getByLabel('Custodian user name').fill('bob');
    await page.getByLabel('Share passphrase').fill(SHARE.bob);
    await page.getByRole('button', { name: 'Unlock with quorum' }).click();

    // The quorum opens the vault; nobody is signed in until someone does.
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible(SLOW);
    await page.getByLabel('User name').fill('carol');
    await page.getByLabel('Passphrase', { exact: true }).fill(LOGIN.carol);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await expect(page.getByTestId('session-user')).toContainText('carol');
  });

  await test.step('audit: filter by operation, verify the chain, export', async () => {
    await nav(page, 'Audit').click();
    await expect(page.getByRole('heading', { name: 'Audit trail' })).toBeVisible();
    const rows = page.getByRole('table', { name: 'Audit events' }).getByTestId('audit-row');
    await expect(rows.first()).toBeVisible();

    await page.getByLabel('Operation').fill('user.add');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByTestId('audit-filter-state')).toHaveText('1 filter applied.');
    await expect(rows).toHaveCount(3); // bob (bootstrap), carol and dave (approved by bob)
    for (const op of await rows.getByTestId('audit-operation').allTextContents()) expect(op).toBe('user.add');

    // A row opens to show its details (who approved, the hashes).
    await rows.first().getByRole('button', { name: /Show details of event/ }).click();
    await expect(page.getByTestId('audit-details')).toContainText('approvers');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    const verified = page.getByTestId('verify-result');
    await expect(verified).toContainText('Chain intact', SLOW);
    await expect(verified).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('verify-head')).toHaveText(/^[0-9a-f]{64}$/);

    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(page.getByTestId('export-path')).toHaveText(/custos-audit-.*\.tar$/, SLOW);
    await expect(page.getByTestId('export-fingerprint')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('export-commands')).toContainText('openssl pkeyutl -verify');
    await snap(page, 'audit');
  });

  await test.step('sign out keeps the vault open; an auditor sees what they cannot change, and why', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('User name')).toHaveValue('');
    await page.getByLabel('User name').fill('dave');
    await page.getByLabel('Passphrase', { exact: true }).fill(LOGIN.dave);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);

    await expect(nav(page, 'Generate key')).toHaveCount(0);
    await expect(page.getByTestId('auditor-note')).toHaveText('Auditors can read everything but change nothing.');
    await expect(page.getByRole('button', { name: 'New key' })).toBeDisabled();

    await nav(page, 'People').click();
    await expect(page.getByTestId('read-only-note')).toHaveText('Auditors can read everything but change nothing.');
    await expect(page.getByRole('button', { name: 'Add person' })).toBeDisabled();
    await expect(page.getByRole('button', { name: /^Disable / })).toHaveCount(0);
  });
});
