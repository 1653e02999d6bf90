import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { test as base, expect } from './fixtures';
import { snap } from './steps';
import { createSoftHsm, type SoftHsmFixture } from '../src-main/testing/softhsm';
import { seedCeremonyVault } from '../src-main/ceremony/e2e-seed';

// The root CA ceremony of issue 6 in the console, through the browser host: an administrator
// (alice), a witness (bob) and three custodians (carol, dave, erin; 2 of 3) attest every step with
// their own passphrases behind hand-off screens; an EC P-384 key is generated on SoftHSM, its
// self-signed root passes `openssl verify`, its backup is split with SLIP-0039, each custodian is
// handed their share alone (carol also gets her card as a PDF) and verifies it; the transcript is
// exported and verifies with `custos audit verify` (and fails after one byte is edited). Then a
// key-recovery ceremony: two custodians enter their shares at their own hand-off screens, bob's
// attestation approves the dual-controlled recovery in the step, the key is unwrapped into a second,
// fresh token, and the restored object has the same fingerprint. The people are seeded into the vault before the host
// starts (with the test KDF cost, to keep 30-odd passphrase checks fast); everything else is the console.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'out', 'main', 'cli.js');
const SLOW = { timeout: 30_000 };
const pass = (u: string) => `${u} long passphrase`;

const test = base.extend<{ twoTokens: SoftHsmFixture }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring even without dependencies
  twoTokens: async ({}, use) => {
    const fx = createSoftHsm({ labels: ['root-ca-card', 'recovery-card'], setProcessEnv: false });
    try {
      await use(fx);
    } finally {
      fx.cleanup();
    }
  },
  hostEnv: async ({ twoTokens }, use) => {
    await use({ SOFTHSM2_CONF: twoTokens.conf });
  },
  vaultDir: async ({ vaultDir }, use) => {
    await seedCeremonyVault(vaultDir, pass);
    await use(vaultDir);
  },
});

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation').getByRole('button', { name, exact: true });
}

async function choose(page: Page, label: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option }).first().click();
}

async function attest(page: Page, who: string, share?: string, cleared = 'Share verified and cleared'): Promise<void> {
  await page.locator(`[data-testid="attestation-row"][data-person="${who}"]`).getByRole('button', { name: `Attest as ${who}` }).click();
  await expect(page.getByTestId('handoff-title')).toHaveText(`Pass the keyboard to ${who}`);
  await page.getByRole('button', { name: `I am ${who} — continue` }).click();
  if (share) await page.getByLabel('Your share (the words, in order)').fill(share);
  await page.getByLabel(`Passphrase of ${who}`).fill(pass(who));
  await page.getByRole('button', { name: 'Attest', exact: true }).click();
  if (share) {
    await expect(page.getByTestId('handoff-title')).toHaveText(cleared, SLOW);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
  }
  await expect(page.locator(`[data-testid="attestation-row"][data-person="${who}"]`)).toContainText('Attested', SLOW);
}

async function perform(page: Page, stepTitle: string, actor: string, attestors: string[], extra?: () => Promise<void>): Promise<void> {
  await expect(page.getByTestId('ceremony-step-title')).toHaveText(stepTitle, SLOW);
  for (const a of attestors) await attest(page, a);
  await extra?.();
  await page.getByLabel(`${actor}, your passphrase to perform this step`).fill(pass(actor));
  await page.getByRole('button', { name: new RegExp(`^Perform step \\d+ as ${actor}$`) }).click();
  await expect(page.getByTestId('ceremony-step-title')).not.toHaveText(stepTitle, SLOW);
}

