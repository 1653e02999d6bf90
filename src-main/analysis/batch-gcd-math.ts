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
import type { BatchGcdJob, TreeSource } from './batch-gcd-protocol.js';
import { lehmerGcd } from './lehmer-gcd.js';

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
// units (2d + 1 with the packed product of scaledDescendTree); with 64 guard bits the leaf rounding
// is exact (the error in P mod n^2 is below (2d + 1) / 2^64). Everything is mod 1, so a value
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
  return scaledDescendTree(productTree(leaves), scales, y);
}

/**
 * scaledDescend over a product tree already built (`levels` from productTree: the product job
 * keeps its tree for the descent, so it is not multiplied out twice).
 *
 * Both children come from one multiplication: Y_v * (T_R^2 + 2^K * T_L^2). With W = s_v + g the
 * width of Y_v, K >= W and K + s_L >= W + s_R:
 * - the low W bits are exactly (Y_v * T_R^2) mod 2^W (the packed term starts at bit K >= W), so
 *   Y_L is what the separate product gives;
 * - above bit K sits Y_v * T_L^2 + c with c = floor(Y_v * T_R^2 / 2^K) < 2^(W + s_R - K) <= 2^s_L,
 *   so after the shift by s_L, Y_R is at most one unit above the separate product's.
 * Per level the error therefore grows by at most two units (truncation, carry), and the parent's
 * error shrinks (times T^2 / 2^s < 1): after d levels it is below 2d + 1 units, far inside the
 * 64 guard bits. The packed product is 2.5 s_v bits long instead of two of 1.5 s_v, and V8
 * transforms Y_v once: about 7% less CPU per level than two multiplications (measured).
 */
export function scaledDescendTree(levels: bigint[][], scales: number[], y: bigint): bigint[] {
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
      const width = up[p]! + GUARD_BITS;
      const shift = Math.max(width, width + sc[r]! - sc[l]!);
      const left = nodes[l]!;
      const right = nodes[r]!;
      const product = ys[p]! * (((left * left) << BigInt(shift)) | (right * right));
      next[l] = BigInt.asUintN(width, product) >> BigInt(sc[r]!);
      next[r] = BigInt.asUintN(width, product >> BigInt(shift)) >> BigInt(sc[l]!);
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
    return lehmerGcd(z / n, n);
  });
}

/** Product trees kept by 'product' jobs for the descent of the same thread, by name. */
export type KeptTrees = Map<string, bigint[][]>;

function treeOf(source: TreeSource, kept: KeptTrees): bigint[][] {
  if (Array.isArray(source)) return productTree(source);
  const levels = kept.get(source.kept);
  if (!levels) throw new Error(`no kept product tree named ${source.kept}`);
  kept.delete(source.kept);
  return levels;
}

/**
 * One job of findSharedFactors (batch-gcd.ts), in a worker or in-process. `kept` is the thread's
 * store of product trees (findSharedFactors sends the jobs that refer to a tree to the thread
 * that built it).
 */
export function runBatchGcdJob(job: BatchGcdJob, kept: KeptTrees = new Map()): bigint[] {
  switch (job.kind) {
    case 'product': {
      if (job.moduli.length === 0) return [1n];
      const levels = productTree(job.moduli);
      if (job.keep !== undefined) kept.set(job.keep, levels);
      return [levels.at(-1)![0]!];
    }
    case 'fraction':
      return [scaledFraction(job.num, job.den, job.scale)];
    case 'descend':
      return scaledDescendTree(treeOf(job.leaves, kept), job.scales, job.y);
    case 'gcds': {
      const levels = treeOf(job.moduli, kept);
      const moduli = levels[0]!;
      return gcdsFromFractions(moduli, scaledDescendTree(levels, moduli.map(squareScale), job.y));
    }
    case 'plain':
      return chunkSharedGcds(job.moduli, job.products);
  }
}
