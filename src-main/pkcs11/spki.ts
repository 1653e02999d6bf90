import { createPublicKey, type JsonWebKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import { CustosError } from '../errors.js';
import type { TokenAlgorithm } from './types.js';

/**
 * Public keys between PKCS#11 attributes and DER SubjectPublicKeyInfo, and ECDSA signatures between
 * the token's raw r||s and DER. DER is parsed and written with asn1js; the SPKI itself is encoded by
 * Node's OpenSSL from a JWK, so a key on a token and the same key in software get the same SPKI
 * bytes and therefore the same fingerprint.
 */

export interface CurveInfo {
  name: 'P-256' | 'P-384' | 'P-521' | 'Ed25519';
  oid: string;
  algorithm: TokenAlgorithm;
  keyType: 'ec' | 'ec-edwards';
  /** Field size in bits as Custos reports it (255 for Ed25519, as src-shared/keys.ts does). */
  size: number;
  /** Bytes of one coordinate (EC) or of the public key (Ed25519). */
  fieldBytes: number;
}

export const CURVES: readonly CurveInfo[] = [
  { name: 'P-256', oid: '1.2.840.10045.3.1.7', algorithm: 'ec-p256', keyType: 'ec', size: 256, fieldBytes: 32 },
  { name: 'P-384', oid: '1.3.132.0.34', algorithm: 'ec-p384', keyType: 'ec', size: 384, fieldBytes: 48 },
  { name: 'P-521', oid: '1.3.132.0.35', algorithm: 'ec-p521', keyType: 'ec', size: 521, fieldBytes: 66 },
  { name: 'Ed25519', oid: '1.3.101.112', algorithm: 'ed25519', keyType: 'ec-edwards', size: 255, fieldBytes: 32 },
];

export function curveByName(name: CurveInfo['name']): CurveInfo {
  return CURVES.find((c) => c.name === name)!;
}

function parseWhole(der: Uint8Array): asn1js.AsnType | null {
  const copy = new Uint8Array(der);
  const res = asn1js.fromBER(copy);
  if (res.offset === -1 || res.offset !== copy.byteLength) return null;
  return res.result;
}

/**
 * CKA_EC_PARAMS → curve. The value is DER of an ECParameters choice: a namedCurve OID, or for
 * Edwards curves (PKCS#11 3.0) also a PrintableString curve name such as "edwards25519".
 */
export function curveFromEcParams(params: Uint8Array): CurveInfo | null {
  const node = parseWhole(params);
  if (node instanceof asn1js.ObjectIdentifier) {
    const oid = node.getValue();
    return CURVES.find((c) => c.oid === oid) ?? null;
  }
  if (node instanceof asn1js.PrintableString) {
    return node.getValue() === 'edwards25519' ? curveByName('Ed25519') : null;
  }
  return null;
}

/** DER of the curve's OID, for CKA_EC_PARAMS. */
export function ecParamsOid(curve: CurveInfo): Uint8Array {
  return new Uint8Array(new asn1js.ObjectIdentifier({ value: curve.oid }).toBER());
}

/** DER PrintableString "edwards25519": the PKCS#11 3.0 curve-name form some tokens want. */
export function ecParamsEdwardsName(): Uint8Array {
  return new Uint8Array(new asn1js.PrintableString({ value: 'edwards25519' }).toBER());
}

function rawPointLength(curve: CurveInfo): number {
  return curve.keyType === 'ec-edwards' ? curve.fieldBytes : 1 + 2 * curve.fieldBytes;
}

/**
 * CKA_EC_POINT → the raw point. PKCS#11 says the value is DER of an OCTET STRING holding the point;
 * a few modules return the bare point. The expected length tells the two apart.
 */
export function ecPointFromAttribute(value: Uint8Array, curve: CurveInfo): Uint8Array {
  const rawLen = rawPointLength(curve);
  // A DER OCTET STRING around a point of rawLen bytes is at least rawLen + 2 long, so a value of
  // exactly rawLen bytes can only be the bare point.
  if (value.byteLength === rawLen && (curve.keyType === 'ec-edwards' || value[0] === 0x04)) return new Uint8Array(value);
  const node = parseWhole(value);
  if (node instanceof asn1js.OctetString) {
    const inner = new Uint8Array(node.valueBlock.valueHexView);
    if (inner.byteLength === rawLen) return inner;
  }
  throw new CustosError('E_UNSUPPORTED', `The token returned a ${curve.name} public point Custos cannot read (compressed or malformed).`);
}

/** The raw point → CKA_EC_POINT (DER OCTET STRING). */
export function ecPointAttribute(point: Uint8Array): Uint8Array {
  return new Uint8Array(new asn1js.OctetString({ valueHex: new Uint8Array(point) }).toBER());
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.byteLength - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function spkiFromJwk(jwk: JsonWebKey): Buffer {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch (e) {
    throw new CustosError('E_CRYPTO', 'The public key read from the token is not a valid key.', { cause: e });
  }
}

/** CKA_MODULUS and CKA_PUBLIC_EXPONENT → DER SPKI (rsaEncryption). */
export function spkiFromRsa(modulus: Uint8Array, publicExponent: Uint8Array): Buffer {
  return spkiFromJwk({ kty: 'RSA', n: b64u(stripLeadingZeros(modulus)), e: b64u(stripLeadingZeros(publicExponent)) });
}

/** CKA_EC_PARAMS and CKA_EC_POINT → DER SPKI (id-ecPublicKey with a named curve, or id-Ed25519). */
export function spkiFromEc(params: Uint8Array, ecPoint: Uint8Array): { spki: Buffer; curve: CurveInfo } {
  const curve = curveFromEcParams(params);
  if (!curve) throw new CustosError('E_UNSUPPORTED', 'The key on the token uses a curve Custos does not support.');
  const point = ecPointFromAttribute(ecPoint, curve);
  if (curve.keyType === 'ec-edwards') return { spki: spkiFromJwk({ kty: 'OKP', crv: 'Ed25519', x: b64u(point) }), curve };
  const n = curve.fieldBytes;
  const jwk = { kty: 'EC', crv: curve.name, x: b64u(point.subarray(1, 1 + n)), y: b64u(point.subarray(1 + n)) };
  return { spki: spkiFromJwk(jwk), curve };
}

export type PublicKeyParts =
  | { keyType: 'rsa'; modulus: Buffer; publicExponent: Buffer; bits: number }
  | { keyType: 'ec' | 'ec-edwards'; curve: CurveInfo; ecParams: Uint8Array; ecPoint: Uint8Array };

/** DER SPKI → the attributes of a PKCS#11 public key object (for recreating one beside an unwrapped private key). */
export function publicKeyPartsFromSpki(spki: Uint8Array): PublicKeyParts {
  let jwk: JsonWebKey;
  try {
    jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  } catch (e) {
    throw new CustosError('E_INPUT', 'The public key given is not a valid DER SubjectPublicKeyInfo.', { cause: e });
  }
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) {
    const modulus = Buffer.from(jwk.n, 'base64url');
    return { keyType: 'rsa', modulus, publicExponent: Buffer.from(jwk.e, 'base64url'), bits: modulus.byteLength * 8 };
  }
  if (jwk.kty === 'EC' && jwk.x && jwk.y) {
    const curve = CURVES.find((c) => c.name === jwk.crv && c.keyType === 'ec');
    if (curve) {
      const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
      return { keyType: 'ec', curve, ecParams: ecParamsOid(curve), ecPoint: ecPointAttribute(point) };
    }
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    const curve = curveByName('Ed25519');
    return { keyType: 'ec-edwards', curve, ecParams: ecParamsOid(curve), ecPoint: ecPointAttribute(Buffer.from(jwk.x, 'base64url')) };
  }
  throw new CustosError('E_UNSUPPORTED', 'The public key given is of a type Custos cannot place on a token.');
}

/** DER length octets (short form below 128, else 0x81/0x82 long form; ECDSA values stay far below 64 KiB). */
function derLength(n: number): number[] {
  return n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
}

interface DerLayout {
  half: number;
  r: { start: number; pad: number; len: number };
  s: { start: number; pad: number; len: number };
  rLen: number[];
  sLen: number[];
  seqLen: number[];
  size: number;
}

function derLayout(raw: Uint8Array): DerLayout {
  if (raw.byteLength === 0 || raw.byteLength % 2 !== 0) throw new CustosError('E_CRYPTO', 'The token returned an ECDSA signature of odd length.');
  const half = raw.byteLength / 2;
  // r and s are unsigned: drop leading zero bytes (keeping one for zero), and put one zero byte
  // before a set high bit so the INTEGER stays positive.
  const span = (from: number): { start: number; pad: number; len: number } => {
    let start = from;
    while (start < from + half - 1 && raw[start] === 0) start++;
    const pad = raw[start]! & 0x80 ? 1 : 0;
    return { start, pad, len: from + half - start + pad };
  };
  const r = span(0);
  const s = span(half);
  const rLen = derLength(r.len);
  const sLen = derLength(s.len);
  const body = 2 + rLen.length + r.len + sLen.length + s.len;
  const seqLen = derLength(body);
  return { half, r, s, rLen, sLen, seqLen, size: 1 + seqLen.length + body };
}

/** Writes the DER form at `at`, every one of its `l.size` bytes. */
function writeDer(raw: Uint8Array, l: DerLayout, out: Uint8Array, at: number): void {
  let o = at;
  out[o++] = 0x30;
  for (const b of l.seqLen) out[o++] = b;
  for (const [int, len, from] of [[l.r, l.rLen, 0], [l.s, l.sLen, l.half]] as const) {
    out[o++] = 0x02;
    for (const b of len) out[o++] = b;
    if (int.pad) out[o++] = 0;
    out.set(raw.subarray(int.start, from + l.half), o);
    o += from + l.half - int.start;
  }
}

/**
 * Raw r||s (what CKM_ECDSA returns) → DER ECDSA-Sig-Value (what openssl and X.509 use). Written
 * out by hand: it runs once per token signature, and a generic ASN.1 encoder cost more than a
 * fifth of the worker's time per ECDSA P-256 signature.
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const l = derLayout(raw);
  const out = new Uint8Array(l.size);
  writeDer(raw, l, out, 0);
  return out;
}

/**
 * A batch of raw signatures → DER, as views into one new buffer that holds nothing but these
 * signatures. One buffer per batch instead of one per signature: each is an ArrayBuffer the
 * garbage collector sweeps on its own, which at twenty thousand signatures a second lengthened the
 * main thread's pauses enough to leave the token idle.
 */
export function ecdsaRawListToDer(raws: readonly Uint8Array[]): Buffer[] {
  const layouts = raws.map(derLayout);
  const all = Buffer.alloc(layouts.reduce((n, l) => n + l.size, 0));
  const out = new Array<Buffer>(raws.length);
  let at = 0;
  for (let i = 0; i < raws.length; i++) {
    writeDer(raws[i]!, layouts[i]!, all, at);
    out[i] = all.subarray(at, at + layouts[i]!.size);
    at += layouts[i]!.size;
  }
  return out;
}

/** DER ECDSA-Sig-Value → raw r||s with each half `fieldBytes` long; null when it is not one. */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes: number): Uint8Array | null {
  const node = parseWhole(der);
  if (!(node instanceof asn1js.Sequence) || node.valueBlock.value.length !== 2) return null;
  const out = new Uint8Array(2 * fieldBytes);
  for (const [i, part] of node.valueBlock.value.entries()) {
    if (!(part instanceof asn1js.Integer)) return null;
    const v = part.toBigInt();
    if (v < 0n) return null;
    const hex = v.toString(16).padStart(2 * fieldBytes, '0');
    if (hex.length > 2 * fieldBytes) return null;
    out.set(Buffer.from(hex, 'hex'), i * fieldBytes);
  }
  return out;
}
