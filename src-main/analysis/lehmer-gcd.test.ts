import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gcd } from './bigint-math.js';
import { lehmerGcd } from './lehmer-gcd.js';

const random = (bits: number) => BigInt.asUintN(bits, BigInt(`0x${randomBytes(Math.ceil(bits / 8) + 1).toString('hex')}`));

/** Both gcds, checked equal, and the value. */
function agree(a: bigint, b: bigint): bigint {
  const g = gcd(a, b);
  expect(lehmerGcd(a, b), `gcd(${a}, ${b})`).toBe(g);
  expect(lehmerGcd(b, a)).toBe(g);
  return g;
}

describe('Lehmer gcd', () => {
  it('equals Euclid on random numbers of 1 to 64 limbs (32 to 2,048 bits) and across sizes', () => {
    for (const bits of [1, 31, 32, 52, 53, 54, 64, 100, 512, 1024, 2048]) {
      for (let k = 0; k < 20; k++) agree(random(bits), random(bits));
      agree(random(bits), random(Math.max(1, bits >> 1)));
      agree(random(2048), random(bits));
    }
  });

  it('finds a planted common factor of 2,048-bit numbers (the batch GCD leaf case)', () => {
    for (let k = 0; k < 20; k++) {
      const p = random(1024) | 1n | (1n << 1023n);
      const a = p * random(1024);
      const b = p * (random(1024) | 1n);
      const g = agree(a, b);
      expect(g % p).toBe(0n);
    }
  });

  it('handles zero, one, equal inputs, negatives, divisors and powers of two', () => {
    const n = random(2048) | 1n;
    expect(lehmerGcd(0n, 0n)).toBe(0n);
    expect(agree(0n, n)).toBe(n);
    expect(agree(1n, n)).toBe(1n);
    expect(agree(n, n)).toBe(n);
    expect(lehmerGcd(-n, n)).toBe(n);
    expect(lehmerGcd(-12n, 18n)).toBe(6n);
    expect(agree(n * 3n, n)).toBe(n);
    expect(agree(n * random(1500), n)).toBe(n);
    expect(agree(1n << 2047n, 1n << 1000n)).toBe(1n << 1000n);
    expect(agree((1n << 2048n) - 1n, (1n << 1024n) - 1n)).toBe((1n << 1024n) - 1n);
    expect(agree((1n << 2000n) * 3n, (1n << 1999n) * 9n)).toBe((1n << 1999n) * 3n);
    // A quotient too large to be found on the leading bits (b far shorter than a, both long).
    agree(random(2048), random(600) | (1n << 599n));
  });

  it('handles leading parts at the edges of the 50-bit window (runs of ones and zeros)', () => {
    for (const k of [53, 64, 100, 1000, 2047]) {
      const top = 1n << BigInt(k);
      for (const d of [1n, 2n, 3n, (1n << 49n) - 1n, 1n << 50n, (1n << 51n) + 1n]) {
        agree(top + d, top - d);
        agree(top - 1n, top - d);
        agree(2n * top - 1n, top + d);
        agree(top * 3n + d, top + d);
      }
    }
  });

  it('handles the worst case of Euclid (consecutive Fibonacci numbers: every quotient 1)', () => {
    let [f0, f1] = [0n, 1n];
    const pairs: Array<[bigint, bigint]> = [];
    while (f1 < 1n << 2048n) {
      [f0, f1] = [f1, f0 + f1];
      if (f1 > 1n << 40n) pairs.push([f1, f0]);
    }
    for (const [a, b] of pairs.filter((_, i) => i % 37 === 0 || i === pairs.length - 1)) expect(agree(a, b)).toBe(1n);
    // A common factor times Fibonacci numbers, and quotients that are all large.
    const [a, b] = pairs.at(-1)!;
    const p = random(300) | 1n;
    expect(agree(a * p, b * p)).toBe(p);
    let [x, y] = [1n, 0n];
    for (let i = 0; i < 60; i++) [x, y] = [x * ((1n << 30n) + 7n) + y, x];
    expect(agree(x, y)).toBe(1n);
  });
});
