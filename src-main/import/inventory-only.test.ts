// Keys of algorithms Custos does not generate (RSA-1024, secp256k1, DSA, X25519, …) enter the
// inventory as external public keys, are judged by the analysis and the policy, and are never
// generated or used. Everything through the contract, as the console and the CLI reach it.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { INVENTORY_ONLY_ALGORITHM_IDS } from '../../src-shared/keys.js';
import { createCore } from '../app/core.js';
import type { CustosCore } from '../app/core-types.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { classifyKeyTypes, keyTypeNames, securityStrength } from '../policy/key-facts.js';
import { tempDir } from '../testing/temp.js';

let dir: { path: string; cleanup: () => void };
let core: CustosCore;
let folder: string;
/** Key id per file name, from the import's outcome. */
const ids: Record<string, string> = {};

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function failure(channel: ChannelName, input: unknown): Promise<{ code: string; message: string }> {
  const r = await dispatch(core.handlers, channel, input);
  return r.ok ? { code: 'ok', message: '' } : { code: r.error.code, message: r.error.message };
}
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });

beforeAll(async () => {
  dir = tempDir();
  folder = join(dir.path, 'found');
  mkdirSync(folder);
  // All made by openssl: a PEM SPKI, a SEC1 private key (only its public part is recorded), a DSA
  // SPKI, a DER X25519 SPKI, and a few more shapes of the inventory-only algorithms.
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'rsa1024.key');
  openssl('pkey', '-in', 'rsa1024.key', '-pubout', '-out', 'rsa1024.pub.pem');
  openssl('ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', 'secp256k1.sec1.pem');
  openssl('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', 'dsa.params');
  openssl('genpkey', '-paramfile', 'dsa.params', '-out', 'dsa.key');
  openssl('pkey', '-in', 'dsa.key', '-pubout', '-out', 'dsa.pub.pem');
  openssl('genpkey', '-algorithm', 'X25519', '-out', 'x25519.key');
  openssl('pkey', '-in', 'x25519.key', '-pubout', '-outform', 'DER', '-out', 'x25519.spki.der');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1536', '-out', 'rsa1536.key');
  openssl('pkey', '-in', 'rsa1536.key', '-pubout', '-out', 'rsa1536.pub.pem');
  openssl('ecparam', '-name', 'brainpoolP256r1', '-genkey', '-noout', '-out', 'brainpool.sec1.pem');
  openssl('genpkey', '-algorithm', 'ED448', '-out', 'ed448.key');
  openssl('pkey', '-in', 'ed448.key', '-pubout', '-out', 'ed448.pub.pem');
  // An RSA-1024 signing certificate: its KeyUsage gives the key Sign, so SP 800-131A's rule applies.
  openssl('req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', 'legacy-signer.key', '-subj', '/CN=legacy-signer', '-addext', 'keyUsage=critical,digitalSignature', '-days', '30', '-out', 'legacy-signer.crt.pem');
  // Only the files to import stay in the folder.
  for (const f of ['rsa1024.key', 'dsa.params', 'dsa.key', 'x25519.key', 'rsa1536.key', 'ed448.key', 'legacy-signer.key']) execFileSync('rm', [join(folder, f)]);

  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, exportDir: join(dir.path, 'exports') });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
  const r = await call('import.paths', { paths: [folder] });
  for (const f of r.files) ids[f.path.split('/').pop()!] = f.items[0]?.keyId ?? '';
});
afterAll(async () => {
  await core.close();
  dir.cleanup();
});

