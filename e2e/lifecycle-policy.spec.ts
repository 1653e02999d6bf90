import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';

// Issue 5 in the console, against the real core: a TLS key with its purpose, certificates and its
// public key, rotation (version 2 active, version 1 process-only on the timeline), destruction under
// dual control with its waiting period — approved by a second person and then cancelled — a key
// revoked as compromised, the policy gate at generation, and the Policies page showing a finding
// that only applies as of 2036-01-01.

const SLOW = { timeout: 30_000 };
const LOGIN = { alice: 'alice login passphrase', bob: 'bob login passphrase' };
const TLS_KEY = 'web-tls';
const OTHER_KEY = 'old-signing';
const DISALLOWED = 'Quantum-vulnerable signature key (ECDSA, EdDSA, RSA): disallowed';

/** The whole page as one tall window, after any dialog has finished closing. */
async function snap(page: Page, name: string): Promise<void> {
  await expect(page.locator('.mantine-Modal-overlay')).toHaveCount(0);
  // A transient notice would cover the bottom of the page.
  const notice = page.getByTestId('notice');
  if (await notice.isVisible()) await notice.getByRole('button', { name: 'Dismiss notification' }).click();
  await expect(notice).toHaveCount(0);
  // Nor should a tooltip from the last click.
  await page.mouse.move(640, 2);
  const size = page.viewportSize() ?? { width: 1280, height: 720 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, Math.min(height, 6000)) });
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path });
  await page.setViewportSize(size);
  await test.info().attach(name, { path, contentType: 'image/png' });
}

