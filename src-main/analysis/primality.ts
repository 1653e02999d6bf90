// Probabilistic primality test: trial division by small primes, then Miller-Rabin with random bases
// (G. L. Miller, "Riemann's hypothesis and tests for primality", 1976; M. O. Rabin, "Probabilistic
// algorithm for testing primality", J. Number Theory 12, 1980; HAC algorithm 4.24).
//
// The bases are random on purpose: composites built to pass a fixed set of bases exist (Arnault
// 1995; Albrecht, Massimo, Paterson, Somorovsky, "Prime and Prejudice", CCS 2018), and Wycheproof's
// primality_test.json carries such numbers. Each round lets a composite through with probability at
// most 1/4, so the default 40 rounds bound the error by 2^-80 even for adversarial input.
import { randomBytes } from 'node:crypto';
import { bitLength, bytesToBigInt, modPow, primesBelow } from './bigint-math.js';

const TRIAL_PRIMES = primesBelow(1000).map(BigInt);

/** A uniformly random integer in [lo, hi] (rejection sampling). */
function randomBetween(lo: bigint, hi: bigint): bigint {
  const range = hi - lo + 1n;
  const bits = bitLength(range);
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const r = bytesToBigInt(randomBytes(bytes)) & mask;
    if (r < range) return lo + r;
  }
}

/** One strong-probable-prime round for odd n > 3 with n - 1 = d * 2^s. */
function strongProbablePrime(n: bigint, d: bigint, s: number, a: bigint): boolean {
  let x = modPow(a, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let i = 1; i < s; i++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
    if (x === 1n) return false;
  }
  return false;
}

/** True when n is (with overwhelming probability) prime. Negative numbers, 0 and 1 are not prime. */
export function isProbablePrime(n: bigint, rounds = 40): boolean {
  if (n < 2n) return false;
  for (const p of TRIAL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  // Every n below 1000^2 that survived trial division by the primes below 1000 is prime.
  if (n < 1_000_000n) return true;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let i = 0; i < rounds; i++) {
    if (!strongProbablePrime(n, d, s, randomBetween(2n, n - 2n))) return false;
  }
  return true;
}