describe('keys of inventory-only algorithms', () => {
  it('are imported (not unsupported) as external public keys with the right algorithm, size and curve', async () => {
    const again = await call('import.paths', { paths: [folder] });
    expect(again.files.map((f) => f.outcome)).toEqual(again.files.map(() => 'duplicate'));
    const expected: Record<string, object> = {
      'rsa1024.pub.pem': { algorithm: 'rsa-1024', family: 'rsa', size: 1024, curve: null },
      'secp256k1.sec1.pem': { algorithm: 'ec-secp256k1', family: 'ec', size: 256, curve: 'secp256k1' },
      'dsa.pub.pem': { algorithm: 'dsa', family: 'dsa', size: 1024, curve: null },
      'x25519.spki.der': { algorithm: 'x25519', family: 'xdh', size: 255, curve: 'X25519' },
      'rsa1536.pub.pem': { algorithm: 'rsa-other', family: 'rsa', size: 1536, curve: null },
      'brainpool.sec1.pem': { algorithm: 'ec-other', family: 'ec', size: 256, curve: 'brainpoolP256r1' },
      'ed448.pub.pem': { algorithm: 'ed448', family: 'eddsa', size: 448, curve: 'Ed448' },
      'legacy-signer.crt.pem': { algorithm: 'rsa-1024', family: 'rsa', size: 1024, usageMask: 0x1 | 0x2 },
    };
    for (const [file, facts] of Object.entries(expected)) {
      expect(ids[file], file).toMatch(/^[0-9a-f]{32}$/);
      const k = await call('keys.get', { id: ids[file] });
      expect(k, file).toMatchObject({ ...facts, store: 'external', origin: 'imported', state: 'active' });
      expect(k.publicKeyPem, file).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    }
    // Listed with every other key (the list's schema takes the inventory-only ids).
    const listed = (await call('keys.list', { limit: 100 })).items.map((k) => k.algorithm).sort();
    expect(listed).toEqual(['dsa', 'ec-other', 'ec-secp256k1', 'ed448', 'rsa-1024', 'rsa-1024', 'rsa-other', 'x25519']);
    // The inventory's aggregates list them, by algorithm and size, for the filters and the dashboard.
    const agg = await call('inventory.aggregates', {});
    expect(agg.byAlgorithm.map((a) => `${a.algorithm}/${a.size}`)).toEqual(expect.arrayContaining(['rsa-1024/1024', 'rsa-other/1536', 'ec-secp256k1/256', 'dsa/1024', 'x25519/255']));
  });

  it('never get their private key into the vault, even when private import is asked for', async () => {
    const r = await call('import.paths', { paths: [join(folder, 'secp256k1.sec1.pem')], importPrivate: true });
    expect(r.files[0]!.items).toMatchObject([
      { type: 'public-key', result: 'existing', keyId: ids['secp256k1.sec1.pem'] },
      { type: 'private-key', result: 'refused', note: expect.stringContaining('reporting only') },
    ]);
    expect(await call('keys.get', { id: ids['secp256k1.sec1.pem'] })).toMatchObject({ store: 'external' });
  });

  it('are judged: the analysis finds the short modulus, the curves off the allowlist and DSA; the policy reports them', async () => {
    await call('analysis.run', {});
    const rules = async (file: string) => (await call('analysis.findings', { keyId: ids[file] })).items.map((f) => f.rule).sort();
    // Usage 0 (bare public keys): SP 800-131A's verdict on the algorithm and size comes with it (analysis/algorithm-status.ts).
    expect(await rules('rsa1024.pub.pem')).toEqual(['rsa-size', 'sp800-131a-algorithm']);
    expect(await rules('rsa1536.pub.pem')).toEqual(['rsa-size', 'sp800-131a-algorithm']);
    expect(await rules('secp256k1.sec1.pem')).toEqual(['ec-curve']);
    expect(await rules('brainpool.sec1.pem')).toEqual(['ec-curve']);
    expect(await rules('dsa.pub.pem')).toEqual(['dsa', 'sp800-131a-algorithm']);

    const policy = await call('policy.evaluate', { limit: 5000 });
    const of = (file: string) => policy.findings.filter((f) => f.keyId === ids[file]).map((f) => f.ruleId);
    expect(of('rsa1024.pub.pem')).toContain('analysis.rsa-size');
    expect(of('secp256k1.sec1.pem')).toContain('analysis.ec-curve');
    // Where the usage is known (the certificate's KeyUsage), SP 800-131A's own rule fires too.
    expect(of('legacy-signer.crt.pem')).toEqual(expect.arrayContaining(['sp800-131a.rsa-signature-generation-below-2048', 'analysis.rsa-size']));
    expect(policy.findings.find((f) => f.ruleId === 'sp800-131a.rsa-signature-generation-below-2048')).toMatchObject({ severity: 'error', status: 'disallowed' });
  });

  it('have the SP 800-57 strengths and key types the policy engine judges them by', () => {
    expect(securityStrength('rsa', 1024, null)).toBe(80);
    expect(securityStrength('rsa', 1536, null)).toBe(80);
    expect(securityStrength('dsa', 1024, null)).toBe(80);
    expect(securityStrength('ec', 256, 'secp256k1')).toBe(128);
    expect(securityStrength('ec', 256, 'brainpoolP256r1')).toBe(128);
    expect(securityStrength('xdh', 255, 'X25519')).toBe(128);
    expect(securityStrength('xdh', 448, 'X448')).toBe(224);
    expect(securityStrength('eddsa', 448, 'Ed448')).toBe(224);
    expect(keyTypeNames(classifyKeyTypes('dsa', 0x1 | 0x2, 'general'))).toEqual(['private-signature']);
    expect(keyTypeNames(classifyKeyTypes('xdh', 0x800, 'general'))).toEqual(['private-static-key-agreement']);
  });

  it('travel through CBOMs: exported under their algorithm, and an RSA-1024 key in a CBOM is imported', async () => {
    const exported = await call('analysis.exportCbom', {});
    const bom = JSON.parse(readFileSync(exported.path, 'utf8')) as { components: Array<{ name: string; cryptoProperties: { assetType: string; algorithmProperties?: { primitive?: string; curve?: string } } }> };
    const algorithms = Object.fromEntries(bom.components.filter((c) => c.cryptoProperties.assetType === 'algorithm').map((c) => [c.name, c.cryptoProperties.algorithmProperties]));
    expect(algorithms).toMatchObject({ 'RSA 1024': { primitive: 'signature' }, 'EC secp256k1': { primitive: 'signature', curve: 'secp256k1' }, DSA: { primitive: 'signature' }, X25519: { primitive: 'key-agree', curve: 'X25519' } });
    const spki = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const content = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [{ type: 'cryptographic-asset', 'bom-ref': 'k0', name: 'old-vpn', cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', format: 'DER', value: spki } } }],
    });
    const r = await call('analysis.importCbom', { name: 'old.cdx.json', content });
    expect(r.components).toMatchObject([{ outcome: 'imported' }]);
    expect(await call('keys.get', { id: r.components[0]!.keyId! })).toMatchObject({ name: 'old-vpn', algorithm: 'rsa-1024', store: 'external' });
  });

  it('cannot be generated, and cannot sign, verify, encrypt, decrypt, rotate or certify: a clear refusal, audited', async () => {
    for (const algorithm of INVENTORY_ONLY_ALGORITHM_IDS) expect((await failure('keys.generate', { name: `weak ${algorithm}`, algorithm })).code, algorithm).toBe('E_INPUT');
    const signer = ids['legacy-signer.crt.pem'];
    const data = Buffer.from('hello').toString('base64');
    const refusals = [
      await failure('keys.sign', { id: signer, data, mechanism: 'rsa-pkcs1-sha256' }),
      await failure('keys.sign', { id: signer, data }),
      await failure('keys.verify', { id: signer, data, signature: data }),
      await failure('keys.encrypt', { id: ids['rsa1024.pub.pem'], data }),
      await failure('keys.rotate', { id: ids['x25519.spki.der'] }),
      await failure('keys.decrypt', { id: ids['rsa1024.pub.pem'], data }),
      await failure('keys.csr', { id: signer, subject: 'CN=legacy-signer' }),
    ];
    for (const r of refusals) expect(r).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('held in the inventory for reporting only') });
    expect(refusals[0]!.message).toContain('RSA 1024');
    expect((await call('audit.list', { operation: 'key.sign' })).items[0]).toMatchObject({ outcome: 'refused', keyId: signer });
    expect((await call('keys.versions', { id: ids['x25519.spki.der'] })).map((x) => x.version)).toEqual([1]);
  });
});
