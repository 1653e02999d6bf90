import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrimeSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript } from '../testing/script-bundle.js';
import { findSharedFactors, sharedFactorFinding, type BatchGcdProgress, type SharedFactorResult } from './batch-gcd.js';
import { gcd } from './bigint-math.js';
import { chunkProduct, chunkSharedGcds, gcdsFromFractions, scaledDescend, scaledFraction, squareScale } from './batch-gcd-math.js';

const prime = () => generatePrimeSync(512, { bigint: true });

// A corpus built here from random primes: 24 clean keys, plus keys 24/25 sharing a prime,
// 26/27/28 sharing another one, 29 sharing both its primes (one with 30, one with 31), and 32
// duplicating 33.
const moduli: bigint[] = Array.from({ length: 24 }, () => prime() * prime());
const shared1 = prime();
const shared2 = prime();
const [a, b] = [prime(), prime()];
moduli.push(shared1 * prime(), shared1 * prime());
moduli.push(shared2 * prime(), shared2 * prime(), prime() * shared2);
moduli.push(a * b, a * prime(), prime() * b);
const dup = prime() * prime();
moduli.push(dup, dup);

function checkResults(results: SharedFactorResult[]) {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  // Clean keys give nothing.
  for (let i = 0; i < 24; i++) expect(byIndex.has(i), `key ${i}`).toBe(false);
  expect(results.length).toBe(10);
  expect(byIndex.get(24)).toMatchObject({ kind: 'shared-prime', factor: shared1, sharedWith: [25] });
  expect(byIndex.get(25)).toMatchObject({ kind: 'shared-prime', factor: shared1, sharedWith: [24] });
  for (const i of [26, 27, 28]) expect(byIndex.get(i)).toMatchObject({ kind: 'shared-prime', factor: shared2 });
  expect(byIndex.get(28)!.sharedWith).toEqual([26, 27]);
  // Both primes shared: g = n, split by the pairwise pass.
  const both = byIndex.get(29)!;
  expect([a, b]).toContain(both.factor);
  expect(both.sharedWith).toEqual([30, 31]);
  expect(byIndex.get(30)!.factor).toBe(a);
  expect(byIndex.get(31)!.factor).toBe(b);
  expect(byIndex.get(32)).toMatchObject({ kind: 'duplicate-modulus', factor: null, sharedWith: [33] });
  // Every reported factor really divides the key.
  for (const r of results) if (r.factor !== null) expect(moduli[r.index]! % r.factor).toBe(0n);
  expect(sharedFactorFinding(byIndex.get(24)!)).toMatchObject({ check: 'rsa-shared-prime', severity: 'error', factor: shared1 });
  expect(sharedFactorFinding(byIndex.get(32)!).check).toBe('rsa-duplicate-modulus');
}

