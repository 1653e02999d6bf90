import { createPublicKey, generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { blocklistValue, buildBlocklist } from '../analysis/blocklist.js';
import { parseModulusText } from '../analysis/roca.js';
import { makeCa, makeIssued } from '../certs/openssl-chain.test-support.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { tempDir } from '../testing/temp.js';
import { VECTORS_DIR } from '../testing/vectors.js';
import { createCore, type CustosCore } from './core.js';

const PASS = 'correct horse battery staple';
let dir: { path: string; cleanup: () => void };
let core: CustosCore;

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function code(channel: ChannelName, input: unknown): Promise<string> {
  const r = await dispatch(core.handlers, channel, input);
  return r.ok ? 'ok' : r.error.code;
}

function rsaSpki(n: bigint): string {
  const hex = n.toString(16);
  const nB = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return createPublicKey({ key: { kty: 'RSA', n: nB.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' }).toString('base64');
}
/** A CBOM carrying public keys: how a test (or an officer) brings keys into the inventory through the contract. */
function cbomOf(keys: Array<{ name: string; spki: string }>): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: keys.map((k, i) => ({ type: 'cryptographic-asset', 'bom-ref': `k${i}`, name: k.name, cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', format: 'DER', value: k.spki } } })),
  });
}

beforeEach(async () => {
  dir = tempDir();
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, exportDir: join(dir.path, 'exports') });
  await call('vault.create', { adminName: 'alice', passphrase: PASS });
});
afterEach(async () => {
  await core.close();
  dir.cleanup();
});

describe('analysis channels', () => {
  it('runs the analysis with progress, stores findings by key, severity and rule, and audits the run', async () => {
    const [p, q1, q2] = [0, 1, 2].map(() => generatePrimeSync(1024, { bigint: true }));
    const roca = parseModulusText(readFileSync(join(VECTORS_DIR, 'roca', 'mod03.txt'), 'utf8'));
    const imported = await call('analysis.importCbom', { name: 'keys.cdx.json', content: cbomOf([{ name: 'shared-a', spki: rsaSpki(p! * q1!) }, { name: 'shared-b', spki: rsaSpki(p! * q2!) }, { name: 'roca', spki: rsaSpki(roca) }]) });
    expect(imported.components.map((c) => c.outcome)).toEqual(['imported', 'imported', 'imported']);
    const [a, b, r] = imported.components.map((c) => c.keyId!);
    const clean = await call('keys.generate', { name: 'clean', algorithm: 'ed25519' });
    const events: Array<{ jobId: string; fraction: number }> = [];
    core.subscribe((event, payload) => event === 'job.progress' && events.push(payload as { jobId: string; fraction: number }));
    const run = await call('analysis.run', { jobId: 'job-1' });
    expect(run).toMatchObject({ keysAnalyzed: 4, findings: 3, bySeverity: { error: 3 } });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.jobId === 'job-1')).toBe(true);
    expect(events.at(-1)!.fraction).toBe(1);
    const rules = async (keyId: string) => (await call('analysis.findings', { keyId })).items.map((f) => f.rule);
    expect(await rules(a!)).toEqual(['rsa-shared-prime']);
    expect(await rules(b!)).toEqual(['rsa-shared-prime']);
    expect(await rules(r!)).toEqual(['rsa-roca']);
    expect(await rules(clean.id)).toEqual([]);
    expect((await call('analysis.findings', { rule: 'rsa-roca' })).items).toEqual([expect.objectContaining({ keyId: r, keyName: 'roca', severity: 'error', source: 'weak-keys' })]);
    const summary = await call('analysis.summary', {});
    expect(summary).toMatchObject({ total: 3, keys: 3, bySeverity: { error: 3 }, blocklist: null });
    expect(summary.byRule.map((x) => [x.rule, x.count])).toEqual([['rsa-shared-prime', 2], ['rsa-roca', 1]]);
    expect((await call('audit.list', { operation: 'inventory.analyze' })).items).toHaveLength(1);

    // A blocklist the officer provides is matched at once and on every later run.
    const compromised = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    const bad = (await call('analysis.importCbom', { name: 'more.json', content: cbomOf([{ name: 'leaked', spki: compromised.toString('base64') }]) })).components[0]!.keyId!;
    const blPath = join(dir.path, 'blocklist.dat');
    writeFileSync(blPath, buildBlocklist([{ value: blocklistValue(compromised)!, listId: 7 }, { value: 42n, listId: 1 }]));
    writeFileSync(join(dir.path, 'badkeysdata.json'), JSON.stringify({ blocklists: [{ id: 7, name: 'documentation' }] }));
    expect(await call('analysis.loadBlocklist', { path: blPath })).toEqual({ records: 2, matches: 1 });
    expect((await call('analysis.findings', { keyId: bad })).items[0]).toMatchObject({ rule: 'blocklist', severity: 'critical', detail: expect.stringContaining('documentation') });
    await call('analysis.run', {});
    expect(await rules(bad)).toEqual(['blocklist']);
    expect((await call('analysis.summary', {})).blocklist).toEqual({ records: 2, path: blPath });
    expect(await code('analysis.loadBlocklist', { path: join(dir.path, 'missing.dat') })).toBe('E_NOT_FOUND');
    writeFileSync(join(dir.path, 'odd.dat'), Buffer.alloc(17));
    expect(await code('analysis.loadBlocklist', { path: join(dir.path, 'odd.dat') })).toBe('E_INPUT');
  });

  it('cancels a running analysis and keeps the previous findings', async () => {
    const primes = [0, 1, 2].map(() => generatePrimeSync(512, { bigint: true }));
    await call('analysis.importCbom', { name: 'k.json', content: cbomOf([{ name: 'a', spki: rsaSpki(primes[0]! * generatePrimeSync(1536, { bigint: true })) }, { name: 'b', spki: rsaSpki(primes[1]! * generatePrimeSync(1536, { bigint: true })) }]) });
    let cancelled: Promise<{ cancelled: boolean }> | null = null;
    core.subscribe((event) => {
      if (event === 'job.progress' && !cancelled) cancelled = call('analysis.cancel', {});
    });
    expect(await code('analysis.run', {})).toBe('E_CONFLICT');
    expect(await cancelled!).toEqual({ cancelled: true });
    expect(await call('analysis.cancel', {})).toEqual({ cancelled: false });
    expect((await call('analysis.summary', {})).total).toBe(0);
    expect((await call('audit.list', { operation: 'inventory.analyze' })).items[0]).toMatchObject({ outcome: 'failed' });
  });

  it('scans the TLS targets it is given and exports and re-imports the inventory as a CBOM', async () => {
    const ca = makeCa(dir.path, 'h-ca');
    const leaf = makeIssued(dir.path, 'h-leaf', ca);
    const server: Server = createServer({ key: leaf.keyPem, cert: leaf.pem + ca.pem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const out = await call('analysis.scanTls', { targets: [`127.0.0.1:${port}`], timeoutMs: 5000 });
      expect(out).toEqual([expect.objectContaining({ target: `127.0.0.1:${port}`, outcome: 'recorded', leafKeyCreated: true })]);
      expect(out[0]!.certificates.map((c) => c.subject)).toEqual(['CN=h-leaf', 'CN=h-ca']);
      expect(await code('analysis.scanTls', { targets: ['not a target'] })).toBe('E_INPUT');
      expect((await call('audit.list', { operation: 'tls.scan' })).items).toHaveLength(1);
      const run = await call('analysis.run', {});
      expect(run.certificatesAnalyzed).toBe(2);
      const exported = await call('analysis.exportCbom', {});
      const bom = JSON.parse(readFileSync(exported.path, 'utf8')) as { specVersion: string; components: Array<{ cryptoProperties: { assetType: string } }> };
      expect(bom.specVersion).toBe('1.6');
      expect(bom.components.filter((c) => c.cryptoProperties.assetType === 'certificate')).toHaveLength(2);
      expect(exported.components).toBe(bom.components.length);
      const again = await call('analysis.importCbom', { name: 'self.json', content: readFileSync(exported.path, 'utf8') });
      expect(again.components.filter((c) => c.outcome === 'imported')).toEqual([]);
      expect(await code('analysis.importCbom', { name: 'x.json', content: '{"bomFormat":"SPDX"}' })).toBe('E_INPUT');
    } finally {
      server.close();
    }
  });

  it('lets an auditor read findings but not run, scan or import', async () => {
    await call('users.add', { name: 'audrey', role: 'auditor', passphrase: PASS });
    await call('session.logout', {}).catch(() => undefined);
    await call('session.login', { user: 'audrey', passphrase: PASS });
    expect((await call('analysis.findings', {})).total).toBe(0);
    expect(await code('analysis.run', {})).toBe('E_PERMISSION');
    expect(await code('analysis.scanTls', { targets: ['127.0.0.1:1'] })).toBe('E_PERMISSION');
    expect(await code('analysis.importCbom', { name: 'x', content: '{}' })).toBe('E_PERMISSION');
  });
});
