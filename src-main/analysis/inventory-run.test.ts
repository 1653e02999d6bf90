import { createPublicKey, generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlgorithmId, KeyFamily } from '../../src-shared/keys.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyRepository } from '../keys/repository.js';
import { KeyService } from '../keys/key-service.js';
import { recordCertificate, recordPublicKey } from '../import/inventory-writer.js';
import { makeCa, makeIssued } from '../certs/openssl-chain.test-support.js';
import { tempDir } from '../testing/temp.js';
import { VECTORS_DIR } from '../testing/vectors.js';
import { UnlockedVault } from '../vault/vault.js';
import { blocklistValue, buildBlocklist, parseBlocklist } from './blocklist.js';
import { findingSchema } from '../../src-shared/contract.js';
import { analysisFindingsAsPolicyFindings, findingsBySeverityAndRule, listFindings } from './findings-store.js';
import { analyzeSnapshot, matchBlocklist, persistAnalysis, snapshotInventory } from './inventory-run.js';
import { parseModulusText } from './roca.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

function rsaSpki(n: bigint): Buffer {
  const hex = n.toString(16);
  const nB = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return createPublicKey({ key: { kty: 'RSA', n: nB.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}
const importKey = (name: string, spki: Buffer) => recordPublicKey(v, { spki, name, origin: 'imported', source: 'test' }).keyId;

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

describe('an analysis run over the whole inventory', () => {
  it('stores the findings of every defect, replaces them on the next run, and passes clean keys', async () => {
    const [p, q1, q2] = [0, 1, 2].map(() => generatePrimeSync(1024, { bigint: true }));
    const sharedA = importKey('shared-a', rsaSpki(p! * q1!));
    const sharedB = importKey('shared-b', rsaSpki(p! * q2!));
    const roca = importKey('roca-key', rsaSpki(parseModulusText(readFileSync(join(VECTORS_DIR, 'roca', 'mod03.txt'), 'utf8'))));
    const compromised = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    const blocked = importKey('compromised', compromised);
    const clean = await new KeyService(v).generate({ name: 'clean-ec', algorithm: 'ec-p256' });
    const aes = await new KeyService(v).generate({ name: 'clean-aes', algorithm: 'aes-128' });
    // A single-DES key recorded from elsewhere (no material: only its algorithm and size matter).
    new KeyRepository(v.db).insert({
      id: 'de5de5de5de5de5de5de5de5de5de5de', name: 'legacy-des', algorithm: 'des' as AlgorithmId, family: 'des' as KeyFamily, size: 56, curve: null, store: 'external', state: 'active',
      createdAt: new Date().toISOString(), createdBy: 'test', fingerprint: null, kcv: '000000', spki: null, usageMask: 0x4, origin: 'imported', extractable: false, token: null,
    });
    // A certificate chain from openssl: a SHA-1 signed leaf whose CA key sits in the vault, not on a token.
    const ca = makeCa(dir.path, 'run-ca', { key: 'rsa' });
    const leaf = makeIssued(dir.path, 'run-leaf', ca, { md: 'sha1' });
    recordCertificate(v, ca.der, { kind: 'file', location: '/certs/ca.pem' }, { createKey: { origin: 'imported' } });
    const leafRec = recordCertificate(v, leaf.der, { kind: 'tls', location: '127.0.0.1:8443', chainPosition: 0 });
    // An RSA-1024 certificate: its key enters the inventory as an inventory-only algorithm (rsa-1024), and is judged there.
    const short = makeIssued(dir.path, 'run-short', ca, { key: 'rsa-1024' });
    const shortRec = recordCertificate(v, short.der, { kind: 'tls', location: '127.0.0.1:9443', chainPosition: 0 }, { createKey: { origin: 'discovered' } });
    expect(shortRec.keyId).not.toBeNull();

    const list = parseBlocklist(buildBlocklist([{ value: blocklistValue(compromised)!, listId: 1 }]));
    const progress: number[] = [];
    const result = await analyzeSnapshot(snapshotInventory(v.db), { now: new Date(), blocklist: list, workerScript: null, onProgress: (f) => progress.push(f) });
    const summary = persistAnalysis(v, result, 'alice');
    expect(progress.at(-1)).toBe(1);
    expect(summary.sources.sort()).toEqual(['blocklist', 'certificates', 'weak-keys']);

    const rules = (keyId: string) => listFindings(v.db, { keyId }).items.map((f) => f.rule).sort();
    expect(rules(sharedA)).toEqual(['rsa-shared-prime']);
    expect(rules(sharedB)).toEqual(['rsa-shared-prime']);
    expect(rules(roca)).toEqual(['rsa-roca']);
    expect(rules(blocked)).toEqual(['blocklist']);
    expect(listFindings(v.db, { keyId: blocked }).items[0]).toMatchObject({ severity: 'critical', keyName: 'compromised' });
    expect(rules('de5de5de5de5de5de5de5de5de5de5de')).toEqual(['sym-des']);
    expect(rules(clean.id)).toEqual([]);
    expect(rules(aes.id)).toEqual([]);
    const caKey = v.db.prepare('SELECT k.id FROM keys k JOIN certificates c ON c.spki_fingerprint = k.fingerprint WHERE c.fingerprint = ?').get(
      (v.db.prepare('SELECT fingerprint FROM certificates WHERE id != ?').get(leafRec.certificateId) as { fingerprint: string }).fingerprint,
    ) as { id: string };
    expect(rules(caKey.id)).toContain('ca-key-outside-token');
    expect(listFindings(v.db, { certificateId: leafRec.certificateId }).items.map((f) => f.rule)).toEqual(['cert-weak-signature']);
    expect(rules(shortRec.keyId!)).toEqual(['rsa-size']);
    expect(v.db.prepare('SELECT DISTINCT trust FROM certificates').all()).toEqual([{ trust: 'private' }]);
    // The factor never reaches the store or the audit trail.
    const stored = JSON.stringify(listFindings(v.db, { limit: 1000 }).items) + JSON.stringify(v.db.prepare('SELECT details FROM audit_events').all());
    expect(stored).not.toContain(p!.toString().slice(0, 24));
    expect(stored).not.toContain(p!.toString(16).slice(0, 24));
    // Filters, and the dashboard's summary by severity and rule.
    expect(listFindings(v.db, { severity: 'critical' }).items.map((f) => f.rule)).toEqual(['blocklist']);
    expect(listFindings(v.db, { rule: 'rsa-shared-prime' }).total).toBe(2);
    const s = findingsBySeverityAndRule(v.db);
    expect(s.total).toBe(listFindings(v.db).total);
    expect(s.bySeverity.critical).toBe(1);
    expect(s.byRule.find((r) => r.rule === 'rsa-shared-prime')).toMatchObject({ severity: 'error', count: 2, title: expect.stringContaining('shares a prime') });
    expect(s.byRule[0]!.severity).toBe('critical');
    const audit = v.db.prepare("SELECT details FROM audit_events WHERE operation = 'inventory.analyze'").all() as Array<{ details: string }>;
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ critical: 1, factoredKeys: 2 });

    // A run without a blocklist replaces the weak-key findings and keeps the blocklist's.
    v.db.prepare("UPDATE keys SET state = 'destroyed' WHERE id = ?").run(sharedB);
    persistAnalysis(v, await analyzeSnapshot(snapshotInventory(v.db), { now: new Date(), workerScript: null }), 'alice');
    expect(rules(sharedA)).toEqual([]);
    expect(rules(blocked)).toEqual(['blocklist']);
    expect(rules(roca)).toEqual(['rsa-roca']);
    // Loading a list replaces only the blocklist findings.
    persistAnalysis(v, matchBlocklist(snapshotInventory(v.db), parseBlocklist(buildBlocklist([{ value: 5n, listId: 1 }]))), 'alice');
    expect(rules(blocked)).toEqual([]);
    expect(rules(roca)).toEqual(['rsa-roca']);
  });

  it('stops when cancelled, and stores nothing', async () => {
    const before = listFindings(v.db).total;
    const controller = new AbortController();
    const run = analyzeSnapshot(snapshotInventory(v.db), { now: new Date(), workerScript: null, signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(listFindings(v.db).total).toBe(before);
  });
});

describe('stored findings for the policy engine', () => {
  it('turns key findings into policy-engine findings of the custos-analysis pack', () => {
    const all = analysisFindingsAsPolicyFindings(v.db);
    expect(all.length).toBeGreaterThan(0);
    for (const f of all) expect(findingSchema.safeParse(f).success).toBe(true);
    expect(all.find((f) => f.ruleId === 'analysis.rsa-roca')).toMatchObject({ packId: 'custos-analysis', severity: 'error', enforcement: 'warn', keyName: 'roca-key' });
  });
});
