// Lehmer's gcd (D. H. Lehmer, "Euclid's algorithm for large numbers", Amer. Math. Monthly 45,
// 1938), in the form of Knuth, TAOCP vol. 2, §4.5.2, Algorithm L, for the batch GCD's leaves
// (gcd(P / n mod n, n) of 2,048-bit numbers, one per modulus): BigInt Euclid spends one BigInt
// division per quotient (about 1,200 for 2,048 bits, ~150 µs); here the quotients are found on
// the leading bits in doubles, and the big numbers are touched once per ~24 bits of progress with
// four multiplications by a single-digit cofactor.
//
// Exactness of the double arithmetic: the leading parts x̂, ŷ are below 2^50, and so are the
// cofactors (continuants of the quotients: |C|, |D| ≤ x̂ / ŷ_current), so every sum and product
// (q·C = A − C_next, q·ŷ ≤ x̂) is an integer below 2^52, exact. Math.floor of a quotient of integers below 2^50 is the
// true floor: a fraction n − ε with ε ≥ 1/b lies more than n·2^-53 below n, so rounding cannot
// reach n. Knuth's test (the quotient of (x̂ + A)/(ŷ + C) equals that of (x̂ + B)/(ŷ + D)) makes
// every quotient taken on the leading parts the true quotient of the full numbers.

/** The leading parts x̂, ŷ are kept below 2^50 (see above). */
const LEAD_BITS = 50;
/** Below 2^53 the last steps run on doubles. */
const SMALL = 1n << 53n;

/** Bit length of a non-negative integer below 2^53 held in a double. */
function numberBits(x: number): number {
  return x < 2 ** 32 ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / 2 ** 32));
}

/** Euclid on doubles (both below 2^53, so % is exact). */
function smallGcd(x: number, y: number): number {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** gcd(x, y) ≥ 0, equal to Euclid's (gcd(0, 0) = 0). */
export function lehmerGcd(x: bigint, y: bigint): bigint {
  let a = x < 0n ? -x : x;
  let b = y < 0n ? -y : y;
  if (a < b) [a, b] = [b, a];
  // An upper bound on the bit length of a (exact here; kept an upper bound below).
  let bound = a === 0n ? 0 : a.toString(16).length * 4;
  while (b >= SMALL) {
    const shift = Math.max(0, bound - LEAD_BITS);
    const big = BigInt(shift);
    let xh = Number(a >> big);
    let yh = Number(b >> big);
    // Knuth's steps L2–L3 on the leading parts; (A B; C D) maps (a, b) to the new pair.
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    for (;;) {
      if (yh + C === 0 || yh + D === 0) break;
      const q = Math.floor((xh + A) / (yh + C));
      if (q !== Math.floor((xh + B) / (yh + D))) break;
      let t = A - q * C;
      A = C;
      C = t;
      t = B - q * D;
      B = D;
      D = t;
      t = xh - q * yh;
      xh = yh;
      yh = t;
    }
    if (B === 0) {
      // No quotient could be decided on the leading parts (b much shorter than a): one full step.
      [a, b] = [b, a % b];
      bound = a.toString(16).length * 4; // rare (a huge quotient): measure again
      continue;
    }
    const na = BigInt(A) * a + BigInt(B) * b;
    b = BigInt(C) * a + BigInt(D) * b;
    a = na;
    // a = (A·x̂0 + B·ŷ0)·2^shift + (A·a_low + B·b_low), and the first term is x̂·2^shift, so
    // a < (x̂ + |A| + |B|)·2^shift: a new upper bound on its bit length.
    bound = shift + numberBits(xh + Math.abs(A) + Math.abs(B));
  }
  if (b === 0n) return a;
  return BigInt(smallGcd(Number(b), Number(a % b)));
}
