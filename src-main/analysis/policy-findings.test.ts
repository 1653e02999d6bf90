import { createPublicKey, generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingSchema } from '../../src-shared/contract.js';
import { evaluateInventory } from '../app/policy-service.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { recordPublicKey } from '../import/inventory-writer.js';
import { KeyService } from '../keys/key-service.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { blocklistValue, buildBlocklist, parseBlocklist } from './blocklist.js';
import { analyzeSnapshot, persistAnalysis, snapshotInventory, type InventorySnapshot } from './inventory-run.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

const rsaSpki = (n: bigint) => {
  const hex = n.toString(16);
  return createPublicKey({ key: { kty: 'RSA', n: Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
};
const importKey = (name: string, spki: Buffer) => recordPublicKey(v, { spki, name, origin: 'imported', source: 'test' }).keyId;
const run = async (snapshot: InventorySnapshot, blocklist: ReturnType<typeof parseBlocklist> | null = null) =>
  persistAnalysis(v, await analyzeSnapshot(snapshot, { now: v.now(), blocklist, workerScript: null }), 'alice');
const evaluate = (keyId?: string) => evaluateInventory(v.db, v.now(), { limit: 500, keyId });
const analysisRules = (e: ReturnType<typeof evaluate>, keyId: string) => e.findings.filter((f) => f.keyId === keyId && f.packId === 'custos-analysis').map((f) => f.ruleId);

/** Totals, severities, rules and the page describe the same findings. */
function expectConsistent(e: ReturnType<typeof evaluate>) {
  expect(Object.values(e.bySeverity).reduce((a, b) => a + b, 0)).toBe(e.total);
  expect(e.byRule.reduce((a, r) => a + r.count, 0)).toBe(e.total);
  expect(new Set(e.byRule.map((r) => r.ruleId)).size).toBe(e.byRule.length);
  for (const f of e.findings) expect(findingSchema.safeParse(f).success).toBe(true);
  if (e.total <= 500) expect(e.findings.length).toBe(e.total);
}

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

describe('analysis findings are policy findings', () => {
  it('a shared-prime pair found by a run shows in policy.evaluate for each key, and leaves when the next run no longer finds it', async () => {
    const [p, q1, q2] = [0, 1, 2].map(() => generatePrimeSync(1024, { bigint: true }));
    const a = importKey('shared-a', rsaSpki(p! * q1!));
    const b = importKey('shared-b', rsaSpki(p! * q2!));
    const clean = (await new KeyService(v).generate({ name: 'clean-ec', algorithm: 'ec-p256' })).id;
    const before = evaluate();

    await run(snapshotInventory(v.db));
    const all = evaluate();
    expectConsistent(all);
    expect(all.total).toBe(before.total + 2);
    expect(all.byRule.find((r) => r.ruleId === 'analysis.rsa-shared-prime')).toMatchObject({ packId: 'custos-analysis', severity: 'error', count: 2 });
    expect(all.bySeverity.error).toBe((before.bySeverity.error ?? 0) + 2);
    expect(analysisRules(all, a)).toEqual(['analysis.rsa-shared-prime']);
    expect(analysisRules(all, b)).toEqual(['analysis.rsa-shared-prime']);

    // The key filter: each key sees its own finding, a clean key none.
    const onA = evaluate(a);
    expectConsistent(onA);
    expect(onA.findings.filter((f) => f.packId === 'custos-analysis').map((f) => [f.keyId, f.keyName, f.kind, f.enforcement])).toEqual([[a, 'shared-a', 'analysis', 'warn']]);
    expect(onA.findings.every((f) => f.keyId === a)).toBe(true);
    const onClean = evaluate(clean);
    expectConsistent(onClean);
    expect(onClean.findings.some((f) => f.packId === 'custos-analysis')).toBe(false);

    // B is destroyed (as the other analysis tests do it: destroyed keys are not analysed), so the
    // next run no longer finds the shared prime: A's finding goes with B's.
    v.db.prepare("UPDATE keys SET state = 'destroyed' WHERE id = ?").run(b);
    await run(snapshotInventory(v.db));
    const after = evaluate();
    expectConsistent(after);
    expect(after.findings.some((f) => f.packId === 'custos-analysis')).toBe(false);
    expect(after.byRule.some((r) => r.packId === 'custos-analysis')).toBe(false);
    expect(analysisRules(evaluate(a), a)).toEqual([]);
  });

  it('a blocklist match is a critical policy finding until a run with a list that no longer has the key', async () => {
    const spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    const listed = importKey('listed', spki);
    await run(snapshotInventory(v.db), parseBlocklist(buildBlocklist([{ value: blocklistValue(spki)!, listId: 1 }])));
    const hit = evaluate(listed);
    expectConsistent(hit);
    expect(hit.findings.filter((f) => f.packId === 'custos-analysis')).toMatchObject([{ ruleId: 'analysis.blocklist', severity: 'critical', keyName: 'listed' }]);
    expect(hit.bySeverity.critical).toBe(1);

    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    await run(snapshotInventory(v.db), parseBlocklist(buildBlocklist([{ value: blocklistValue(other)!, listId: 1 }])));
    const gone = evaluate(listed);
    expectConsistent(gone);
    expect(gone.findings.some((f) => f.packId === 'custos-analysis')).toBe(false);
  });

  it('the page keeps the most severe findings when analysis and policy findings exceed the limit', async () => {
    const e = evaluateInventory(v.db, new Date('2036-01-01T00:00:00Z'), { limit: 1 });
    expect(e.findings).toHaveLength(1);
    expect(e.total).toBeGreaterThan(1);
    expect(Object.values(e.bySeverity).reduce((x, y) => x + y, 0)).toBe(e.total);
    const mostSevere = ['critical', 'error', 'warning', 'info'].find((s) => (e.bySeverity[s] ?? 0) > 0);
    expect(e.findings[0]!.severity).toBe(mostSevere);
  });
});
