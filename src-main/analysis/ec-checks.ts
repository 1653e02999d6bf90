// Elliptic-curve public key checks.
//
// - Allowlist: P-256, P-384, P-521 (NIST FIPS 186-5 / SP 800-186) and Ed25519 (RFC 8032); any
//   other curve is an error.
// - Short Weierstrass curves: public key validation of SEC 1 v2 section 3.2.2.1 and NIST
//   SP 800-56A Rev. 3 section 5.6.2.3.3 (full validation): Q is not the point at infinity, its
//   coordinates are in [0, p - 1], y^2 = x^3 + a x + b (mod p), and n Q = O. The NIST curves have
//   cofactor 1, so the last step can only fail for a point that is not on the curve, but it is the
//   published procedure and cheap, so it runs. Invalid points enable invalid-curve attacks
//   (Biehl, Meyer, Mueller, CRYPTO 2000; Jager, Schwenk, Somorovsky, ESORICS 2015).
//   Curve parameters are the published constants (SEC 2 v2 section 2.4-2.6, FIPS 186-5 / SP 800-186
//   section 3.2.1).
// - Ed25519: decoding per RFC 8032 section 5.1.3 (y < p, x recovered by a square root, x = 0 with
//   sign bit 1 rejected), then a small-order test ([8]A = identity is an error, as such keys let
//   one signature verify for many messages), and a prime-order-subgroup test ([L]A = identity; a
//   point with a torsion component is a warning, since RFC 8032 verifiers accept it but strict
//   ones such as ZIP 215 consumers must treat it with care). Arithmetic in extended twisted
//   Edwards coordinates with the complete addition law of RFC 8032 section 5.1.4 (Hisil, Wong,
//   Carter, Dawson, ASIACRYPT 2008).
import { bitLength, bytesToBigInt, mod, modInverse, modPow } from './bigint-math.js';
import type { AnalysisFinding } from './findings.js';

export type WeierstrassCurveName = 'P-256' | 'P-384' | 'P-521';
export type AllowedCurveName = WeierstrassCurveName | 'Ed25519';

interface WeierstrassCurve {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  /** Field element size in bytes. */
  size: number;
}

const h = (s: string) => BigInt(`0x${s}`);

