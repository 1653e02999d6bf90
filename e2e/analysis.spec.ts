import { createPublicKey, generatePrimeSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { createServer } from 'node:tls';
import type { Locator, Page } from '@playwright/test';
import { makeCa, makeIssued } from '../src-main/certs/openssl-chain.test-support';
import { test, expect } from './fixtures';
import { SLOW, snap } from './steps';

// Issue 7 in the console, against the real core: keys enter the vault through a CycloneDX CBOM
// (the import channel), one button runs the analysis over the whole inventory, and a pair of RSA
// keys sharing a prime and a ROCA key (from ../shared/vectors/roca) show up as findings — in the
// findings table and on the key's own page. A TLS endpoint on 127.0.0.1 (an openssl chain with a
// SHA-1 signed leaf) is scanned from the same page and its certificate findings appear too.

const PASS = 'alice login passphrase';
const ROCA_MODULUS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'vectors', 'roca', 'mod03.txt');

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name}\\b`) });
}

function spkiOf(n: bigint): string {
  const hex = n.toString(16);
  const nB = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return createPublicKey({ key: { kty: 'RSA', n: nB.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** A CBOM of public keys: two RSA-2048 moduli sharing a prime, the ROCA vector, and a clean key. */
function corpus(): Buffer {
  const [p, q1, q2, r1, r2] = [0, 1, 2, 3, 4].map(() => generatePrimeSync(1024, { bigint: true }));
  const text = readFileSync(ROCA_MODULUS, 'utf8').trim();
  const roca = BigInt(text); // the vector is a 0x-prefixed hex modulus
  const keys = [
    { name: 'shared-prime-a', n: p! * q1! },
    { name: 'shared-prime-b', n: p! * q2! },
    { name: 'roca-infineon', n: roca },
    { name: 'clean-rsa', n: r1! * r2! },
  ];
  return Buffer.from(
    JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: keys.map((k) => ({
        type: 'cryptographic-asset',
        'bom-ref': k.name,
        name: k.name,
        cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', format: 'DER', value: spkiOf(k.n) } },
      })),
    }),
  );
}

test('a shared-prime pair and a ROCA key appear as findings after pressing Run analysis', async ({ consolePage: page }) => {
  test.setTimeout(60_000);
  const notice = page.getByTestId('notice');

  await test.step('create the vault', async () => {
    await expect(page.getByRole('heading', { name: 'Create the vault' })).toBeVisible(SLOW);
    await page.getByLabel('Administrator name').fill('alice');
    await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
    await page.getByLabel('Confirm passphrase').fill(PASS);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('navigation')).toBeVisible(SLOW);
  });

  await test.step('import the keys from a CBOM on the Analysis page', async () => {
    await nav(page, 'Analysis').click();
    await expect(page.getByRole('heading', { name: 'Analysis', exact: true })).toBeVisible();
    await expect(page.getByTestId('analysis-empty')).toBeVisible();
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('cbom-import').click();
    await (await chooser).setFiles({ name: 'keys.cdx.json', mimeType: 'application/json', buffer: corpus() });
    await expect(notice).toContainText('4 imported', SLOW);
  });

  await test.step('run the analysis: the shared primes and the ROCA key are found, the clean key is not', async () => {
    await page.getByTestId('analysis-run-button').click();
    await expect(page.getByTestId('analysis-result')).toContainText('4 keys and 0 certificates analysed: 3 findings', SLOW);
    const rows = page.getByTestId('finding-row');
    await expect(rows).toHaveCount(3);
    const shared = page.locator('[data-testid="finding-row"][data-rule="rsa-shared-prime"]');
    await expect(shared).toHaveCount(2);
    expect((await shared.getByTestId('finding-key').allInnerTexts()).sort()).toEqual(['shared-prime-a', 'shared-prime-b']);
    const roca = page.locator('[data-testid="finding-row"][data-rule="rsa-roca"]');
    await expect(roca).toHaveCount(1);
    await expect(roca).toContainText('roca-infineon');
    await expect(roca).toContainText('ROCA');
    await expect(page.getByTestId('findings-table')).not.toContainText('clean-rsa');
    await expect(page.getByTestId('summary-error')).toHaveText('3 error');
    await snap(page, 'analysis-findings');
    await page.getByTestId('analysis-rule-filter').selectOption('rsa-roca');
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText('roca-infineon');
    await page.getByTestId('analysis-rule-filter').selectOption('');
    await expect(rows).toHaveCount(3);
  });

  await test.step('scan a TLS endpoint on 127.0.0.1: its chain is recorded and analysed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-e2e-tls-'));
    const ca = makeCa(dir, 'e2e-ca');
    const leaf = makeIssued(dir, 'e2e-leaf', ca, { md: 'sha1' });
    // OpenSSL refuses to serve a SHA-1 signed certificate at its default security level.
    const server = createServer({ key: leaf.keyPem, cert: leaf.pem + ca.pem, ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      await page.getByTestId('tls-targets').fill(`127.0.0.1:${port}`);
      await page.getByTestId('tls-scan-button').click();
      await expect(page.getByTestId('tls-results')).toContainText('recorded', SLOW);
      await expect(page.getByTestId('tls-results')).toContainText('CN=e2e-leaf');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await page.getByTestId('analysis-run-button').click();
    // Keys: the four imported, the leaf's (now in the inventory) and the CA certificate's (judged, not held).
    await expect(page.getByTestId('analysis-result')).toContainText('6 keys and 2 certificates analysed', SLOW);
    await expect(page.locator('[data-testid="finding-row"][data-rule="cert-weak-signature"]')).toContainText('e2e-leaf');
    // openssl's default leaf has keyEncipherment, which an EC key cannot do: a usage finding.
    await expect(page.locator('[data-testid="finding-row"][data-rule="cert-key-usage"]')).toContainText('keyEncipherment');
  });

  await test.step('the ROCA key\'s own page shows its finding', async () => {
    await page.locator('[data-testid="finding-row"][data-rule="rsa-roca"]').getByTestId('finding-key').click();
    await expect(page.getByRole('heading', { name: 'roca-infineon' })).toBeVisible();
    const panel = page.getByTestId('key-analysis-findings');
    await expect(panel.getByTestId('key-analysis-findings-count')).toHaveText('1');
    await expect(panel.locator('[data-rule="rsa-roca"]')).toHaveCount(1);
    await panel.scrollIntoViewIfNeeded();
    await snap(page, 'key-roca-findings');
  });

  await test.step('the analysis findings are policy findings: on the key page and on the Policies page', async () => {
    await expect(page.locator('[data-testid="key-finding"][data-rule-id="analysis.rsa-roca"]')).toHaveCount(1, SLOW);
    await nav(page, 'Policies').click();
    await expect(page.getByRole('heading', { name: 'Policies', exact: true })).toBeVisible();
    const rule = page.locator('[data-testid="fired-rule"][data-rule-id="analysis.rsa-shared-prime"]');
    await expect(rule.getByTestId('fired-rule-count')).toHaveText('2', SLOW);
    await rule.click();
    await expect(page.getByTestId('fired-rule-findings').getByTestId('finding-key')).toHaveText(['shared-prime-a', 'shared-prime-b']);
    await snap(page, 'policies-analysis-findings');
  });
});
