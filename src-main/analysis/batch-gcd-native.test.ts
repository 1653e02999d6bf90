import { spawnSync } from 'node:child_process';
import { generatePrimeSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcd } from './bigint-math.js';
import { decodeGcds, defaultNativeBatchGcd, encodeModuli, nativeBatchGcd } from './batch-gcd-native.js';
import { findSharedFactors } from './batch-gcd.js';

// `npm test` builds the program (scripts/ensure-deps.mjs → build-native.mjs); a missing one is a
// failed install, not a reason to skip.
const binary = defaultNativeBatchGcd();
const prime = (bits: number) => generatePrimeSync(bits, { bigint: true });

/** gcd(n_i, ∏_{j≠i} n_j) the slow, obvious way. */
function naive(moduli: bigint[]): bigint[] {
  return moduli.map((n, i) => gcd(n, moduli.reduce((p, m, j) => (j === i ? p : p * m), 1n)));
}

describe('native batch GCD', () => {
  it('is built by the install step', () => {
    expect(binary, 'native/build/custos-batch-gcd is missing: run `node scripts/build-native.mjs` (needs gcc and libgmp-dev)').not.toBeNull();
  });

  it('gives the same gcds as the definition: shared primes, a duplicate, both primes shared, clean keys', async () => {
    const p = Array.from({ length: 120 }, () => prime(256));
    const moduli = Array.from({ length: 50 }, (_, i) => p[2 * i]! * p[2 * i + 1]!);
    moduli.push(p[0]! * p[100]!); // shares p0 with modulus 0
    moduli.push(p[3]! * p[101]!); // shares p3 with modulus 1
    moduli.push(moduli[7]!); // a duplicate of modulus 7
    moduli.push(p[10]! * p[13]!); // shares one prime with modulus 5 and one with modulus 6: factored whole
    moduli.push(p[110]! * p[111]!); // clean
    const { gcds, peakRssKb, cpuMs } = await nativeBatchGcd(binary!, moduli);
    expect(gcds).toEqual(naive(moduli));
    expect(gcds[0]).toBe(p[0]);
    expect(gcds[7]).toBe(moduli[7]);
    expect(gcds[53]).toBe(moduli[53]);
    expect(gcds[54]).toBe(1n);
    expect(peakRssKb).toBeGreaterThan(0);
    expect(cpuMs).toBeGreaterThanOrEqual(0);
  });

  it('handles the smallest inputs: two moduli sharing a prime, and odd counts at every level', async () => {
    const [a, b, c] = [prime(128), prime(128), prime(128)];
    expect((await nativeBatchGcd(binary!, [a * b, a * c])).gcds).toEqual([a, a]);
    for (const count of [3, 5, 9, 17]) {
      const moduli = Array.from({ length: count }, (_, i) => (i === count - 1 ? a * c : prime(64) * prime(64)));
      moduli[0] = a * b;
      expect((await nativeBatchGcd(binary!, moduli)).gcds, `count ${count}`).toEqual(naive(moduli));
    }
  });

  it('reports its steps and stops when cancelled', async () => {
    const moduli = Array.from({ length: 4000 }, () => BigInt(`0x${randomBytes(256).toString('hex')}`) | 1n);
    const steps: number[] = [];
    await nativeBatchGcd(binary!, moduli.slice(0, 64), { onStep: (d, t) => steps.push(d / t) });
    expect(steps.at(-1)).toBe(1);
    expect(steps).toEqual([...steps].sort((x, y) => x - y));

    const controller = new AbortController();
    const run = nativeBatchGcd(binary!, moduli, { signal: controller.signal, onStep: () => controller.abort(), threads: 1 });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses moduli it cannot take before starting, and the program refuses malformed input', () => {
    expect(() => encodeModuli([15n, 1n])).toThrow(/greater than 1/);
    const r = spawnSync(binary!, [], { input: Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 7]) });
    expect(r.status).toBe(2);
    expect(spawnSync(binary!, [], { input: Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 1]) }).status).toBe(2);
  });

  it('does not trust an answer that is not a divisor, out of order, truncated or with trailing bytes', () => {
    const moduli = [15n, 21n, 35n];
    const entry = (i: number, g: number) => Buffer.from([0, 0, 0, i, 0, 0, 0, 1, g]);
    const end = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(decodeGcds(Buffer.concat([entry(0, 15), entry(1, 7), entry(2, 35), end]), moduli)).toEqual([15n, 7n, 35n]);
    expect(() => decodeGcds(Buffer.concat([entry(0, 4), end]), moduli)).toThrow(/not a divisor/);
    expect(() => decodeGcds(Buffer.concat([entry(1, 7), entry(0, 5), end]), moduli)).toThrow(/order/);
    expect(() => decodeGcds(Buffer.concat([entry(0, 5)]), moduli)).toThrow(/end mark/);
    expect(() => decodeGcds(Buffer.concat([entry(0, 5), end, Buffer.from([0])]), moduli)).toThrow(/trailing/);
    expect(() => decodeGcds(Buffer.concat([entry(3, 5), end]), moduli)).toThrow(/order/);
  });
});

describe('findSharedFactors through the native program', () => {
  it('reports the same keys, factors and partners as the JavaScript trees, with progress', async () => {
    const p = Array.from({ length: 40 }, () => prime(256));
    const moduli = Array.from({ length: 18 }, (_, i) => p[2 * i]! * p[2 * i + 1]!);
    moduli.push(p[0]! * p[36]!, p[5]! * p[37]!, moduli[9]!, p[20]! * p[23]!);
    const steps: number[] = [];
    const native = await findSharedFactors(moduli, { native: binary!, onProgress: (x) => steps.push(x.done / x.total) });
    const js = await findSharedFactors(moduli, { native: null });
    expect(native).toEqual(js);
    expect(native.map((r) => r.index).sort((a, b) => a - b)).toEqual([0, 2, 9, 10, 11, 18, 19, 20, 21]);
    expect(steps.at(-1)).toBe(1);
  });

  it('is what findSharedFactors uses by default when it is built', async () => {
    // $CUSTOS_BATCH_GCD names the program to use: a wrapper that leaves a mark, then runs the real one.
    const dir = mkdtempSync(join(tmpdir(), 'custos-native-'));
    const mark = join(dir, 'ran');
    const wrapper = join(dir, 'batch-gcd');
    writeFileSync(wrapper, `#!/bin/sh\ntouch '${mark}'\nexec '${binary!}'\n`, { mode: 0o700 });
    const before = process.env.CUSTOS_BATCH_GCD;
    process.env.CUSTOS_BATCH_GCD = wrapper;
    try {
      const [a, b, c] = [prime(128), prime(128), prime(128)];
      expect((await findSharedFactors([a * b, a * c])).map((r) => r.factor)).toEqual([a, a]);
      expect(existsSync(mark)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.CUSTOS_BATCH_GCD;
      else process.env.CUSTOS_BATCH_GCD = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
