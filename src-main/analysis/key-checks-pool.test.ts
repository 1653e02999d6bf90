import { createPublicKey, generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript } from '../testing/script-bundle.js';
import { VECTORS_DIR } from '../testing/vectors.js';
import { analyzeSnapshot, type InventorySnapshot, type SnapshotKey } from './inventory-run.js';
import { KEY_CHUNK } from './key-checks-pool.js';
import { parseModulusText } from './roca.js';

let worker: string;
let snapshot: InventorySnapshot;

const rsaSpki = (n: bigint) => {
  const hex = n.toString(16);
  return createPublicKey({ key: { kty: 'RSA', n: Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
};
const key = (i: number, spki: Buffer): SnapshotKey => ({ id: i.toString(16).padStart(32, '0'), name: `k${i}`, algorithm: 'x', family: 'x', size: 0, store: 'external', usageMask: 3, purpose: null, fingerprint: `f${i}`, spki });

beforeAll(async () => {
  worker = await bundleScript(join(import.meta.dirname, 'batch-gcd-worker.ts'), 'analysis-worker');
  const [p, q1, q2, big] = [512, 512, 512, 1536].map((b) => generatePrimeSync(b, { bigint: true }));
  const keys: SnapshotKey[] = [
    key(1, rsaSpki(p! * q1!)),
    key(2, rsaSpki(p! * q2!)),
    key(3, rsaSpki(parseModulusText(readFileSync(join(VECTORS_DIR, 'roca', 'mod03.txt'), 'utf8')))),
    key(4, rsaSpki(3n * big!)),
  ];
  // Enough clean EC and Ed25519 keys that the checks are split into several worker chunks.
  for (let i = 0; keys.length < 2 * KEY_CHUNK + 10; i++) {
    const k = i % 2 ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keys.push(key(100 + i, k.publicKey.export({ type: 'spki', format: 'der' })));
  }
  snapshot = { keys, certificates: [] };
});
afterAll(() => rmSync(worker, { force: true }));

const summary = (r: Awaited<ReturnType<typeof analyzeSnapshot>>) => (r.findings['weak-keys'] ?? []).map((f) => `${f.keyId}:${f.rule}`).sort();

describe('per-key checks in worker threads', () => {
  it('find exactly what the in-thread checks find, with progress', async () => {
    const fractions: number[] = [];
    const inWorkers = await analyzeSnapshot(snapshot, { now: new Date(), workerScript: worker, onProgress: (f) => fractions.push(f) });
    const inThread = await analyzeSnapshot(snapshot, { now: new Date(), workerScript: null });
    expect(summary(inWorkers)).toEqual(summary(inThread));
    expect(summary(inWorkers)).toEqual(expect.arrayContaining([`${'1'.padStart(32, '0')}:rsa-shared-prime`, `${'2'.padStart(32, '0')}:rsa-shared-prime`, `${'3'.padStart(32, '0')}:rsa-roca`, `${'4'.padStart(32, '0')}:rsa-small-factor`]));
    expect(fractions.some((f) => f > 0 && f < 0.5)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    // Streamed one key per chunk through the same pool: keys 1 and 2 (the shared prime) are in different chunks.
    const oneByOne = await analyzeSnapshot(snapshot, { now: new Date(), workerScript: worker, chunkSize: 1 });
    expect(summary(oneByOne)).toEqual(summary(inThread));
  });

  it('stops the workers when cancelled', async () => {
    const controller = new AbortController();
    const run = analyzeSnapshot(snapshot, { now: new Date(), workerScript: worker, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