describe('batch GCD (in-process)', () => {
  it('finds keys sharing a prime, with the right factor, across chunks; clean keys give nothing', async () => {
    const progress: BatchGcdProgress[] = [];
    const results = await findSharedFactors(moduli, { native: null, chunkSize: 5, onProgress: (p) => progress.push(p) });
    checkResults(results);
    // 34 moduli in chunks of 5: 7 product jobs, 2 half products, 2 root fractions, 2 descents over
    // the halves, 7 chunk remainder jobs.
    expect(progress.length).toBe(20);
    expect(progress.at(-1)).toEqual({ phase: 'remainders', done: 20, total: 20 });
    expect(progress[0]!.phase).toBe('products');
  });

  it('gives the same answer in one chunk, and agrees with pairwise gcds', async () => {
    const one = await findSharedFactors(moduli, { native: null, chunkSize: 1000 });
    checkResults(one);
    const pairwise = new Set<number>();
    for (let i = 0; i < moduli.length; i++) for (let j = i + 1; j < moduli.length; j++) if (gcd(moduli[i]!, moduli[j]!) > 1n) pairwise.add(i).add(j);
    expect(new Set(one.map((r) => r.index))).toEqual(pairwise);
  });

  it('gives the same answer with one modulus per chunk and with odd chunk counts', async () => {
    checkResults(await findSharedFactors(moduli, { native: null, chunkSize: 1 }));
    checkResults(await findSharedFactors(moduli, { native: null, chunkSize: 11 }));
    expect((await findSharedFactors([moduli[24]!, moduli[25]!], { native: null })).map((r) => r.factor)).toEqual([shared1, shared1]);
  });

  it('finds shared primes at the first and last modulus of chunks (chunk boundaries and both ends)', async () => {
    // 24 clean moduli in chunks of 6; pairs sharing a prime at 0/23 (first and last of all),
    // 5/6 (last of chunk 0, first of chunk 1) and 17/18, and a trio 11/12/13.
    const list = moduli.slice(0, 24);
    const [p, q, r, s] = [prime(), prime(), prime(), prime()];
    const plant: Array<[number, bigint]> = [[0, p], [23, p], [5, q], [6, q], [17, r], [18, r], [11, s], [12, s], [13, s]];
    for (const [i, f] of plant) list[i] = f * prime();
    for (const chunkSize of [6, 5, 12]) {
      const results = await findSharedFactors(list, { native: null, chunkSize });
      expect(results.map((x) => x.index).sort((x, y) => x - y), `chunks of ${chunkSize}`).toEqual([0, 5, 6, 11, 12, 13, 17, 18, 23]);
      for (const [i, f] of plant) expect(results.find((x) => x.index === i)!.factor).toBe(f);
    }
  });

  it('falls back to chunked plain remainder trees above the size limit of the scaled tree', async () => {
    let last: BatchGcdProgress | undefined;
    checkResults(await findSharedFactors(moduli, { native: null, chunkSize: 5, scaledTreeMaxScale: 0, onProgress: (p) => (last = p) }));
    expect(last).toEqual({ phase: 'remainders', done: 20, total: 20 });
  });

  it('the scaled remainder tree gives exactly P mod n^2 (as gcds) like the plain remainder tree', () => {
    // 2,048-bit moduli from random 1,024-bit odd numbers: many share small primes, so the gcds are
    // varied; both methods must agree on every one.
    const big = Array.from({ length: 150 }, () => BigInt(`0x${randomBytes(256).toString('hex')}`) | 1n | (1n << 2047n));
    const [left, right] = [big.slice(0, 70), big.slice(70)];
    const [l, r] = [chunkProduct(left), chunkProduct(right)];
    const scale = (xs: bigint[]) => xs.reduce((s, n) => s + squareScale(n), 0);
    const scaled = [
      ...gcdsFromFractions(left, scaledDescend(left, left.map(squareScale), scaledFraction(r, l, scale(left)))),
      ...gcdsFromFractions(right, scaledDescend(right, right.map(squareScale), scaledFraction(l, r, scale(right)))),
    ];
    expect(scaled).toEqual(chunkSharedGcds(big, [chunkProduct(big)]));
    expect(scaled.filter((g) => g > 1n).length).toBeGreaterThan(0);
  });

  it('the scaled tree stays exact when siblings differ in size (the right one larger, packed product)', () => {
    // Moduli of 64 to 4,096 bits, growing to the right, so that most right siblings are longer.
    const mixed = Array.from({ length: 90 }, (_, i) => {
      const bits = 64 + i * 45;
      return BigInt.asUintN(bits, BigInt(`0x${randomBytes(bits / 8 + 8).toString('hex')}`)) | 1n | (1n << BigInt(bits - 1));
    });
    const [left, right] = [mixed.slice(0, 33), mixed.slice(33)];
    const [l, r] = [chunkProduct(left), chunkProduct(right)];
    const scale = (xs: bigint[]) => xs.reduce((s, n) => s + squareScale(n), 0);
    const scaled = [
      ...gcdsFromFractions(left, scaledDescend(left, left.map(squareScale), scaledFraction(r, l, scale(left)))),
      ...gcdsFromFractions(right, scaledDescend(right, right.map(squareScale), scaledFraction(l, r, scale(right)))),
    ];
    expect(scaled).toEqual(chunkSharedGcds(mixed, [chunkProduct(mixed)]));
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    const run = findSharedFactors(moduli, { native: null, chunkSize: 2, signal: ac.signal, onProgress: (p) => p.done === 3 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect(findSharedFactors(moduli, { native: null, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('batch GCD in worker threads (bundled worker entry)', () => {
  let worker: string;
  beforeAll(async () => {
    worker = await bundleScript(join(import.meta.dirname, 'batch-gcd-worker.ts'), 'batch-gcd-worker');
  });
  afterAll(() => rmSync(worker, { force: true }));

  it('gives the same results with two workers', async () => {
    let last: BatchGcdProgress | undefined;
    const results = await findSharedFactors(moduli, { native: null, chunkSize: 4, workerScript: worker, workers: 2, onProgress: (p) => (last = p) });
    checkResults(results);
    expect(last).toEqual({ phase: 'remainders', done: 24, total: 24 });
  });

  it('gives the same results with two workers on the fallback path', async () => {
    checkResults(await findSharedFactors(moduli, { native: null, chunkSize: 4, workerScript: worker, workers: 2, scaledTreeMaxScale: 0 }));
  });

  it('terminates the workers on cancel', async () => {
    const ac = new AbortController();
    const run = findSharedFactors(moduli, { native: null, chunkSize: 2, workerScript: worker, workers: 2, signal: ac.signal, onProgress: (p) => p.done === 2 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
