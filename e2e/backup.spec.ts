import type { Page } from '@playwright/test';
import { test as base, expect } from './fixtures';
import { seedCeremonyVault } from '../src-main/ceremony/e2e-seed';

// The Backups page: a vault key split into two XOR components, each shown to its custodian alone
// (with its check value) behind hand-off and hide screens; a component verified against the
// package; a mistyped one refused; then both custodians restore the key and a second person
// approves. People and the key are seeded at the test KDF cost; the rest is the console.

const SLOW = { timeout: 30_000 };
const pass = (u: string) => `${u} long passphrase`;
const KEY = 'payments-signing';

const test = base.extend({
  vaultDir: async ({ vaultDir }, use) => {
    await seedCeremonyVault(vaultDir, pass, { vaultKey: KEY });
    await use(vaultDir);
  },
});

async function choose(page: Page, label: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option }).first().click();
}

test('an XOR backup handed to two custodians, a component verified, and the key restored under dual control', async ({ consolePage: page }) => {
  test.setTimeout(60_000);
  const components: Record<string, string> = {};
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Passphrase', { exact: true }).fill(pass('alice'));
  await page.getByLabel('Passphrase', { exact: true }).press('Enter');
  await page.getByRole('navigation').getByRole('button', { name: 'Backups', exact: true }).click();

  await choose(page, 'Key', new RegExp(`^${KEY}`));
  await page.getByText('XOR components (all N)').click();
  const custodians = page.getByRole('combobox', { name: 'Custodians (one share each)' });
  for (const c of ['carol', 'dave']) {
    await custodians.click();
    await page.getByRole('option', { name: new RegExp(`^${c} `) }).click();
  }
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Back up the key' }).click();
  await expect(page.getByTestId('backup-created')).toContainText('2 XOR components for carol, dave', SLOW);
  const packagePath = (await page.getByTestId('backup-path').textContent()) ?? '';

  for (const c of ['carol', 'dave']) {
    await page.getByRole('button', { name: `Hand ${c} their share` }).click();
    await page.getByRole('button', { name: `I am ${c} — continue` }).click();
    await page.getByLabel(`Passphrase of ${c}`).fill(pass(c));
    await page.getByLabel('Also make my printable share card (PDF)').uncheck();
    await page.getByRole('button', { name: 'Show my share' }).click();
    await expect(page.getByTestId('share-component')).toBeVisible(SLOW);
    components[c] = (await page.getByTestId('share-text').textContent()) ?? '';
    await page.getByRole('button', { name: 'I have it — hide my share' }).click();
    await expect(page.getByTestId('handoff-title')).toHaveText('Share hidden');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
  }
  await expect(page.getByTestId('share-handout')).toHaveCount(0);

  await page.getByRole('tab', { name: 'Verify a share' }).click();
  await page.locator('input[type="file"]').setInputFiles(packagePath);
  await page.getByText('XOR component', { exact: true }).click();
  const typo = components.dave!.slice(0, -1) + (components.dave!.endsWith('0') ? '1' : '0');
  await page.getByLabel('Your component (hex)').fill(typo);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByTestId('error-alert')).toContainText('does not belong to backup', SLOW);
  await page.getByLabel('Your component (hex)').fill(components.dave!);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByTestId('verify-result')).toContainText(`Share 2 (dave) is intact and belongs to the backup of ${KEY}`, SLOW);

  await page.getByRole('tab', { name: 'Recover a key' }).click();
  await page.locator('input[type="file"]').setInputFiles(packagePath);
  await page.getByText('XOR component', { exact: true }).click();
  for (const c of ['carol', 'dave']) {
    await page.getByRole('button', { name: 'Next custodian…' }).click();
    await page.getByRole('button', { name: 'I am the next custodian — continue' }).click();
    await choose(page, 'Custodian', c);
    await page.getByLabel('Your component (hex)').fill(components[c]!);
    await page.getByLabel('Your passphrase').fill(pass(c));
    await page.getByRole('button', { name: 'Add my share and hand on' }).click();
  }
  await page.getByRole('button', { name: 'Recover the key' }).click();
  await expect(page.getByTestId('recover-result')).toContainText(`Restore ${KEY}`, SLOW);
  await page.getByRole('navigation').getByRole('button', { name: /^Approvals/ }).click();
  await page.getByTestId('request-card').filter({ hasText: `Restore ${KEY}` }).getByRole('button', { name: 'Approve at the keyboard…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Approver at the keyboard' });
  await dialog.getByLabel("Approver's user name").fill('bob');
  await dialog.getByLabel("Approver's passphrase").fill(pass('bob'));
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(page.getByTestId('notice')).toContainText('Approved — done', SLOW);
});
