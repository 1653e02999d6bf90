// Keys of inventory-only algorithms that another application put on a token (made here with
// pkcs11-tool on SoftHSM2) are recorded by discovery as reporting-only inventory entries, judged
// at once, never used; discovery stays idempotent. Through the contract.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { createCore, type CustosCore } from '../app/core.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import { createSoftHsm, pkcs11Tool, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';

let root: string;
let core: CustosCore;
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
/** The fingerprint other tools compute: SHA-256 of the SPKI pkcs11-tool reads, re-encoded by openssl. */
function toolFingerprint(id: string): string {
  const der = join(root, `${id}.der`);
  pkcs11Tool(hsm, ['--token-label', hsm.label, '--read-object', '--type', 'pubkey', '--id', id, '-o', der]);
  const canonical = execFileSync('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', der, '-outform', 'DER']);
  return createHash('sha256').update(canonical).digest('hex');
}

describe.skipIf(!softHsmAvailable())('token discovery of keys Custos holds but never uses', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'custos-token-keys-'));
    hsm = createSoftHsm({ labels: ['legacy-hsm'] });
    worker = await buildPkcs11WorkerForTests();
    const tool = ['--token-label', hsm.label, '--login', '--pin', hsm.userPin];
    pkcs11Tool(hsm, [...tool, '--keypairgen', '--key-type', 'rsa:1024', '--id', 'c0ffee10', '--label', 'legacy-rsa']);
    pkcs11Tool(hsm, [...tool, '--keypairgen', '--key-type', 'EC:secp256k1', '--id', 'c0ffee11', '--label', 'wallet-k1']);
    pkcs11Tool(hsm, [...tool, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', 'c0ffee12', '--label', 'modern-ec']);
    core = createCore({ vaultDir: join(root, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, pkcs11: { allowlist: [hsm.modulePath], workerScript: worker.script } });
    await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
    await call('tokens.login', { serial: hsm.serial, pin: hsm.userPin });
  });
  afterAll(async () => {
    await core?.close();
    worker?.cleanup();
    hsm?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('records RSA-1024 and secp256k1 keys as reporting-only token keys with their findings, once', async () => {
    const first = await call('tokens.discover', { serial: hsm.serial });
    expect(first).toMatchObject({ found: 3, added: 3, matched: 0, skipped: [] });
    const keys = (await call('keys.list', { limit: 100 })).items;
    const byName = Object.fromEntries(keys.map((k) => [k.name, k]));
    expect(byName['legacy-rsa']).toMatchObject({ algorithm: 'rsa-1024', size: 1024, store: 'token', origin: 'discovered', state: 'active', token: { serial: hsm.serial, ckaId: 'c0ffee10' } });
    expect(byName['wallet-k1']).toMatchObject({ algorithm: 'ec-secp256k1', curve: 'secp256k1', store: 'token', token: { ckaId: 'c0ffee11' } });
    expect(byName['modern-ec']).toMatchObject({ algorithm: 'ec-p256', store: 'token' });
    expect(byName['legacy-rsa']!.fingerprint).toBe(toolFingerprint('c0ffee10'));
    expect(byName['wallet-k1']!.fingerprint).toBe(toolFingerprint('c0ffee11'));

    // Judged at once, without an analysis run.
    const rules = async (name: string) => (await call('analysis.findings', { keyId: byName[name]!.id })).items.map((f) => f.rule).sort();
    expect(await rules('legacy-rsa')).toEqual(['rsa-size']);
    expect(await rules('wallet-k1')).toEqual(['ec-curve']);
    expect(await rules('modern-ec')).toEqual([]);
    // The token says what the RSA key may do (encrypt, verify, wrap…), so SP 800-131A's own rule fires.
    const policy = await call('policy.evaluate', { keyId: byName['legacy-rsa']!.id, limit: 100 });
    expect(policy.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['analysis.rsa-size', 'sp800-131a.rsa-key-transport-below-2048']));

    const discovered = (await call('audit.list', { operation: 'key.discover' })).items.filter((e) => e.details.reportingOnly === true);
    expect(discovered.map((e) => e.details.algorithm).sort()).toEqual(['ec-secp256k1', 'rsa-1024']);

    // A second scan adds nothing and skips nothing.
    const second = await call('tokens.discover', { serial: hsm.serial });
    expect(second).toMatchObject({ found: 3, added: 0, matched: 3, skipped: [] });
    expect((await call('keys.list', { limit: 100 })).items).toHaveLength(3);
    expect((await call('analysis.findings', { limit: 100 })).total).toBe(2);
  });

  it('never uses them: signing with the token key is refused as reporting only', async () => {
    const k = (await call('keys.list', { limit: 100 })).items.find((x) => x.name === 'legacy-rsa')!;
    const r = await dispatch(core.handlers, 'keys.sign', { id: k.id, data: Buffer.from('x').toString('base64') });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('reporting only') });
  });

  it('reads the secp256k1 public key from the token with the same SPKI a file gives', async () => {
    const k = (await call('keys.list', { limit: 100 })).items.find((x) => x.name === 'wallet-k1')!;
    const pem = (await call('keys.get', { id: k.id })).publicKeyPem!;
    const der = join(root, 'c0ffee11.der');
    expect(execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pem })).toEqual(execFileSync('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', der, '-outform', 'DER']));
    expect(readFileSync(der).byteLength).toBeGreaterThan(80);
  });
});
