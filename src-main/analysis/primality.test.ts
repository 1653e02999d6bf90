import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VECTORS_DIR } from '../testing/vectors.js';
import { isProbablePrime } from './primality.js';

interface PrimalityVector {
  tcId: number;
  value: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

/** Wycheproof writes the value as big-endian two's complement hex. */
function signedHex(hex: string): bigint {
  const v = BigInt(`0x${hex}`);
  const negative = hex.length > 0 && parseInt(hex[0]!, 16) >= 8;
  return negative ? v - (1n << BigInt(hex.length * 4)) : v;
}

const file = JSON.parse(readFileSync(join(VECTORS_DIR, 'wycheproof', 'primality_test.json'), 'utf8')) as { testGroups: { tests: PrimalityVector[] }[] };
const vectors = file.testGroups.flatMap((g) => g.tests);

describe('Miller-Rabin against Wycheproof primality_test.json', () => {
  it('has the vectors', () => expect(vectors.length).toBeGreaterThan(300));

  it('accepts every valid (prime) and rejects every invalid (composite) value', () => {
    // A prime passes every Miller-Rabin round whatever the base, so 3 rounds show acceptance as
    // well as 40 (and keep the test fast on 2,880-bit primes); composites get the full 40 rounds.
    const wrong = vectors
      .filter((t) => t.result !== 'acceptable' && isProbablePrime(signedHex(t.value), t.result === 'valid' ? 3 : 40) !== (t.result === 'valid'))
      .map((t) => t.tcId);
    expect(wrong).toEqual([]);
  });

  it('rejects negatives (the acceptable cases) and agrees with Node on random primes and their products', () => {
    for (const t of vectors.filter((v) => v.result === 'acceptable')) expect(isProbablePrime(signedHex(t.value))).toBe(false);
    const p = generatePrimeSync(256, { bigint: true });
    const q = generatePrimeSync(256, { bigint: true });
    expect(isProbablePrime(p)).toBe(true);
    expect(isProbablePrime(p * q)).toBe(false);
  });
});