export const CURVES: Record<WeierstrassCurveName, WeierstrassCurve> = {
  'P-256': {
    p: h('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
    a: h('ffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
    b: h('5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
    n: h('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    size: 32,
  },
  'P-384': {
    p: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff'),
    a: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc'),
    b: h('b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef'),
    n: h('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
    size: 48,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    a: (1n << 521n) - 4n,
    b: h('0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00'),
    n: h('01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409'),
    size: 66,
  },
};

const ALIASES: Record<string, AllowedCurveName> = {
  'p-256': 'P-256', p256: 'P-256', prime256v1: 'P-256', secp256r1: 'P-256', '1.2.840.10045.3.1.7': 'P-256',
  'p-384': 'P-384', p384: 'P-384', secp384r1: 'P-384', '1.3.132.0.34': 'P-384',
  'p-521': 'P-521', p521: 'P-521', secp521r1: 'P-521', '1.3.132.0.35': 'P-521',
  ed25519: 'Ed25519', '1.3.101.112': 'Ed25519',
};

/** The allowlisted curve a name (JOSE, OpenSSL/SEC 2, or OID) stands for, or null. */
export function normalizeCurveName(name: string): AllowedCurveName | null {
  return ALIASES[name.trim().toLowerCase()] ?? null;
}

export function checkCurveAllowed(name: string): AnalysisFinding[] {
  if (normalizeCurveName(name)) return [];
  return [{ check: 'ec-curve', severity: 'error', message: `The curve ${name} is not allowed; use P-256, P-384, P-521 or Ed25519.` }];
}

// Jacobian coordinates (X, Y, Z) for x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity.
// Formulas: Cohen, Miyaji, Ono (ASIACRYPT 1998), as in the Explicit-Formulas Database.
type Jacobian = [bigint, bigint, bigint];

function jDouble(c: WeierstrassCurve, [X, Y, Z]: Jacobian): Jacobian {
  const { p, a } = c;
  if (Z === 0n || Y === 0n) return [1n, 1n, 0n];
  const XX = (X * X) % p;
  const YY = (Y * Y) % p;
  const ZZ = (Z * Z) % p;
  const S = (4n * X * YY) % p;
  const M = (3n * XX + a * ((ZZ * ZZ) % p)) % p;
  const X3 = mod(M * M - 2n * S, p);
  const Y3 = mod(M * (S - X3) - 8n * ((YY * YY) % p), p);
  const Z3 = (2n * Y * Z) % p;
  return [X3, Y3, Z3];
}

function jAdd(c: WeierstrassCurve, P: Jacobian, Q: Jacobian): Jacobian {
  const { p } = c;
  const [X1, Y1, Z1] = P;
  const [X2, Y2, Z2] = Q;
  if (Z1 === 0n) return Q;
  if (Z2 === 0n) return P;
  const Z1Z1 = (Z1 * Z1) % p;
  const Z2Z2 = (Z2 * Z2) % p;
  const U1 = (X1 * Z2Z2) % p;
  const U2 = (X2 * Z1Z1) % p;
  const S1 = (Y1 * Z2 * Z2Z2) % p;
  const S2 = (Y2 * Z1 * Z1Z1) % p;
  const H = mod(U2 - U1, p);
  const r = mod(S2 - S1, p);
  if (H === 0n) return r === 0n ? jDouble(c, P) : [1n, 1n, 0n];
  const HH = (H * H) % p;
  const HHH = (H * HH) % p;
  const V = (U1 * HH) % p;
  const X3 = mod(r * r - HHH - 2n * V, p);
  const Y3 = mod(r * (V - X3) - S1 * HHH, p);
  const Z3 = (Z1 * Z2 * H) % p;
  return [X3, Y3, Z3];
}

/** Width-4 NAF of k ≥ 0, least significant digit first: digits 0, ±1, ±3, ±5, ±7, no two non-zero within 4. */
function wnaf(k: bigint): Int8Array {
  const out: number[] = [];
  while (k > 0n) {
    let d = 0;
    if (k & 1n) {
      d = Number(k & 15n);
      if (d >= 8) d -= 16;
      k -= BigInt(d);
    }
    out.push(d);
    k >>= 1n;
  }
  return Int8Array.from(out);
}

/** The NAF of each curve's order, the scalar of every public key validation (computed once). */
const ORDER_NAF = new Map<WeierstrassCurve, Int8Array>();

/**
 * k·P by a width-4 NAF (Solinas 2000; Hankerson, Menezes, Vanstone, Guide to ECC, Alg. 3.36):
 * the same doublings as double-and-add, but one addition per ~5 bits instead of one per set bit,
 * with P, 3P, 5P, 7P precomputed (negation is free). The group orders of the NIST curves are
 * mostly ones, so n·Q needs about 55 additions instead of about 190. Exact: same point as
 * double-and-add, including O (Z = 0).
 */
function jMultiply(c: WeierstrassCurve, P: Jacobian, k: bigint): Jacobian {
  let digits = k === c.n ? ORDER_NAF.get(c) : undefined;
  if (!digits) {
    digits = wnaf(k);
    if (k === c.n) ORDER_NAF.set(c, digits);
  }
  const P2 = jDouble(c, P);
  const odd: Jacobian[] = [P];
  for (let i = 1; i < 4; i++) odd.push(jAdd(c, odd[i - 1]!, P2));
  let R: Jacobian = [1n, 1n, 0n];
  for (let i = digits.length - 1; i >= 0; i--) {
    R = jDouble(c, R);
    const d = digits[i]!;
    if (d > 0) R = jAdd(c, R, odd[(d - 1) >> 1]!);
    else if (d < 0) {
      const [X, Y, Z] = odd[(-d - 1) >> 1]!;
      R = jAdd(c, R, [X, Y === 0n ? 0n : c.p - Y, Z]);
    }
  }
  return R;
}

/** k (x, y) in affine coordinates, or null for the point at infinity (exported for tests and tools). */
export function multiplyPoint(curve: WeierstrassCurveName, x: bigint, y: bigint, k: bigint): { x: bigint; y: bigint } | null {
  const c = CURVES[curve];
  const [X, Y, Z] = jMultiply(c, [x, y, 1n], k);
  if (Z === 0n) return null;
  const zInv = modInverse(Z, c.p);
  const zInv2 = (zInv * zInv) % c.p;
  return { x: (X * zInv2) % c.p, y: (((Y * zInv2) % c.p) * zInv) % c.p };
}

/** True when (x, y) satisfies y^2 = x^3 + a x + b over the curve's field. */
export function isOnCurve(curve: WeierstrassCurveName, x: bigint, y: bigint): boolean {
  const { p, a, b } = CURVES[curve];
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return (y * y) % p === (((x * x) % p) * x + a * x + b) % p;
}

/**
 * Full public key validation of an uncompressed SEC 1 point (0x04 || X || Y) on a NIST curve.
 * The point at infinity (a single 0x00 byte) and compressed forms are rejected.
 */
export function checkEcPublicPoint(curve: WeierstrassCurveName, point: Uint8Array): AnalysisFinding[] {
  const c = CURVES[curve];
  const bad = (message: string): AnalysisFinding[] => [{ check: 'ec-point', severity: 'error', message }];
  if (point.length === 1 && point[0] === 0) return bad('The public key is the point at infinity.');
  if (point.length !== 1 + 2 * c.size || point[0] !== 0x04) return bad(`The public key is not an uncompressed ${curve} point.`);
  const x = bytesToBigInt(point.subarray(1, 1 + c.size));
  const y = bytesToBigInt(point.subarray(1 + c.size));
  if (x >= c.p || y >= c.p) return bad('A coordinate of the public point is not below the field prime.');
  if (!isOnCurve(curve, x, y)) return bad(`The public point is not on ${curve}.`);
  if (jMultiply(c, [x, y, 1n], c.n)[2] !== 0n) return bad(`The public point is not in the prime-order subgroup of ${curve}.`);
  return [];
}

// ---- Ed25519 (RFC 8032) ----
const ED_P = (1n << 255n) - 19n;
const ED_D = mod(-121665n * modInverse(121666n, ED_P), ED_P);
/** Order of the prime-order subgroup (RFC 8032 section 5.1: L = 2^252 + 27742317777372353535851937790883648493). */
export const ED_L = (1n << 252n) + 27742317777372353535851937790883648493n;
const SQRT_M1 = modPow(2n, (ED_P - 1n) / 4n, ED_P);

type Extended = [bigint, bigint, bigint, bigint];
const ED_IDENTITY: Extended = [0n, 1n, 1n, 0n];

function edAdd([X1, Y1, Z1, T1]: Extended, [X2, Y2, Z2, T2]: Extended): Extended {
  const p = ED_P;
  const A = mod((Y1 - X1) * (Y2 - X2), p);
  const B = mod((Y1 + X1) * (Y2 + X2), p);
  const C = mod(T1 * 2n * ED_D * T2, p);
  const D = mod(Z1 * 2n * Z2, p);
  const E = B - A;
  const F = D - C;
  const G = D + C;
  const H = B + A;
  return [mod(E * F, p), mod(G * H, p), mod(F * G, p), mod(E * H, p)];
}

function edMultiply(P: Extended, k: bigint): Extended {
  let R = ED_IDENTITY;
  for (let i = bitLength(k) - 1; i >= 0; i--) {
    R = edAdd(R, R);
    if ((k >> BigInt(i)) & 1n) R = edAdd(R, P);
  }
  return R;
}

function edIsIdentity([X, Y, Z]: Extended): boolean {
  return X === 0n && mod(Y - Z, ED_P) === 0n;
}

/** Decodes a 32-byte Ed25519 public key to affine (x, y), or null when it is not a curve point. */
export function decodeEd25519Point(bytes: Uint8Array): { x: bigint; y: bigint } | null {
  if (bytes.length !== 32) return null;
  const le = Uint8Array.from(bytes).reverse();
  const sign = (le[0]! & 0x80) !== 0 ? 1n : 0n;
  le[0]! &= 0x7f;
  const y = bytesToBigInt(le);
  if (y >= ED_P) return null;
  const yy = (y * y) % ED_P;
  const u = mod(yy - 1n, ED_P);
  const v = mod(ED_D * yy + 1n, ED_P);
  // x = u v^3 (u v^7)^((p - 5) / 8), then fix up by sqrt(-1) (RFC 8032 section 5.1.3 step 3).
  const v3 = (v * v * v) % ED_P;
  const v7 = (v3 * v3 * v) % ED_P;
  let x = (u * v3 * modPow(u * v7, (ED_P - 5n) / 8n, ED_P)) % ED_P;
  const vxx = (v * x * x) % ED_P;
  if (vxx === u) {
    // x is a root
  } else if (vxx === mod(-u, ED_P)) {
    x = (x * SQRT_M1) % ED_P;
  } else {
    return null;
  }
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = ED_P - x;
  return { x, y };
}

export function checkEd25519PublicKey(bytes: Uint8Array): AnalysisFinding[] {
  const pt = decodeEd25519Point(bytes);
  if (!pt) return [{ check: 'ed25519-point', severity: 'error', message: 'The Ed25519 public key does not decode to a point on the curve.' }];
  const P: Extended = [pt.x, pt.y, 1n, (pt.x * pt.y) % ED_P];
  if (edIsIdentity(edMultiply(P, 8n))) {
    return [{ check: 'ed25519-small-order', severity: 'error', message: 'The Ed25519 public key is a point of small order: signatures under it prove nothing.' }];
  }
  if (!edIsIdentity(edMultiply(P, ED_L))) {
    return [{ check: 'ed25519-torsion', severity: 'warning', message: 'The Ed25519 public key has a small-order component (it is not in the prime-order subgroup).' }];
  }
  return [];
}
