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
// Layout (findSharedFactors in batch-gcd.ts): the moduli are cut into chunks (jobs for worker
// threads); chunk products P_j, then the products L and R of the two halves of the chunks. The only
// divisions are frac(P / L^2) = frac(R / L) and frac(P / R^2) = frac(L / R) (one per core); from
// there a scaled remainder tree (below) runs down each half to its chunks, and down each chunk to
// its moduli. V8 caps a BigInt at 2^30 bits: the largest values are R * 2^(2|L|) (about 1.5 |P|)
// and the fractions of the halves (about |P|), so 100,000 moduli of 2048 bits (|P| = 204.8 M bits)
// stay well inside. Beyond SCALED_TREE_MAX_SCALE (about 260,000 such moduli) the chunks fall back
// to chunkSharedGcds: each chunk reduces every chunk product modulo its own product of squares, then
// runs the plain remainder tree (quadratic in the number of chunks, but no BigInt larger than two
// chunks). chunkSharedGcds (the plain remainder tree with one division per node) is kept
// as the reference the tests compare against.
import { bitLength, gcd } from './bigint-math.js';
import type { BatchGcdJob } from './batch-gcd-protocol.js';

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

// Scaled remainder tree: D. J. Bernstein, "Scaled remainder trees" (2004), https://cr.yp.to/papers.html#scaledmod.
// Instead of reducing P modulo the square of every node (a BigInt division per node, about six
// multiplications' worth in V8), each node v carries the fraction y_v = frac(P / T_v^2) in fixed
// point, and a child's fraction comes from its parent's by one multiplication:
// P / T_L^2 = (P / T_v^2) * T_R^2 for v = L * R, so y_L = frac(y_v * T_R^2). At a leaf,
// P mod n^2 = round(y * n^2). Scales are additive upper bounds on bit lengths: with s_v >= bits(T_v^2)
// and s_v = s_L + s_R, y_v is held as Y_v ~ y_v * 2^(s_v + GUARD_BITS), and
// Y_L = ((Y_v * T_R^2) mod 2^(s_v + g)) >> s_R. Each step truncates (one unit of error) and the
// parent's error is multiplied by T_R^2 / 2^(s_R) < 1, so after d levels the error is at most d + 1
// units; with 64 guard bits and d < 40 the leaf rounding is exact. Everything is mod 1, so a value
// that wraps around 0 (y near 0 or 1) is harmless: the leaf result is taken mod n^2.

/**
 * Largest sum of square scales (2 |P|) for the scaled tree: its largest BigInt is about 0.75 of it,
 * below V8's 2^30-bit cap with room to spare.
 */
export const SCALED_TREE_MAX_SCALE = 2 ** 30;

/** Guard bits of the fixed-point fractions (the error after d levels is below d + 1 units). */
export const GUARD_BITS = 64;

/** Scale of one leaf: an upper bound on the bit length of its square. */
export function squareScale(n: bigint): number {
  return 2 * bitLength(n);
}

/**
 * From Y ~ frac(P / T^2) * 2^(scale + GUARD_BITS), T the product of `leaves` and scale the sum of
 * `scales` (upper bounds on the bit lengths of the leaves' squares), the same fixed-point
 * fraction for every leaf: frac(P / leaf^2) * 2^(leaf scale + GUARD_BITS).
 */
export function scaledDescend(leaves: bigint[], scales: number[], y: bigint): bigint[] {
  const levels = productTree(leaves);
  const levelScales: number[][] = [scales];
  for (let l = 1; l < levels.length; l++) {
    const below = levelScales[l - 1]!;
    const here: number[] = [];
    for (let i = 0; i < below.length; i += 2) here.push(below[i]! + (i + 1 < below.length ? below[i + 1]! : 0));
    levelScales.push(here);
  }
  let ys = [y];
  for (let level = levels.length - 2; level >= 0; level--) {
    const nodes = levels[level]!;
    const sc = levelScales[level]!;
    const up = levelScales[level + 1]!;
    const next: bigint[] = new Array<bigint>(nodes.length);
    for (let p = 0; p < ys.length; p++) {
      const l = 2 * p;
      const r = l + 1;
      if (r >= nodes.length) {
        next[l] = ys[p]!; // a lone node: the parent is itself
        continue;
      }
      const width = BigInt(up[p]! + GUARD_BITS);
      const yp = ys[p]!;
      const left = nodes[l]!;
      const right = nodes[r]!;
      next[l] = BigInt.asUintN(Number(width), yp * (right * right)) >> BigInt(sc[r]!);
      next[r] = BigInt.asUintN(Number(width), yp * (left * left)) >> BigInt(sc[l]!);
    }
    ys = next;
  }
  return ys;
}

/** frac(num / den) * 2^(scale + GUARD_BITS), exactly (floor): the start of a scaled descent. */
export function scaledFraction(num: bigint, den: bigint, scale: number): bigint {
  const width = scale + GUARD_BITS;
  return BigInt.asUintN(width, (num << BigInt(width)) / den);
}

/**
 * For moduli whose fixed-point fractions frac(P / n_i^2) are `ys` (from scaledDescend), the
 * shared gcds gcd(P / n_i, n_i), with P mod n_i^2 recovered by rounding y_i * n_i^2.
 */
export function gcdsFromFractions(moduli: bigint[], ys: bigint[]): bigint[] {
  return moduli.map((n, i) => {
    const sq = n * n;
    const width = BigInt(squareScale(n) + GUARD_BITS);
    const z = ((ys[i]! * sq + (1n << (width - 1n))) >> width) % sq;
    return gcd(z / n, n);
  });
}

/** One job of findSharedFactors (batch-gcd.ts), in a worker or in-process. */
export function runBatchGcdJob(job: BatchGcdJob): bigint[] {
  switch (job.kind) {
    case 'product':
      return [chunkProduct(job.moduli)];
    case 'fraction':
      return [scaledFraction(job.num, job.den, job.scale)];
    case 'descend':
      return scaledDescend(job.leaves, job.scales, job.y);
    case 'gcds':
      return gcdsFromFractions(job.moduli, scaledDescend(job.moduli, job.moduli.map(squareScale), job.y));
    case 'plain':
      return chunkSharedGcds(job.moduli, job.products);
  }
}
