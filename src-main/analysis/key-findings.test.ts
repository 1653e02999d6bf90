// A weak public key is judged when it enters the inventory: its findings are in the store, in
// policy.evaluate and on the dashboard before any analysis run, and a run afterwards writes the
// same rows again (none duplicated, none lost). Through the contract, as the console reaches it.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { createCore } from '../app/core.js';
import type { CustosCore } from '../app/core-types.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { tempDir } from '../testing/temp.js';
import { algorithmStatusFindings } from './algorithm-status.js';

let dir: { path: string; cleanup: () => void };
let core: CustosCore;
let folder: string;
const ids: Record<string, string> = {};

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
const pem = (k: { export(o: { type: 'spki'; format: 'pem' }): string | Buffer }) => String(k.export({ type: 'spki', format: 'pem' }));
/** Every stored weak-key finding as comparable text (key, rule, severity, detail): the store's content whatever the row ids. */
async function storedRows(): Promise<string[]> {
  const r = await call('analysis.findings', { limit: 500 });
  // A run adds its certificate findings (expiry, CA key outside a token, …): another source.
  return r.items.filter((f) => f.source === 'weak-keys').map((f) => `${f.keyId}|${f.rule}|${f.severity}|${f.detail}`).sort();
}

beforeAll(async () => {
  dir = tempDir();
  folder = join(dir.path, 'found');
  mkdirSync(folder);
  writeFileSync(join(folder, 'rsa1024.pub.pem'), pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey));
  writeFileSync(join(folder, 'secp256k1.pub.pem'), pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey));
  writeFileSync(join(folder, 'dsa1024.pub.pem'), pem(generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey));
  writeFileSync(join(folder, 'p256.pub.pem'), pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
  // An RSA-1024 certificate whose KeyUsage says Sign: the policy pack's own SP 800-131A rule judges it.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', join(dir.path, 'signer.key'), '-subj', '/CN=legacy-signer', '-addext', 'keyUsage=critical,digitalSignature', '-days', '30', '-out', join(folder, 'signer.crt.pem')], { stdio: 'pipe' });
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, exportDir: join(dir.path, 'exports') });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
  const r = await call('import.paths', { paths: [folder] });
  for (const f of r.files) ids[f.path.split('/').pop()!] = f.items[0]?.keyId ?? '';
});
afterAll(async () => {
  await core.close();
  dir.cleanup();
});

describe('weak-key findings at import', () => {
  it('are stored for each weak key as it is imported, before any analysis run', async () => {
    expect((await call('audit.list', { operation: 'inventory.analyze' })).items).toEqual([]);
    const rules = async (file: string) => (await call('analysis.findings', { keyId: ids[file] })).items.map((f) => `${f.rule}:${f.severity}`).sort();
    expect(await rules('rsa1024.pub.pem')).toEqual(['rsa-size:error', 'sp800-131a-algorithm:error']);
    expect(await rules('secp256k1.pub.pem')).toEqual(['ec-curve:error']);
    expect(await rules('dsa1024.pub.pem')).toEqual(['dsa:error', 'sp800-131a-algorithm:error']);
    expect(await rules('p256.pub.pem')).toEqual([]);
    // Usage known from KeyUsage: the size check, and the pack's own rule instead of the usage-less verdict.
    expect(await rules('signer.crt.pem')).toEqual(['rsa-size:error']);
    const sp = (await call('analysis.findings', { keyId: ids['rsa1024.pub.pem'], rule: 'sp800-131a-algorithm' })).items[0]!;
    expect(sp.detail).toContain('sp800-131a.rsa-signature-generation-below-2048');
    expect(sp.detail).toContain('sp800-131a.rsa-key-transport-below-2048');
  });

  it('reach policy.evaluate and the dashboard summary without a run', async () => {
    const policy = await call('policy.evaluate', { limit: 5000 });
    // Only the analysis and SP 800-131A rows (IR 8547's transition notices apply to every classical key).
    const of = (file: string) => policy.findings.filter((f) => f.keyId === ids[file] && /^(analysis|sp800-131a)\./.test(f.ruleId)).map((f) => f.ruleId).sort();
    expect(of('rsa1024.pub.pem')).toEqual(['analysis.rsa-size', 'analysis.sp800-131a-algorithm']);
    expect(of('secp256k1.pub.pem')).toEqual(['analysis.ec-curve']);
    expect(of('dsa1024.pub.pem')).toEqual(['analysis.dsa', 'analysis.sp800-131a-algorithm']);
    expect(of('signer.crt.pem')).toEqual(expect.arrayContaining(['analysis.rsa-size', 'sp800-131a.rsa-signature-generation-below-2048']));
    expect(of('signer.crt.pem')).not.toContain('analysis.sp800-131a-algorithm');
    const summary = await call('analysis.summary', {});
    expect(summary.total).toBe(6);
    expect(summary.keys).toBe(4);
    expect(summary.byRule.find((r) => r.rule === 'sp800-131a-algorithm')).toMatchObject({ severity: 'error', count: 2 });
  });

  it('are neither duplicated nor lost by a later run, nor by importing the same keys again', async () => {
    const before = await storedRows();
    expect(before).toHaveLength(6);
    await call('analysis.run', {});
    expect(await storedRows()).toEqual(before);
    await call('analysis.run', {});
    expect(await storedRows()).toEqual(before);
    const again = await call('import.paths', { paths: [folder] });
    expect(again.files.map((f) => f.outcome)).toEqual(again.files.map(() => 'duplicate'));
    expect(await storedRows()).toEqual(before);
  });

  it('judge a key of unknown use by every use of its family, and leave sound keys alone', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(algorithmStatusFindings({ algorithm: 'rsa-2048', family: 'rsa', size: 2048, curve: null, usageMask: 0 }, at)).toEqual([]);
    expect(algorithmStatusFindings({ algorithm: 'rsa-1024', family: 'rsa', size: 1024, curve: null, usageMask: 0x1 }, at)).toEqual([]);
    expect(algorithmStatusFindings({ algorithm: 'ec-other', family: 'ec', size: 192, curve: 'prime192v1', usageMask: 0 }, at)).toMatchObject([{ check: 'sp800-131a-algorithm', severity: 'error' }]);
    expect(algorithmStatusFindings({ algorithm: 'ec-secp256k1', family: 'ec', size: 256, curve: 'secp256k1', usageMask: 0 }, at)).toEqual([]);
    expect(algorithmStatusFindings({ algorithm: 'aes-128', family: 'aes', size: 128, curve: null, usageMask: 0 }, at)).toEqual([]);
  });
});
