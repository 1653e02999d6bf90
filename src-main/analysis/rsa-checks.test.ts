import { checkPrimeSync, generatePrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkRsaPublicKey, fermatFactor } from './rsa-checks.js';

const prime = (bits: number) => generatePrimeSync(bits, { bigint: true });
function nextPrime(n: bigint): bigint {
  let c = n + 1n + (n & 1n);
  while (!checkPrimeSync(c)) c += 2n;
  return c;
}
const checks = (n: bigint, e = 65537n) => checkRsaPublicKey(n, e).map((f) => f.check);

// Test keys built here from Node-generated primes.
const p = prime(1024);
const q = prime(1024);
const clean = p * q;

describe('RSA per-key checks', () => {
  it('gives no finding for a clean 2048-bit key with e = 65537', () => {
    // Node (OpenSSL) sets the top two bits of each prime, so the product has exactly 2048 bits.
    expect(clean.toString(2).length).toBe(2048);
    expect(checkRsaPublicKey(clean, 65537n)).toEqual([]);
  });

  it('flags short moduli', () => {
    const short = prime(512) * prime(512);
    expect(checks(short)).toEqual(['rsa-size']);
  });

  it('flags small, even, too large and unusual exponents', () => {
    const expFindings = (e: bigint) => checkRsaPublicKey(p * q, e).filter((f) => f.check === 'rsa-exponent');
    expect(expFindings(1n)[0]?.severity).toBe('error');
    expect(expFindings(2n)[0]?.severity).toBe('error');
    expect(expFindings(65538n)[0]?.severity).toBe('error');
    expect(expFindings(p * q + 2n)[0]?.severity).toBe('error');
    expect(expFindings(3n)[0]?.severity).toBe('warning');
    expect(expFindings(65537n)).toEqual([]);
  });

  it('finds small factors by one gcd and names the prime', () => {
    const big = prime(2040);
    for (const s of [3n, 65521n]) {
      const f = checkRsaPublicKey(s * big, 65537n).find((x) => x.check === 'rsa-small-factor');
      expect(f?.factor).toBe(s);
    }
    expect(checkRsaPublicKey(2n * 3n * big, 65537n).find((x) => x.check === 'rsa-small-factor')?.factor).toBe(2n);
    // 65537 is the first prime above 2^16: outside the trial-division range.
    expect(checks(65537n * big).includes('rsa-small-factor')).toBe(false);
  });

  it("factors close primes with Fermat's method", () => {
    const p1 = prime(1024);
    const q1 = nextPrime(p1 + (1n << 400n));
    const f = checkRsaPublicKey(p1 * q1, 65537n).find((x) => x.check === 'rsa-close-primes');
    expect([p1, q1]).toContain(f?.factor);
    expect(fermatFactor(clean)).toBeNull();
    // A square n = p^2 is the extreme case.
    expect(fermatFactor(p1 * p1)).toBe(p1);
  });
});
