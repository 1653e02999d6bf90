import { test, expect } from './fixtures';

// The whole first slice of the console against the real core: a fresh vault in a temporary
// directory, one key generated through the form, lock, a refused unlock, a good unlock.

const ADMIN = 'alice';
const PASSPHRASE = 'correct horse battery staple';
const KEY_NAME = 'payments-signing';

// Argon2id (vault create, unlock) and key generation run in the core; give them room on a slow
// CI machine without asserting anything about time.
const SLOW = { timeout: 30_000 };

test('create a vault, generate a key, lock, refuse a wrong passphrase, unlock', async ({ consolePage: page }) => {
  await test.step('the console says which host carries it', async () => {
    await expect(page.getByTestId('app-version').first()).toContainText(/Custos \d+\.\d+\.\d+/, SLOW);
    if (page.url().startsWith('http://127.0.0.1')) {
      await expect(page.getByTestId('browser-mode-banner')).toContainText('Browser mode');
    }
  });

  await test.step('create the vault', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible();
    await page.getByLabel('Administrator name').fill(ADMIN);
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create vault' }).click();

    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await expect(page.getByTestId('session-user')).toContainText(ADMIN);
    // A fresh session lands on the overview, which says what to do with an empty vault.
    await expect(page.getByTestId('dashboard-empty')).toBeVisible(SLOW);
  });

  await test.step('generate an EC P-256 key through the form', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Generate key', exact: true }).click();
    await page.getByLabel('Key name').fill(KEY_NAME);
    await page.getByLabel('Algorithm').selectOption({ label: 'EC P-256' });
    await page.getByRole('button', { name: 'Generate', exact: true }).click();

    // The console opens the new key and says it was generated.
    await expect(page.getByRole('heading', { name: KEY_NAME, exact: true })).toBeVisible(SLOW);
    await expect(page.getByTestId('notice')).toContainText('Key generated');
  });

  const inventory = page.getByRole('table', { name: 'Key inventory' });
  const keyRow = inventory.getByTestId('key-row').filter({ hasText: KEY_NAME });

  await test.step('see the key in the inventory', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Inventory', exact: true }).click();
    await expect(keyRow).toHaveCount(1);
    const cells = keyRow.getByRole('cell');
    await expect(cells.nth(0)).toHaveText(KEY_NAME);
    await expect(cells.nth(1)).toHaveText('EC P-256');
    await expect(cells.nth(2)).toHaveText('P-256');
    await expect(cells.nth(3)).toHaveText(/^pre-active$/i);
    await expect(cells.nth(4)).toHaveText(/^vault$/i);

    const shot = test.info().outputPath('inventory.png');
    await page.screenshot({ path: shot });
    await test.info().attach('inventory', { path: shot, contentType: 'image/png' });
  });

  await test.step('open the key and see its fingerprint', async () => {
    await keyRow.click();
    await expect(page.getByRole('heading', { name: KEY_NAME, exact: true })).toBeVisible();
    await expect(page.getByTestId('key-fingerprint')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('key-algorithm')).toHaveText('EC P-256');
    await expect(page.getByTestId('key-store')).toHaveText(/^vault$/i);
    await expect(page.getByTestId('key-state')).toHaveText(/^pre-active$/i);
    await expect(page.getByTestId('public-key-pem')).toContainText('-----BEGIN PUBLIC KEY-----');
    // The generation is in the key's timeline (its audit history).
    await expect(page.getByRole('list', { name: 'Key audit history' }).getByTestId('audit-row').first()).toBeVisible();
  });

  await test.step('lock', async () => {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
    await expect(inventory).toHaveCount(0);
  });

  await test.step('a wrong passphrase is refused with a clear error', async () => {
    await page.getByLabel('User name').fill(ADMIN);
    await page.getByLabel('Passphrase', { exact: true }).fill('not the passphrase at all');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();

    const error = page.getByRole('alert').filter({ hasText: 'Unlock failed' });
    await expect(error).toBeVisible(SLOW);
    await expect(error).not.toHaveText(/^\s*Unlock failed\s*$/); // the core's message is shown too
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
    // The refused passphrase does not stay in the field.
    await expect(page.getByLabel('Passphrase', { exact: true })).toHaveValue('');
  });

  await test.step('the right passphrase unlocks, and the key is still there', async () => {
    await page.getByLabel('User name').fill(ADMIN);
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase', { exact: true }).press('Enter');

    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await page.getByRole('navigation').getByRole('button', { name: 'Inventory', exact: true }).click();
    await expect(keyRow).toHaveCount(1);
    await expect(keyRow.getByRole('cell').nth(1)).toHaveText('EC P-256');

    // Keyboard: Enter on a focused row opens the key.
    await keyRow.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: KEY_NAME, exact: true })).toBeVisible();
  });
});
