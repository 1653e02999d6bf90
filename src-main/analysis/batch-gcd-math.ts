// Batch GCD: D. J. Bernstein, "How to find smooth parts of integers" (2004) and "Fast
// multiplication and its applications" (2008), as used by Heninger, Durumeric, Wustrow, Halderman,
// "Mining Your Ps and Qs: Detection of Widespread Weak Keys in Network Devices" (USENIX Security
// 2012) and Lenstra et al., "Ron was wrong, Whit is right" (CRYPTO 2012).
//
// With P the product of all moduli, z_i = P mod n_i^2 gives gcd(z_i / n_i, n_i) = gcd(P / n_i, n_i):
// a nontrivial value is a prime n_i shares with another modulus. P comes from a product tree; the
// z_i come from a remainder tree that reduces P modulo the squares of the tree's nodes on the way
// down.
//
// Chunking: V8 caps a BigInt at 2^30 bits, and one product of a million 2048-bit moduli would
// exceed it. The moduli are cut into chunks; each chunk's product P_j is computed on its own, and
// for a chunk A with N_A = prod of n_i^2 over A, P mod N_A = prod_j (P_j mod N_A) mod N_A, so the
// remainder tree of chunk A starts from that reduced value. Every intermediate stays the size of
// one chunk (times two), and the chunks are independent jobs for worker threads.
import { gcd } from './bigint-math.js';

/** Levels of the product tree, leaves first; the last level holds the root. */
export function productTree(values: bigint[]): bigint[][] {
  const levels: bigint[][] = [values];
  let level = values;
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? level[i]! * level[i + 1]! : level[i]!);
    levels.push(next);
    level = next;
  }
  return levels;
}

/** The product of one chunk of moduli (the root of its product tree). */
export function chunkProduct(moduli: bigint[]): bigint {
  if (moduli.length === 0) return 1n;
  return productTree(moduli).at(-1)![0]!;
}

/**
 * For one chunk of moduli and the products of every chunk (this one included), returns
 * gcd(P / n_i, n_i) for each modulus of the chunk, where P is the product of all moduli.
 */
export function chunkSharedGcds(moduli: bigint[], chunkProducts: bigint[]): bigint[] {
  if (moduli.length === 0) return [];
  const squares = productTree(moduli.map((n) => n * n));
  const root = squares.at(-1)![0]!;
  let reduced = 1n;
  for (const p of chunkProducts) reduced = (reduced * (p % root)) % root;
  // Remainder tree: each node holds P mod (that node's product of squares).
  let rems = [reduced];
  for (let level = squares.length - 2; level >= 0; level--) {
    const nodes = squares[level]!;
    const next: bigint[] = new Array<bigint>(nodes.length);
    for (let i = 0; i < nodes.length; i++) next[i] = rems[i >> 1]! % nodes[i]!;
    rems = next;
  }
  return moduli.map((n, i) => gcd(rems[i]! / n, n));
}
