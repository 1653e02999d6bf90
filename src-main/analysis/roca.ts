// ROCA detection (CVE-2017-15361): M. Nemec, M. Sys, P. Svenda, D. Klinec, V. Matyas, "The Return of
// Coppersmith's Attack: Practical Factorization of Widely Used RSA Moduli", ACM CCS 2017.
//
// The Infineon RSA library generated primes of the form p = k * M + (65537^a mod M), with M the
// product of the first primes (39 primes up to 167 for 512-bit keys, more for longer keys; the
// smaller M divides every larger one). Hence n = p * q is congruent to a power of 65537 modulo M.
//
// Two tests, as in the paper (section 2.3 and the authors' detector):
// - the residue fingerprint: for each small prime p | M, n mod p must lie in the subgroup generated
//   by 65537 modulo p. It is cheap but only necessary: a modulus can pass it prime by prime while
//   n mod M is not a power of 65537, because the exponent must be the same for every prime at once;
// - the discrete-log test: compute the discrete logarithm of n to the base 65537 modulo M (the
//   primorial of the primes up to 167). The order of 65537 there is smooth (it divides lcm(p - 1)),
//   so Pohlig-Hellman (S. Pohlig, M. Hellman, IEEE Trans. Inf. Theory 24(1), 1978) solves it with
//   tiny exhaustive searches per prime power and the Chinese remainder theorem; the log exists,
//   checked by recomputing 65537^x mod M, if and only if the key has the structure. Only this
//   second answer decides.
import { gcd, modInverse, modPow, primesBelow } from './bigint-math.js';
import type { AnalysisFinding } from './findings.js';

const GENERATOR = 65537n;
/** Primes up to 167: the M of the smallest Infineon key size, a divisor of every larger M. */
const ROCA_PRIMES = primesBelow(168);
const M = ROCA_PRIMES.reduce((acc, p) => acc * BigInt(p), 1n);

/** For each odd prime p <= 167, the set of residues 65537^k mod p (the subgroup it generates). */
const SUBGROUPS: { p: bigint; members: Set<number> }[] = ROCA_PRIMES.filter((p) => p > 2).map((p) => {
  const g = Number(GENERATOR % BigInt(p));
  const members = new Set<number>();
  let x = 1;
  do {
    members.add(x);
    x = (x * g) % p;
  } while (x !== 1);
  return { p: BigInt(p), members };
});

/** Order of 65537 modulo M as lcm of its orders modulo each prime, with its factorisation. */
const ORDER_FACTORS = new Map<number, number>();
for (const { members } of SUBGROUPS) {
  let k = members.size;
  for (let q = 2; q <= k; q++) {
    let e = 0;
    while (k % q === 0) {
      k /= q;
      e++;
    }
    if (e > (ORDER_FACTORS.get(q) ?? 0)) ORDER_FACTORS.set(q, e);
  }
}
const ORDER = [...ORDER_FACTORS].reduce((acc, [q, e]) => acc * BigInt(q) ** BigInt(e), 1n);

/** The cheap residue fingerprint: necessary for a ROCA key, not sufficient. */
export function rocaFingerprint(n: bigint): boolean {
  for (const { p, members } of SUBGROUPS) if (!members.has(Number(n % p))) return false;
  return true;
}

/**
 * Discrete log of n to the base 65537 modulo M by Pohlig-Hellman, or null when n mod M is not a
 * power of 65537 (the key does not have the ROCA structure).
 */
export function rocaDiscreteLog(n: bigint): bigint | null {
  const target = n % M;
  if (gcd(target, M) !== 1n) return null;
  let x = 0n;
  let modulus = 1n;
  for (const [q, e] of ORDER_FACTORS) {
    const qe = BigInt(q) ** BigInt(e);
    const cofactor = ORDER / qe;
    // h generates the subgroup of order q^e; t must be a power of it.
    const h = modPow(GENERATOR, cofactor, M);
    const t = modPow(target, cofactor, M);
    let found = -1n;
    let acc = 1n;
    for (let k = 0n; k < qe; k++) {
      if (acc === t) {
        found = k;
        break;
      }
      acc = (acc * h) % M;
    }
    if (found < 0n) return null;
    // Chinese remainder theorem: x = found (mod q^e), x = x (mod modulus).
    const step = ((((found - x) % qe) + qe) % qe) * modInverse(modulus % qe, qe) % qe;
    x += modulus * step;
    modulus *= qe;
  }
  return modPow(GENERATOR, x, M) === target ? x : null;
}

/** The full test: true when n mod M is a power of 65537, i.e. the key came from the flawed library. */
export function isRocaVulnerable(n: bigint): boolean {
  return rocaFingerprint(n) && rocaDiscreteLog(n) !== null;
}

export function checkRoca(n: bigint): AnalysisFinding[] {
  if (!isRocaVulnerable(n)) return [];
  return [
    {
      check: 'rsa-roca',
      severity: 'error',
      message: 'The key has the structure of the Infineon RSALib flaw (ROCA, CVE-2017-15361) and can be factored: replace it on a fixed device.',
    },
  ];
}

/** Parses one modulus in the format of the ROCA test files: hexadecimal with a 0x prefix (or plain). */
export function parseModulusText(text: string): bigint {
  const t = text.trim().replace(/\s+/g, '');
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  if (/^[0-9a-f]+$/i.test(t)) return BigInt(`0x${t}`);
  throw new RangeError('not a hexadecimal modulus');
}
