import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { buildCorpus, PASSPHRASE } from '../src-main/import/test-corpus';
import { test, expect } from './fixtures';
import { SLOW, snap } from './steps';

// Issue 7, import in the console against the real core: a folder of mixed key and certificate
// files (made by openssl, ssh-keygen and Node in this test) is imported by path; every file shows
// its outcome and reason; an encrypted PKCS#12 opens with its passphrase from the row's prompt;
// a key's page lists its linked certificate, which opens decoded with its PEM; a file sent from
// the browser asks for its passphrase, refuses a wrong one and imports with the right one.

const PASS = 'alice login passphrase';

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name}\\b`) });
}

function row(page: Page, file: string): Locator {
  return page.locator(`[data-testid="import-row"][data-path$="-${file}"]`);
}

test('import a folder of mixed files, see each outcome, open the linked certificate of a key', async ({ consolePage: page, vaultDir }) => {
  test.setTimeout(60_000);
  const { files } = buildCorpus();
  const folder = join(vaultDir, '..', `import-${Date.now()}`);
  mkdirSync(join(folder, 'nested'), { recursive: true });
  // Numbered so that each key's first file comes first (the rest are then "already known").
  files.forEach((f, i) => writeFileSync(join(folder, i < 6 ? '' : 'nested', `${String(i).padStart(2, '0')}-${f.name}`), f.bytes));

  await test.step('create the vault', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
    await page.getByLabel('Administrator name').fill('alice');
    await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
    await page.getByLabel('Confirm passphrase').fill(PASS);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('navigation')).toBeVisible(SLOW);
  });

  await test.step('import the folder by its path: one row per file with its outcome', async () => {
    await nav(page, 'Import').click();
    await expect(page.getByRole('heading', { name: 'Import keys and certificates' })).toBeVisible();
    await page.getByText('Paths on the core’s machine').click();
    await page.getByTestId('import-paths').fill(folder);
    await page.getByTestId('import-run').click();
    await expect(page.getByTestId('import-summary')).toContainText(`${files.length} files`, SLOW);
    await expect(page.getByTestId('import-row')).toHaveCount(files.length);
    for (const f of files) await expect(row(page, f.name), f.name).toHaveAttribute('data-outcome', f.outcome);
    await expect(row(page, 'dh.pub.pem').getByTestId('import-reason')).toContainText('DH keys cannot be held');
    await expect(row(page, 'broken.pem').getByTestId('import-reason')).toContainText('damaged');
    await expect(row(page, 'notes.txt').getByTestId('import-reason')).toContainText('text file');
    // A bundle's row opens each of its certificates.
    await row(page, 'bundle.p7b').getByTestId('import-certificate-link').nth(1).click();
    await expect(page.getByRole('dialog', { name: 'Certificate' }).getByTestId('certificate-profile')).toHaveText('Certificate authority');
    await page.keyboard.press('Escape');
    await snap(page, 'import-outcomes');
  });

  await test.step('with private import asked for, the encrypted PKCS#12 opens with its passphrase and brings its private key', async () => {
    await page.getByTestId('import-private').check();
    await row(page, 'www.p12').getByTestId('import-enter-passphrase').click();
    await page.getByTestId('import-passphrase').fill(PASSPHRASE);
    await page.getByTestId('import-passphrase-submit').click();
    await expect(row(page, 'www.p12')).toHaveAttribute('data-outcome', 'imported', SLOW);
    await expect(row(page, 'www.p12')).toContainText('private key (new)');
  });

  await test.step('the key of the web server certificate lists it; the certificate opens decoded', async () => {
    await row(page, 'www.pem').getByTestId('import-key-link').first().click();
    await expect(page.getByRole('heading', { name: 'www.example.org' })).toBeVisible();
    await expect(page.getByTestId('key-store')).toHaveText('Vault');
    const linked = page.getByTestId('linked-certificate');
    await expect(linked).toHaveCount(1);
    await linked.getByTestId('open-certificate').click();
    const view = page.getByRole('dialog', { name: 'Certificate' });
    await expect(view.getByTestId('certificate-subject')).toHaveText('CN=www.example.org');
    await expect(view.getByTestId('certificate-issuer')).toContainText('CN=Example Root');
    await expect(view.getByTestId('certificate-profile')).toHaveText('TLS server');
    await expect(view.getByTestId('certificate-pem')).toContainText('-----BEGIN CERTIFICATE-----');
    await expect(view.getByTestId('certificate-sightings')).toContainText('www.p12');
    // snap() waits for dialogs to close: this one is the point of the picture, so take it as is.
    const shot = test.info().outputPath('import-certificate-view.png');
    await page.screenshot({ path: shot });
    await test.info().attach('import-certificate-view', { path: shot, contentType: 'image/png' });
    await page.keyboard.press('Escape');
    await snap(page, 'import-key-with-certificate');
  });

  await test.step('files sent from the browser: an encrypted OpenSSH key asks for its passphrase, then imports', async () => {
    await nav(page, 'Import').click();
    const enc = files.find((f) => f.name === 'id_ecdsa_enc')!;
    await page.getByTestId('import-file-input').setInputFiles([{ name: 'id_ecdsa_enc', mimeType: 'application/octet-stream', buffer: enc.bytes }]);
    const uploaded = page.locator('[data-testid="import-row"][data-path="id_ecdsa_enc"]');
    await expect(uploaded).toHaveAttribute('data-outcome', 'password-needed', SLOW);
    await uploaded.getByTestId('import-enter-passphrase').click();
    await page.getByTestId('import-passphrase').fill('not it');
    await page.getByTestId('import-passphrase-submit').click();
    await expect(uploaded).toHaveAttribute('data-outcome', 'wrong-password', SLOW);
    await uploaded.getByTestId('import-enter-passphrase').click();
    await page.getByTestId('import-passphrase').fill(PASSPHRASE);
    await page.getByTestId('import-passphrase-submit').click();
    await expect(uploaded).toHaveAttribute('data-outcome', 'imported', SLOW);
    // Private import was not asked for on this visit: the public part only, and the row says so.
    await expect(uploaded).toContainText('public key (new)');
    await expect(uploaded.getByTestId('import-reason')).toContainText('only its public part was recorded');
  });

  await test.step('an RSA-1024 public key is in the inventory, held for reporting only', async () => {
    const i = files.findIndex((f) => f.name === 'short-rsa.pub.pem');
    await nav(page, 'Import').click();
    await page.getByText('Paths on the core’s machine').click();
    await page.getByTestId('import-paths').fill(join(folder, i < 6 ? '' : 'nested', `${String(i).padStart(2, '0')}-short-rsa.pub.pem`));
    await page.getByTestId('import-run').click();
    await expect(row(page, 'short-rsa.pub.pem')).toHaveAttribute('data-outcome', 'duplicate', SLOW);
    await row(page, 'short-rsa.pub.pem').getByTestId('import-key-link').first().click();
    await expect(page.getByTestId('key-algorithm')).toHaveText('RSA 1024');
    await expect(page.getByTestId('key-store')).toHaveText('External');
    await expect(page.getByTestId('inventory-only')).toContainText('Held for reporting only');
    await expect(page.getByTestId('use-panel')).toHaveCount(0);
    await expect(page.getByTestId('rotate-key')).toHaveAttribute('data-reason', /cannot be rotated here/);
    await snap(page, 'import-inventory-only-key');
  });
});
