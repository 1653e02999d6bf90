import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VECTORS_DIR } from '../testing/vectors.js';
import { checkRoca, isRocaVulnerable, parseModulusText, rocaDiscreteLog, rocaFingerprint } from './roca.js';
import { modInverse, modPow } from './bigint-math.js';

const load = (name: string) => parseModulusText(readFileSync(join(VECTORS_DIR, 'roca', `${name}.txt`), 'utf8'));
const POSITIVES = ['mod01', 'mod02', 'mod03', 'mod08', 'mod09'];
const NEGATIVES = ['mod04', 'mod05', 'mod06', 'mod07'];

/** The product of the primes up to 167 (the M the discrete log is taken in). */
const M = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n, 73n, 79n, 83n, 89n, 97n, 101n, 103n, 107n, 109n, 113n, 127n, 131n, 137n, 139n, 149n, 151n, 157n, 163n, 167n].reduce((a, b) => a * b);

describe('ROCA (CVE-2017-15361)', () => {
  it('flags every positive vector, and the discrete log reproduces n mod M', () => {
    for (const name of POSITIVES) {
      const n = load(name);
      expect(isRocaVulnerable(n), name).toBe(true);
      const x = rocaDiscreteLog(n);
      expect(x).not.toBeNull();
      expect(modPow(65537n, x!, M)).toBe(n % M);
      expect(checkRoca(n)[0]?.check).toBe('rsa-roca');
    }
  });

  it('flags no negative vector', () => {
    for (const name of NEGATIVES) {
      expect(isRocaVulnerable(load(name)), name).toBe(false);
      expect(checkRoca(load(name))).toEqual([]);
    }
  });

  it('rejects a lookalike that passes the residue fingerprint but has no discrete log', () => {
    // The shipped negatives all fail the fingerprint already, so build a lookalike: keep a vulnerable
    // modulus's residues for every prime but 3 and 5, and there pick residues that are powers of
    // 65537 one by one but need contradictory exponents (65537 = 2 mod 3 has order 2, so n = 2
    // mod 3 needs an odd exponent; 65537 = 2 mod 5 has order 4, and n = 4 = 2^2 mod 5 needs an
    // exponent = 2 mod 4, an even one).
    const base = load('mod03');
    const rest = M / 15n;
    // CRT: n' = base (mod rest), n' = 14 (mod 15), since 14 is 2 mod 3 and 4 mod 5.
    let lookalike = ((base % rest) * 15n * modInverse(15n, rest) + 14n * rest * modInverse(rest, 15n)) % M;
    lookalike += M * (base / M);
    expect(lookalike % 3n).toBe(2n);
    expect(lookalike % 5n).toBe(4n);
    expect(lookalike % rest).toBe(base % rest);
    expect(rocaFingerprint(lookalike)).toBe(true);
    expect(rocaDiscreteLog(lookalike)).toBeNull();
    expect(isRocaVulnerable(lookalike)).toBe(false);
  });

  it('does not flag ordinary keys made from random primes', () => {
    for (let i = 0; i < 5; i++) {
      const n = generatePrimeSync(512, { bigint: true }) * generatePrimeSync(512, { bigint: true });
      expect(isRocaVulnerable(n)).toBe(false);
    }
  });
});
