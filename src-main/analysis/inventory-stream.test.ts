import { createPublicKey, generatePrimeSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { recordPublicKey } from '../import/inventory-writer.js';
import { KeyService } from '../keys/key-service.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { analyzeInventory, analyzeSnapshot, inventorySource, snapshotInventory, type AnalysisRunResult, type InventorySource } from './inventory-run.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
let sharedA: string;
let sharedB: string;

const rsaSpki = (n: bigint) => {
  const hex = n.toString(16);
  return createPublicKey({ key: { kty: 'RSA', n: Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
};
const summary = (r: AnalysisRunResult) => (r.findings['weak-keys'] ?? []).map((f) => `${f.keyId}:${f.rule}:${f.severity}`).sort();

/** The vault as a source, recording the size of each read of keys. */
function recording(reads: number[]): InventorySource {
  const src = inventorySource((fn) => fn(v.db));
  return { ...src, keys: async (after, limit) => {
    const chunk = await src.keys(after, limit);
    reads.push(chunk.length);
    return chunk;
  } };
}

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  const [p, q1, q2] = [0, 1, 2].map(() => generatePrimeSync(1024, { bigint: true }));
  sharedA = recordPublicKey(v, { spki: rsaSpki(p! * q1!), name: 'shared-a', origin: 'imported', source: 'test' }).keyId!;
  sharedB = recordPublicKey(v, { spki: rsaSpki(p! * q2!), name: 'shared-b', origin: 'imported', source: 'test' }).keyId!;
  const keys = new KeyService(v);
  for (let i = 0; i < 6; i++) await keys.generate({ name: `clean-${i}`, algorithm: i % 2 ? 'ec-p256' : 'ed25519' });
  await keys.generate({ name: 'aes', algorithm: 'aes-128' });
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

describe('an analysis run streaming the inventory in chunks', () => {
  it('finds the same findings whatever the chunk size, a shared-prime pair split across chunks included', async () => {
    const whole = await analyzeSnapshot(snapshotInventory(v.db), { now: v.now(), workerScript: null });
    expect(summary(whole)).toEqual([`${sharedA}:rsa-shared-prime:error`, `${sharedB}:rsa-shared-prime:error`].sort());
    // With one key per chunk the two keys of the pair are necessarily read in different chunks.
    for (const chunkSize of [1, 2, 3]) {
      const reads: number[] = [];
      const chunked = await analyzeInventory(recording(reads), { now: v.now(), workerScript: null, chunkSize });
      expect(summary(chunked)).toEqual(summary(whole));
      expect(chunked.keysAnalyzed).toBe(whole.keysAnalyzed);
      expect(chunked.factoredKeys).toBe(2);
      // Bounded reads: never more than a chunk, every key read once.
      expect(Math.max(...reads)).toBeLessThanOrEqual(chunkSize);
      expect(reads.reduce((a, b) => a + b, 0)).toBe(9);
    }
  });

  it('reports progress per chunk and stops between chunks on cancel, storing nothing', async () => {
    const fractions: number[] = [];
    await analyzeInventory(inventorySource((fn) => fn(v.db)), { now: v.now(), workerScript: null, chunkSize: 2, onProgress: (f) => fractions.push(f) });
    const keyPhase = fractions.filter((f) => f > 0 && f <= 0.5);
    expect(keyPhase.length).toBeGreaterThanOrEqual(5);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);

    const reads: number[] = [];
    const controller = new AbortController();
    const run = analyzeInventory(recording(reads), {
      now: v.now(),
      workerScript: null,
      chunkSize: 2,
      signal: controller.signal,
      onProgress: (_f, label) => {
        if (label === 'Checking keys') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(reads).toEqual([2]);
  });
});
