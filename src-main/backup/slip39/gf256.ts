/**
 * Arithmetic in GF(256) with the Rijndael polynomial x^8 + x^4 + x^3 + x + 1 (0x11b), and
 * Lagrange interpolation of byte vectors, as SLIP-0039 applies Shamir's scheme to each byte of a
 * secret separately. Addition and subtraction are XOR; multiplication and division go through
 * logarithm tables with the generator 3. (Table lookups are not constant-time: like the reference
 * implementation, this code is not hardened against local side-channel observation.)
 */

const EXP = new Uint8Array(255);
const LOG = new Uint8Array(256);

(() => {
  let v = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = v;
    LOG[v] = i;
    // v *= 3, i.e. v ^ xtime(v)
    const doubled = (v << 1) ^ (v & 0x80 ? 0x11b : 0);
    v = (doubled ^ v) & 0xff;
  }
})();

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a]! + LOG[b]!) % 255]!;
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(256)');
  if (a === 0) return 0;
  return EXP[(LOG[a]! - LOG[b]! + 255) % 255]!;
}

export interface Point {
  /** The x value (share index), 0..255. */
  x: number;
  /** One field element per byte of the shared secret. */
  y: Uint8Array;
}

/**
 * The value at `x` of the lowest-degree polynomials through `points` (one polynomial per byte
 * position). The x values must be pairwise distinct and the y vectors equally long.
 */
export function interpolate(x: number, points: readonly Point[]): Uint8Array {
  if (points.length === 0) throw new RangeError('interpolation needs at least one point');
  const length = points[0]!.y.length;
  const xs = new Set<number>();
  for (const p of points) {
    if (p.y.length !== length) throw new RangeError('interpolation points have different lengths');
    if (xs.has(p.x)) throw new RangeError('interpolation points repeat an x value');
    xs.add(p.x);
  }
  const hit = points.find((p) => p.x === x);
  if (hit) return Uint8Array.from(hit.y);

  const out = new Uint8Array(length);
  for (const pi of points) {
    // log of the Lagrange basis polynomial of pi evaluated at x:
    //   prod over j != i of (x - x_j) / (x_i - x_j)
    let logBasis = 0;
    for (const pj of points) {
      if (pj === pi) continue;
      logBasis += LOG[x ^ pj.x]! - LOG[pi.x ^ pj.x]!;
    }
    logBasis = ((logBasis % 255) + 255) % 255;
    for (let k = 0; k < length; k++) {
      const yk = pi.y[k]!;
      if (yk !== 0) out[k]! ^= EXP[(LOG[yk]! + logBasis) % 255]!;
    }
  }
  return out;
}
