import { readFile } from 'node:fs/promises';
import { test, expect } from './fixtures';
import { snap } from './steps';

// A vault key through its SP 800-57 life in the console: activate, sign, suspend (signing is
// refused with the reason, verifying still works), revoke for key compromise (a second
// confirmation), and then nothing is possible any more.

const SLOW = { timeout: 30_000 };
const KEY_NAME = 'release-signing';


test('activate, suspend, revoke as compromised: buttons and operations follow the state', async ({ consolePage: page }) => {
  const notice = page.getByTestId('notice');
  const state = page.getByTestId('key-state');
  const data = Buffer.from('release 1.2.3 manifest\n');
  let signature: Buffer;

  await test.step('create the vault and generate an EC P-256 key in it', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
    await page.getByLabel('Administrator name').fill('alice');
    await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm passphrase').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key name').fill(KEY_NAME);
    await expect(page.getByRole('radio', { name: 'Vault (software)' })).toBeChecked();
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('heading', { name: KEY_NAME, exact: true })).toBeVisible(SLOW);
    await expect(state).toHaveText(/^pre-active$/i);
  });

  await test.step('pre-active: only Activate and Revoke are offered', async () => {
    await expect(page.getByTestId('lifecycle-activate')).toBeEnabled();
    await expect(page.getByTestId('lifecycle-revoke')).toBeEnabled();
    for (const a of ['suspend', 'resume', 'deactivate']) await expect(page.getByTestId(`lifecycle-${a}`)).toBeDisabled();
    await expect(page.getByTestId('use-verify')).toHaveAttribute('data-blocked', 'The key is not active yet; activate it first.');
  });

  await test.step('activate, then sign a file', async () => {
    await page.getByTestId('lifecycle-activate').click();
    await expect(state).toHaveText(/^active$/i);
    await page.getByTestId('sign-file').setInputFiles({ name: 'manifest.txt', mimeType: 'text/plain', buffer: data });
    await page.getByTestId('sign-button').click();
    await expect(page.getByTestId('sign-mechanism')).toHaveText('ecdsa-sha256', SLOW);
    const downloading = page.waitForEvent('download');
    await page.getByTestId('signature-download').click();
    signature = await readFile(await (await downloading).path());
    expect(signature[0]).toBe(0x30);
  });

  await test.step('suspend: signing is refused with the reason, verifying still works', async () => {
    await page.getByTestId('lifecycle-suspend').click();
    await expect(state).toHaveText(/^suspended$/i);
    await expect(notice).toContainText('Key suspended');
    const sign = page.getByTestId('sign-button');
    await expect(sign).toBeDisabled();
    await expect(sign).toHaveAttribute('data-reason', 'A suspended key may only verify, decrypt or unwrap, never sign.');
    // The reason is the button's accessible description, and a tooltip on focus.
    await expect(sign).toHaveAccessibleDescription('A suspended key may only verify, decrypt or unwrap, never sign.');
    // Keyboard focus (not a click) shows the tooltip: the last interaction must be a key press.
    await page.keyboard.press('Shift');
    await sign.focus();
    await expect(page.getByRole('tooltip').filter({ hasText: 'never sign' })).toBeVisible();
    await expect(page.getByTestId('use-verify')).not.toHaveAttribute('data-blocked');
    await expect(page.getByTestId('lifecycle-resume')).toBeEnabled();
    await expect(page.getByTestId('lifecycle-suspend')).toBeDisabled();

    await page.getByTestId('verify-file').setInputFiles({ name: 'manifest.txt', mimeType: 'text/plain', buffer: data });
    await page.getByTestId('verify-signature').setInputFiles({ name: 'manifest.txt.sig', mimeType: 'application/octet-stream', buffer: signature });
    await page.getByTestId('verify-button').click();
    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'true', SLOW);
    await snap(page, 'key-suspended');
  });

  await test.step('revoke for key compromise asks twice, then the key is compromised', async () => {
    await page.getByTestId('lifecycle-revoke').click();
    const dialog = page.getByRole('dialog', { name: `Revoke ${KEY_NAME}` });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Revocation reason (KMIP)').selectOption('key-compromise');
    await expect(dialog.getByTestId('revoke-consequence')).toContainText('Suspended → Compromised');
    await dialog.getByRole('button', { name: 'Continue…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Mark this key as compromised?' });
    await expect(confirm.getByTestId('compromise-warning')).toContainText('cannot be undone');
    // "Back" has the focus: Enter alone does not compromise a key.
    await expect(confirm.getByRole('button', { name: 'Back' })).toBeFocused();
    await confirm.getByRole('button', { name: 'Yes, mark it compromised' }).click();
    await expect(confirm).toBeHidden(SLOW);
    await expect(state).toHaveText(/^compromised$/i);
    await expect(notice).toContainText('Key revoked');
  });

  await test.step('compromised: every action and operation is unavailable, with the reason', async () => {
    for (const a of ['activate', 'suspend', 'resume', 'deactivate', 'revoke']) await expect(page.getByTestId(`lifecycle-${a}`)).toBeDisabled();
    await expect(page.getByTestId('lifecycle-revoke')).toHaveAttribute('data-reason', 'This key is already compromised.');
    await expect(page.getByTestId('use-sign')).toHaveAttribute('data-blocked', 'The key is compromised.');
    await expect(page.getByTestId('use-verify')).toHaveAttribute('data-blocked', 'The key is compromised.');
    // The transition is in the key's timeline.
    await expect(page.getByRole('list', { name: 'Key audit history' })).toContainText('key.revoke');
    await snap(page, 'key-compromised');
  });
});

