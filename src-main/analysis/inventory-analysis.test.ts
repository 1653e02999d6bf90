import { createPublicKey, generatePrimeSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyRepository } from '../keys/repository.js';
import { spkiFingerprint } from '../keys/identity.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { KeyService } from '../keys/key-service.js';
import { analyzeInventory } from './inventory-analysis.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

/** An RSA public key (SPKI DER) from chosen primes: a test builds weak keys on purpose. */
function rsaSpki(p: bigint, q: bigint): Buffer {
  const n = p * q;
  const hex = n.toString(16);
  const nB = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return createPublicKey({ key: { kty: 'RSA', n: nB.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

function insertPublic(name: string, spki: Buffer): string {
  const id = Buffer.from(name.padEnd(16, '_').slice(0, 16)).toString('hex');
  new KeyRepository(v.db).insert({
    id, name, algorithm: 'rsa-2048', family: 'rsa', size: 2048, curve: null, store: 'external', state: 'active', createdAt: new Date().toISOString(), createdBy: 'test',
    fingerprint: spkiFingerprint(spki), kcv: null, spki, usageMask: 0x2, origin: 'imported', extractable: false, token: null,
  });
  return id;
}

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

describe('analysis over the inventory', () => {
  it('finds the keys sharing a prime without revealing it, and passes clean keys', async () => {
    const [p, q1, q2, q3] = [0, 1, 2, 3].map(() => generatePrimeSync(1024, { bigint: true }));
    const a = insertPublic('shared-a', rsaSpki(p!, q1!));
    const b = insertPublic('shared-b', rsaSpki(p!, q2!));
    const clean = insertPublic('clean-rsa', rsaSpki(q3!, generatePrimeSync(1024, { bigint: true })));
    const ec = await new KeyService(v).generate({ name: 'ec-ok', algorithm: 'ec-p256' });
    const results = await analyzeInventory(v.db, { workerScript: null });
    const byId = new Map(results.map((r) => [r.keyId, r]));
    for (const id of [a, b]) expect(byId.get(id)!.findings).toEqual([expect.objectContaining({ check: 'rsa-shared-prime', severity: 'error', factored: true })]);
    expect(byId.has(clean)).toBe(false);
    expect(byId.has(ec.id)).toBe(false);
    expect(JSON.stringify(results)).not.toContain(p!.toString(16).slice(0, 20));
    expect(JSON.stringify(results)).not.toContain(p!.toString().slice(0, 20));
  });
});