function nav(page: Page, name: string): Locator {
  // Items may carry a count badge after their name.
  return page.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name}\\b`) });
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function generate(page: Page, name: string, options: { algorithm?: string; purpose?: string } = {}): Promise<void> {
  await nav(page, 'Generate key').click();
  await page.getByLabel('Key name').fill(name);
  if (options.algorithm) await page.getByLabel('Algorithm').selectOption({ label: options.algorithm });
  if (options.purpose) await page.getByTestId('purpose-select').selectOption(options.purpose);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
}

test('rotate, destroy under dual control and cancel, revoke as compromised, and policy findings as of 2036', async ({ consolePage: page }) => {
  test.setTimeout(180_000);
  const notice = page.getByTestId('notice');
  const state = page.getByTestId('key-state');

  await test.step('create the vault as alice and add bob, a security officer (runs at once: nobody else could approve)', async () => {
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
    await expect(notice).toContainText('Done');
  });

  await test.step('Tasks: nothing to do yet', async () => {
    await nav(page, 'Tasks').click();
    await expect(page.getByRole('heading', { name: 'Tasks', exact: true })).toBeVisible();
    await expect(page.getByTestId('tasks-empty')).toContainText('Nothing to do');
    await expect(page.getByTestId('task-count')).toHaveCount(0);
  });

  await test.step('generate an RSA-3072 key for tls-server and activate it', async () => {
    await generate(page, TLS_KEY, { algorithm: 'RSA 3072', purpose: 'tls-server' });
    await expect(page.getByRole('heading', { name: TLS_KEY, exact: true })).toBeVisible(SLOW);
    await expect(state).toHaveText(/^pre-active$/i);
    await expect(page.getByTestId('key-purpose')).toHaveText('TLS server (tls-server)');
    // Pre-active: rotation and destruction say why not yet; certificates need an active key.
    await expect(page.getByTestId('rotate-key')).toHaveAttribute('data-reason', 'Only an active or suspended key can be rotated; this key is pre-active.');
    await expect(page.getByTestId('schedule-destruction')).toBeEnabled();
    await page.getByTestId('lifecycle-activate').click();
    await expect(state).toHaveText(/^active$/i);
    await expect(page.getByTestId('schedule-destruction')).toHaveAttribute('data-reason', 'An active key cannot be destroyed; deactivate or revoke it first.');
    await expect(page.getByTestId('version-row')).toHaveCount(1);
  });

  await test.step('the public key as JWK and OpenSSH, a CSR and a self-signed certificate', async () => {
    const panel = page.getByTestId('certificates-panel');
    await expect(panel.getByTestId('public-export')).toContainText('-----BEGIN PUBLIC KEY-----', SLOW);
    await panel.getByText('JWK', { exact: true }).click();
    await expect(panel.getByTestId('public-export')).toContainText('"kty": "RSA"');
    await panel.getByText('OpenSSH', { exact: true }).click();
    await expect(panel.getByTestId('public-export')).toContainText(/^ssh-rsa AAAA/);

    await panel.getByRole('tab', { name: 'Certificate request (CSR)' }).click();
    await panel.getByTestId('csr-subject').fill('CN=www.example.com, O=Example Ltd, C=GB');
    await panel.getByLabel('DNS names (subjectAltName)').fill('www.example.com, example.com');
    await panel.getByTestId('csr-create').click();
    await expect(panel.getByTestId('csr-pem')).toContainText('-----BEGIN CERTIFICATE REQUEST-----', SLOW);
    const downloading = page.waitForEvent('download');
    await panel.getByTestId('csr-pem-download').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('web-tls.csr.pem');
    const csr = await readFile(await download.path(), 'utf8');
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    if (hasOpenssl()) {
      const file = test.info().outputPath('web-tls.csr.pem');
      await writeFile(file, csr);
      const text = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(text).toContain('DNS:www.example.com');
    }

    await panel.getByRole('tab', { name: 'Self-signed certificate' }).click();
    await panel.getByTestId('cert-subject').fill('CN=www.example.com');
    await panel.getByTestId('cert-days').fill('90');
    await panel.getByTestId('cert-create').click();
    await expect(panel.getByTestId('cert-pem')).toContainText('-----BEGIN CERTIFICATE-----', SLOW);
    await expect(panel.getByTestId('cert-result')).toContainText('CN=www.example.com');
  });

  await test.step('rotate: version 2 is active, version 1 deactivated (process-only) on the timeline', async () => {
    await page.getByTestId('rotate-key').click();
    const dialog = page.getByRole('dialog', { name: `Rotate ${TLS_KEY}?` });
    await expect(dialog).toContainText('A new version (2)');
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Key rotated');
    await expect(page.getByTestId('key-version')).toHaveText('2');
    const rows = page.getByTestId('version-row');
    await expect(rows).toHaveCount(2);
    await expect(page.locator('[data-testid="version-row"][data-version="2"]')).toHaveAttribute('data-state', 'active');
    await expect(page.locator('[data-testid="version-row"][data-version="1"]')).toHaveAttribute('data-state', 'deactivated');
    await expect(page.locator('[data-testid="version-row"][data-version="1"]').getByTestId('version-state')).toHaveText(/deactivated/i);
    const chart = page.getByTestId('version-timeline');
    await expect(chart).toHaveAttribute('aria-label', /version 2 active: active \(protect and process\) from \d{4}-\d{2}-\d{2}/);
    await expect(chart).toHaveAttribute('aria-label', /version 1 deactivated: .*deactivated \(process only, until process-stop\) from/);
    // Two bars are drawn, with the y axis naming both versions.
    await expect(chart).toContainText('v2');
    await expect(chart).toContainText('v1');
  });

  await test.step('deactivate, then schedule the destruction: it waits for approval', async () => {
    await page.getByTestId('lifecycle-deactivate').click();
    await page.getByRole('dialog', { name: 'Deactivate this key?' }).getByRole('button', { name: 'Deactivate', exact: true }).click();
    await expect(state).toHaveText(/^deactivated$/i, SLOW);
    await expect(page.getByTestId('rotate-key')).toHaveAttribute('data-reason', /this key is deactivated/);

    await page.getByTestId('schedule-destruction').click();
    const dialog = page.getByRole('dialog', { name: `Schedule the destruction of ${TLS_KEY}?` });
    await expect(dialog.getByTestId('destroy-after-days')).toHaveValue('7');
    await dialog.getByTestId('destroy-after-days').fill('3');
    await dialog.getByRole('button', { name: 'Request destruction' }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Waiting for approval');
    await expect(page.getByTestId('destruction-pending')).toContainText(`Destroy ${TLS_KEY}`);
    await expect(page.getByTestId('schedule-destruction')).toHaveAttribute('data-reason', 'A destruction request for this key is waiting for approval.');
    await expect(page.getByTestId('destruction-banner')).toHaveCount(0);
  });

  await test.step('bob approves at the keyboard', async () => {
    await nav(page, 'Approvals').click();
    const card = page.getByTestId('request-card').filter({ hasText: `Destroy ${TLS_KEY}` });
    await expect(card).toHaveCount(1);
    await card.getByRole('button', { name: 'Approve at the keyboard…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approver at the keyboard' });
    await dialog.getByLabel("Approver's user name").fill('bob');
    await dialog.getByLabel("Approver's passphrase").fill(LOGIN.bob);
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(dialog).toBeHidden(SLOW);
    await expect(notice).toContainText('Approved — done');
  });

  await test.step('the destruction is a task and the key says when it will be destroyed; cancel it', async () => {
    await nav(page, 'Tasks').click();
    await expect(page.getByTestId('task-count')).toHaveText('1');
    const task = page.getByTestId('destruction-task');
    await expect(task).toContainText(TLS_KEY);
    await expect(task).toContainText('in 2 days');
    await snap(page, 'tasks');
    await task.getByTestId('task-key').click();
    await expect(page.getByRole('heading', { name: TLS_KEY, exact: true })).toBeVisible();
    const banner = page.getByTestId('destruction-banner');
    await expect(banner).toContainText(/Will be destroyed at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await expect(page.getByTestId('schedule-destruction')).toHaveAttribute('data-reason', /already scheduled/);
    await snap(page, 'key-detail-destruction-scheduled');
    await banner.getByTestId('cancel-destruction').click();
    await expect(notice).toContainText('Destruction cancelled');
    await expect(banner).toHaveCount(0);
    await expect(page.getByTestId('schedule-destruction')).toBeEnabled();
    await expect(page.getByRole('list', { name: 'Key audit history' })).toContainText('key.destroy-cancel');
  });

  await test.step('the policy refuses a CA key in software, verbatim', async () => {
    await generate(page, 'rogue-ca', { algorithm: 'EC P-384', purpose: 'ca-root' });
    const error = page.getByTestId('error-alert');
    await expect(error).toContainText('The active policy forbids this key:', SLOW);
    await expect(error.getByTestId('error-code')).toHaveText('E_PERMISSION');
  });

  await test.step('another key, activated, revoked as key compromise', async () => {
    await page.getByLabel('Key name').fill(OTHER_KEY);
    await page.getByTestId('purpose-select').selectOption('');
    await page.getByLabel('Algorithm').selectOption({ label: 'EC P-256' });
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('heading', { name: OTHER_KEY, exact: true })).toBeVisible(SLOW);
    await expect(page.getByTestId('key-purpose')).toHaveText('General (none set)');
    await page.getByTestId('lifecycle-activate').click();
    await expect(state).toHaveText(/^active$/i);
    await page.getByTestId('lifecycle-revoke').click();
    const dialog = page.getByRole('dialog', { name: `Revoke ${OTHER_KEY}` });
    await dialog.getByLabel('Revocation reason (KMIP)').selectOption('key-compromise');
    await dialog.getByRole('button', { name: 'Continue…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Mark this key as compromised?' });
    await confirm.getByRole('button', { name: 'Yes, mark it compromised' }).click();
    await expect(confirm).toBeHidden(SLOW);
    await expect(state).toHaveText(/^compromised$/i);
    // A compromised key may not sign, so neither a CSR nor a certificate.
    await expect(page.getByTestId('csr-create')).toHaveCount(0);
    await page.getByTestId('certificates-panel').getByRole('tab', { name: 'Certificate request (CSR)' }).click();
    await expect(page.getByTestId('csr-create')).toHaveAttribute('data-reason', /the key is compromised/);
    await expect(page.getByTestId('rotate-key')).toHaveAttribute('data-reason', /this key is compromised/);
    await expect(page.getByTestId('schedule-destruction')).toBeEnabled();
    await expect(page.getByTestId('key-findings-none')).toContainText('A compromised key is not judged by the policy');
  });

  await test.step("Policies: IR 8547's disallowance is absent today and appears as of 2036-01-01", async () => {
    await nav(page, 'Policies').click();
    await expect(page.getByRole('heading', { name: 'Policies', exact: true })).toBeVisible();
    const summary = page.getByTestId('evaluation-summary');
    const today = new Date().toISOString().slice(0, 10);
    await expect(summary).toContainText(`As of ${today}`, SLOW);
    await expect(page.getByTestId('active-pack').filter({ hasText: 'nist-ir-8547' })).toHaveCount(1);
    const disallowed = page.locator('[data-testid="fired-rule"][data-rule-id="ir8547.signature.disallowed"]');
    await expect(disallowed).toHaveCount(0);
    await expect(page.getByTestId('fired-rules')).not.toContainText(DISALLOWED);
    await snap(page, 'policies-today-light');

    await page.getByTestId('as-of-2036-01-01').click();
    await expect(summary).toContainText('As of 2036-01-01', SLOW);
    await expect(disallowed).toHaveCount(1);
    await expect(disallowed.getByTestId('fired-rule-title')).toHaveText(DISALLOWED);
    await expect(disallowed.getByTestId('severity')).toHaveText(/error/i);
    // Only the live key is judged: the compromised one is not.
    await expect(disallowed.getByTestId('fired-rule-count')).toHaveText('1');
    await disallowed.click();
    const findings = page.getByTestId('fired-rule-findings');
    await expect(findings.getByTestId('finding-key')).toHaveText(TLS_KEY);
    await expect(findings).toContainText('applies from 2036-01-01');
    await expect(page.getByTestId('severity-chart')).toHaveAttribute('aria-label', /Error [1-9]/);
    await snap(page, 'policies-2036-light');

    // Back to today: gone again.
    await page.getByTestId('as-of-today').click();
    await expect(summary).toContainText(`As of ${today}`, SLOW);
    await expect(disallowed).toHaveCount(0);

    // The composition editor is there for alice (administrator); the change would wait for bob.
    await expect(page.getByTestId('composition-request')).toHaveAttribute('data-reason', 'Choose packs other than the active ones first.');
    await page.getByTestId('pack-choice-cnsa-2.0').check();
    await expect(page.getByTestId('composition-request')).not.toHaveAttribute('data-reason');
  });

  await test.step('dark theme: the Policies page and the key page', async () => {
    await page.getByTestId('as-of-2036-01-01').click();
    await expect(page.locator('[data-testid="fired-rule"][data-rule-id="ir8547.signature.disallowed"]')).toHaveCount(1, SLOW);
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    // The rule opened earlier stays open across dates.
    await expect(page.locator('[data-testid="fired-rule"][data-rule-id="ir8547.signature.disallowed"]')).toHaveAttribute('aria-expanded', 'true');
    await snap(page, 'policies-2036-dark');
    await page.getByTestId('fired-rule-findings').getByTestId('finding-key').click();
    await expect(page.getByRole('heading', { name: TLS_KEY, exact: true })).toBeVisible();
    await expect(page.getByTestId('version-row')).toHaveCount(2);
    await page.getByTestId('key-findings').getByText('2036-01-01', { exact: true }).click();
    await expect(page.locator('[data-testid="key-finding"][data-rule-id="ir8547.signature.disallowed"]')).toHaveCount(1, SLOW);
    await snap(page, 'key-detail-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await snap(page, 'key-detail-light');
  });
});