test('an AES key encrypts a file as IV ‖ ciphertext and decrypts it back', async ({ consolePage: page }) => {
  const plaintext = Buffer.from('quarterly figures, not for the public\n'.repeat(40));
  let encrypted: Buffer;

  await test.step('create the vault, generate an AES-256 key and activate it', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
    await page.getByLabel('Administrator name').fill('alice');
    await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm passphrase').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key name').fill('figures-aes');
    await page.getByLabel('Algorithm').selectOption({ label: 'AES-256' });
    // AES keys offer encryption and key wrapping, never signing.
    await expect(page.getByRole('checkbox', { name: 'Encrypt' })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: 'Sign', exact: true })).toHaveCount(0);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'figures-aes', exact: true })).toBeVisible(SLOW);
    await expect(page.getByTestId('use-sign')).toHaveCount(0);
    await page.getByTestId('lifecycle-activate').click();
    await expect(page.getByTestId('key-state')).toHaveText(/^active$/i);
  });

  await test.step('encrypt: the download is the 12-byte IV, the ciphertext and the 16-byte tag', async () => {
    await page.getByTestId('encrypt-file').setInputFiles({ name: 'figures.csv', mimeType: 'text/csv', buffer: plaintext });
    await page.getByTestId('encrypt-button').click();
    await expect(page.getByTestId('encrypt-result')).toContainText('aes-gcm', SLOW);
    const downloading = page.waitForEvent('download');
    await page.getByTestId('encrypt-download').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('figures.csv.enc');
    encrypted = await readFile(await download.path());
    expect(encrypted.length).toBe(12 + plaintext.length + 16);
    expect(encrypted.includes(plaintext.subarray(0, 16))).toBe(false);
  });

  await test.step('deactivate (confirmed): encrypting stops, decrypting gives the file back', async () => {
    await page.getByTestId('lifecycle-deactivate').click();
    const confirm = page.getByRole('dialog', { name: 'Deactivate this key?' });
    await confirm.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await expect(page.getByTestId('key-state')).toHaveText(/^deactivated$/i, SLOW);
    await expect(page.getByTestId('use-encrypt')).toHaveAttribute('data-blocked', 'A deactivated key may only verify, decrypt or unwrap, never encrypt.');
    await page.getByTestId('decrypt-file').setInputFiles({ name: 'figures.csv.enc', mimeType: 'application/octet-stream', buffer: encrypted });
    await page.getByTestId('decrypt-button').click();
    await expect(page.getByTestId('decrypt-result')).toBeVisible(SLOW);
    const downloading = page.waitForEvent('download');
    await page.getByTestId('decrypt-download').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('figures.csv');
    expect((await readFile(await download.path())).equals(plaintext)).toBe(true);
  });

  await test.step('a tampered file is refused with the core error', async () => {
    const tampered = Buffer.from(encrypted);
    tampered[20] = tampered[20]! ^ 1;
    await page.getByTestId('decrypt-file').setInputFiles({ name: 'figures.csv.enc', mimeType: 'application/octet-stream', buffer: tampered });
    await page.getByTestId('decrypt-button').click();
    const error = page.getByTestId('use-decrypt').getByTestId('error-alert');
    await expect(error).toBeVisible(SLOW);
    await expect(error.getByTestId('error-code')).toHaveText(/^E_/);
  });
});