test('a root CA ceremony with hand-offs, share verification and a verifiable transcript; then recovery into a fresh token', async ({ consolePage: page, twoTokens }) => {
  test.setTimeout(120_000);
  const work = await mkdtemp(join(tmpdir(), 'custos-e2e-ceremony-'));
  const shares: Record<string, string> = {};
  let certificatePath = '';
  let packagePath = '';
  let fingerprint = '';
  try {
    await test.step('alice unlocks and logs in to both tokens', async () => {
      await page.getByLabel('User name').fill('alice');
      await page.getByLabel('Passphrase', { exact: true }).fill(pass('alice'));
      await page.getByLabel('Passphrase', { exact: true }).press('Enter');
      await nav(page, 'Tokens').click();
      for (const t of twoTokens.tokens) {
        const card = page.locator(`[data-testid="token-card"][data-serial="${t.serial}"]`);
        await card.getByRole('button', { name: 'Log in…' }).click();
        const dialog = page.getByRole('dialog', { name: `Log in to ${t.label}` });
        await dialog.getByLabel('User PIN').fill(t.userPin);
        await dialog.getByLabel('User PIN').press('Enter');
        await expect(card.getByTestId('token-login-state')).toHaveText('Logged in', SLOW);
      }
    });

    await test.step('start the root CA ceremony with its cast', async () => {
      await nav(page, 'Ceremonies').click();
      await page.locator('[data-testid="ceremony-template"][data-template="root-ca-key-generation"]').getByRole('button', { name: 'Start Root CA key generation' }).click();
      await choose(page, 'Ceremony administrator', 'alice (Administrator)');
      await choose(page, 'Internal witness', 'bob (Security officer)');
      for (const [i, c] of ['carol', 'dave', 'erin'].entries()) await choose(page, `Key custodian ${i + 1}`, new RegExp(`^${c} `));
      await choose(page, 'Token for the key', /^root-ca-card/);
      await page.getByLabel('alice, your passphrase to open the ceremony').fill(pass('alice'));
      await page.getByRole('button', { name: 'Start the ceremony' }).click();
      await expect(page.getByTestId('at-keyboard')).toContainText('At the keyboard: alice (Ceremony administrator)', SLOW);
    });

    await test.step('a step without its attestations is refused by the core', async () => {
      await page.getByLabel('alice, your passphrase to perform this step').fill(pass('alice'));
      await page.getByRole('button', { name: /^Perform step 1 as alice$/ }).click();
      await expect(page.getByTestId('error-alert')).toContainText('needs 1 of 1 ceremony administrators to attest', SLOW);
      await expect(page.getByTestId('error-code')).toHaveText('E_PERMISSION');
    });

    await test.step('room, authentication, key generation on the token', async () => {
      await perform(page, 'Room and equipment', 'alice', ['alice', 'bob']);
      await perform(page, 'Participants authenticate', 'alice', ['alice', 'bob', 'carol', 'dave', 'erin']);
      await perform(page, 'Generate the root CA key on the token', 'alice', ['bob']);
      fingerprint = ((await page.getByTestId('ceremony-fingerprint').textContent()) ?? '').replace(/\s/g, '');
      expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
      await expect(page.getByTestId('ceremony-pgp-words')).toHaveText(/^(\w+ ){31}\w+$/);
      await snap(page, 'ceremony-fingerprint-step');
    });

    await test.step('the fingerprint read aloud, attested by the witness and a quorum of custodians; the root certificate', async () => {
      await perform(page, 'Read the public key fingerprint aloud', 'alice', ['bob', 'carol', 'dave']);
      await perform(page, 'Issue the self-signed root certificate', 'alice', ['bob']);
      certificatePath = (await page.getByTestId('ceremony-certificate-path').textContent()) ?? '';
      expect(execFileSync('openssl', ['verify', '-x509_strict', '-check_ss_sig', '-CAfile', certificatePath, certificatePath], { encoding: 'utf8' })).toMatch(/OK/);
      await perform(page, 'Back up the key to the custodians (2 of 3)', 'alice', ['bob']);
      packagePath = (await page.getByTestId('ceremony-package-path').textContent()) ?? '';
    });

    await test.step('each custodian alone is handed their share, with a hide screen in between', async () => {
      for (const c of ['carol', 'dave', 'erin']) {
        await page.getByRole('button', { name: `Hand ${c} their share` }).click();
        await expect(page.getByTestId('handoff-title')).toHaveText(`Pass the keyboard to ${c}`);
        await page.getByRole('button', { name: `I am ${c} — continue` }).click();
        await page.getByLabel(`Passphrase of ${c}`).fill(pass(c));
        if (c !== 'carol') await page.getByLabel('Also make my printable share card (PDF)').uncheck();
        await page.getByRole('button', { name: 'Show my share' }).click();
        await expect(page.getByTestId('share-shown')).toBeVisible(SLOW);
        await expect(page.getByTestId('share-word')).toHaveCount(33);
        shares[c] = (await page.getByTestId('share-text').textContent()) ?? '';
        if (c === 'carol') {
          await snap(page, 'ceremony-share-shown');
          const download = page.waitForEvent('download');
          await page.getByTestId('share-card-download').click();
          const file = join(work, 'carol-card.pdf');
          await (await download).saveAs(file);
          const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
          expect(text).toContain('Custodian share card');
          expect(text).toContain(shares.carol!.split(' ')[4]!);
        }
        await page.getByRole('button', { name: 'I have it — hide my share' }).click();
        await expect(page.getByTestId('handoff-title')).toHaveText('Share hidden');
        await expect(page.getByTestId('share-text')).toHaveCount(0);
        await page.getByRole('button', { name: 'Continue', exact: true }).click();
      }
      await expect(page.getByTestId('share-handout')).toHaveCount(0);
    });

    await test.step('each custodian verifies their share; destruction of temporary material; the witness statement', async () => {
      await expect(page.getByTestId('ceremony-step-title')).toHaveText('Each custodian verifies their share');
      for (const c of ['carol', 'dave', 'erin']) await attest(page, c, shares[c]);
      await perform(page, 'Each custodian verifies their share', 'alice', []);
      await perform(page, 'Destroy temporary material', 'alice', ['bob']);
      await expect(page.getByTestId('at-keyboard')).toContainText('At the keyboard: bob (Internal witness)');
      await page.getByLabel(/Record anything that departed/).fill('The ceremony followed the script.');
      await page.getByLabel('bob, your passphrase to perform this step').fill(pass('bob'));
      await page.getByRole('button', { name: /^Perform step 9 as bob$/ }).click();
      await expect(page.getByTestId('ceremony-finished')).toContainText('Ceremony complete', SLOW);
      await expect(page.getByTestId('transcript-row')).toHaveCount(11);
    });

    await test.step('export the transcript: it verifies, its PDF reads back, one edited byte fails', async () => {
      await page.getByRole('button', { name: 'Export the transcript (signed bundle and PDF)' }).click();
      const path = (await page.getByTestId('ceremony-export-path').textContent({ timeout: 30_000 })) ?? '';
      const key = (await page.getByTestId('ceremony-export-key').textContent()) ?? '';
      const pdf = (await page.getByTestId('ceremony-export-pdf').textContent()) ?? '';
      await snap(page, 'ceremony-complete');
      const ok = spawnSync(process.execPath, [CLI, 'audit', 'verify', path, '--expect-key', key], { encoding: 'utf8' });
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
      expect(text).toContain('Ceremony transcript: Root CA key generation');
      expect(text).not.toContain(shares.carol!.split(' ').slice(3, 6).join(' '));
      const bytes = await readFile(path);
      const at = bytes.indexOf('followed the script');
      expect(at).toBeGreaterThan(0);
      bytes[at] = bytes[at]! ^ 0x01;
      const edited = join(work, 'edited.tar');
      await writeFile(edited, bytes);
      const bad = spawnSync(process.execPath, [CLI, 'audit', 'verify', edited, '--expect-key', key], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
    });

    await test.step('a recovery ceremony: two custodians enter their shares, bob approves in the step, the key lands on the fresh token', async () => {
      const recovery = twoTokens.tokens[1]!;
      await page.getByRole('button', { name: 'Close', exact: true }).click();
      await page.locator('[data-testid="ceremony-template"][data-template="key-recovery"]').getByRole('button', { name: 'Start Key recovery from custodian shares' }).click();
      await choose(page, 'Ceremony administrator', 'alice (Administrator)');
      await choose(page, 'Internal witness', 'bob (Security officer)');
      for (const [i, c] of ['dave', 'erin'].entries()) await choose(page, `Key custodian ${i + 1}`, new RegExp(`^${c} `));
      await choose(page, 'Token to restore the key into', new RegExp(`^recovery-card \\(${recovery.serial}\\)`));
      await page.locator('input[type="file"]').setInputFiles(packagePath);
      await page.getByLabel('alice, your passphrase to open the ceremony').fill(pass('alice'));
      await page.getByRole('button', { name: 'Start the ceremony' }).click();
      await perform(page, 'Recovery is authorised', 'alice', ['alice', 'bob']);
      await perform(page, 'Participants authenticate', 'alice', ['alice', 'bob', 'dave', 'erin']);
      await expect(page.getByTestId('recovery-plan')).toContainText(`token ${recovery.serial}`);
      await attest(page, 'bob');
      for (const c of ['dave', 'erin']) await attest(page, c, shares[c], 'Share entered and cleared');
      await perform(page, 'Custodians enter their shares; the key is restored', 'alice', []);
      await expect(page.getByTestId('ceremony-recovered')).toContainText(`token ${recovery.serial}`);
      await expect(page.getByTestId('ceremony-recovered')).toContainText('matches the backup package');
      await expect(page.getByTestId('ceremony-recovered')).toContainText('approved by bob');
      expect(((await page.getByTestId('ceremony-fingerprint').textContent()) ?? '').replace(/\s/g, '')).toBe(fingerprint);
      await snap(page, 'ceremony-recovered');
      await perform(page, "Read the restored key's fingerprint aloud", 'alice', ['bob', 'dave', 'erin']);
      await perform(page, 'Destroy temporary material', 'alice', ['bob']);
      await page.getByLabel('Statement').fill('Restored into the recovery card; the fingerprints match.');
      await page.getByLabel('bob, your passphrase to perform this step').fill(pass('bob'));
      await page.getByRole('button', { name: /^Perform step 6 as bob$/ }).click();
      await expect(page.getByTestId('ceremony-finished')).toContainText('Ceremony complete', SLOW);
      // The restored public object on the fresh token: its SPKI hashes to the original fingerprint.
      const tool = (args: string[]) => execFileSync('pkcs11-tool', ['--module', twoTokens.modulePath, '--token-label', recovery.label, '--login', '--pin', recovery.userPin, ...args], { env: twoTokens.env, encoding: 'utf8' });
      // The root certificate's key is the ceremony's fingerprint; the fresh token now holds that EC point.
      const spki = createPublicKey(await readFile(certificatePath, 'utf8')).export({ type: 'spki', format: 'der' });
      expect(createHash('sha256').update(spki).digest('hex')).toBe(fingerprint);
      const point = spki.subarray(spki.length - 97).toString('hex');
      const objects = tool(['--list-objects', '--type', 'pubkey']).replace(/\s+/g, '').toLowerCase();
      expect(objects).toContain(point);
      expect(tool(['--list-objects', '--type', 'privkey'])).toContain('(recovered');
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
