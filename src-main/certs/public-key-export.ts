import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { CustosError } from '../errors.js';
import { spkiToPem } from '../keys/identity.js';

/**
 * Public-key export from a DER SubjectPublicKeyInfo: PEM, JWK and an OpenSSH public-key line.
 * Pure functions: nothing here sees private material. Node's OpenSSL parses the SPKI and gives the
 * JWK members; only the SSH wire encoding (RFC 4251 strings and mpints) is written by hand.
 */

type PublicKeyKind =
  | { kind: 'rsa'; n: Buffer; e: Buffer }
  | { kind: 'ec'; curve: 'P-256' | 'P-384' | 'P-521'; x: Buffer; y: Buffer }
  | { kind: 'ed25519'; x: Buffer };

const EC_FIELD_BYTES = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;
const SSH_CURVE = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' } as const;

function parseSpki(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CustosError('E_INPUT', 'The public key is not a valid DER SubjectPublicKeyInfo.', { cause: e });
  }
}

/** The public key as a JWK, straight from Node's OpenSSL (RFC 7518 §6.2/6.3, RFC 8037 §2). */
function nodeJwk(key: KeyObject): JsonWebKey {
  try {
    return key.export({ format: 'jwk' });
  } catch (e) {
    throw new CustosError('E_UNSUPPORTED', `A ${key.asymmetricKeyType ?? 'unknown'} public key cannot be exported as a JWK.`, { cause: e });
  }
}

function classify(spki: Uint8Array): { key: KeyObject; jwk: JsonWebKey; parts: PublicKeyKind } {
  const key = parseSpki(spki);
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec' && type !== 'ed25519') {
    throw new CustosError('E_UNSUPPORTED', `Custos exports RSA, EC (P-256, P-384, P-521) and Ed25519 public keys, not ${type ?? 'this kind of key'}.`);
  }
  const jwk = nodeJwk(key);
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) {
    return { key, jwk, parts: { kind: 'rsa', n: Buffer.from(jwk.n, 'base64url'), e: Buffer.from(jwk.e, 'base64url') } };
  }
  if (jwk.kty === 'EC' && jwk.x && jwk.y && (jwk.crv === 'P-256' || jwk.crv === 'P-384' || jwk.crv === 'P-521')) {
    return { key, jwk, parts: { kind: 'ec', curve: jwk.crv, x: Buffer.from(jwk.x, 'base64url'), y: Buffer.from(jwk.y, 'base64url') } };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    return { key, jwk, parts: { kind: 'ed25519', x: Buffer.from(jwk.x, 'base64url') } };
  }
  throw new CustosError('E_UNSUPPORTED', 'Custos exports EC public keys on P-256, P-384 and P-521 only.');
}

/** PEM "PUBLIC KEY" (RFC 7468 §13) of exactly these SPKI bytes, after checking they are a key. */
export function toPem(spki: Uint8Array): string {
  parseSpki(spki);
  return spkiToPem(spki);
}

export interface JwkExportOptions {
  /**
   * Add `kid` = base64url(SHA-256(DER SPKI)): the same digest as the Custos fingerprint (shown in
   * hex), so a JWK found elsewhere maps back to the inventory, and an auditor can recompute it with
   * openssl. Default true. (Not the RFC 7638 thumbprint, which hashes the JWK members.)
   */
  kid?: boolean;
}

export type PublicJwk = JsonWebKey & { kty: 'RSA' | 'EC' | 'OKP'; kid?: string };

/**
 * The public key as a JWK: RSA {kty, n, e} (RFC 7518 §6.3.1), EC {kty, crv, x, y} (RFC 7518
 * §6.2.1), Ed25519 {kty: "OKP", crv, x} (RFC 8037 §2). No `alg`, `use` or `key_ops`: one key may
 * serve several mechanisms, and the usage mask is enforced by Custos, not by the JWK's reader.
 */
export function toJwk(spki: Uint8Array, options: JwkExportOptions = {}): PublicJwk {
  const { jwk } = classify(spki);
  const out = { ...jwk } as PublicJwk;
  if (options.kid !== false) out.kid = jwkKeyId(spki);
  return out;
}

/** base64url(SHA-256(DER SPKI)) — the `kid` toJwk writes. */
export function jwkKeyId(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('base64url');
}

// --- SSH wire format (RFC 4251 §5) -------------------------------------------------------------

/** uint32 length + bytes. */
export function sshString(bytes: Uint8Array | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.byteLength);
  return Buffer.concat([len, body]);
}

/**
 * mpint of a non-negative integer given as unsigned big-endian bytes: two's complement, minimal
 * length, a zero byte in front when the high bit is set, and zero as the empty string.
 */
export function sshMpint(unsigned: Uint8Array): Buffer {
  let i = 0;
  while (i < unsigned.byteLength && unsigned[i] === 0) i++;
  let body = Buffer.from(unsigned.subarray(i));
  if (body.byteLength > 0 && body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return sshString(body);
}

function leftPad(b: Buffer, length: number): Buffer {
  if (b.byteLength > length) throw new CustosError('E_INPUT', 'An EC coordinate is longer than its curve allows.');
  return b.byteLength === length ? b : Buffer.concat([Buffer.alloc(length - b.byteLength), b]);
}

/** The SSH public-key blob and its algorithm name (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). */
export function toSshBlob(spki: Uint8Array): { type: string; blob: Buffer } {
  const { parts } = classify(spki);
  switch (parts.kind) {
    case 'rsa':
      return { type: 'ssh-rsa', blob: Buffer.concat([sshString('ssh-rsa'), sshMpint(parts.e), sshMpint(parts.n)]) };
    case 'ec': {
      const n = EC_FIELD_BYTES[parts.curve];
      const id = SSH_CURVE[parts.curve];
      const type = `ecdsa-sha2-${id}`;
      const q = Buffer.concat([Buffer.from([0x04]), leftPad(parts.x, n), leftPad(parts.y, n)]);
      return { type, blob: Buffer.concat([sshString(type), sshString(id), sshString(q)]) };
    }
    case 'ed25519':
      return { type: 'ssh-ed25519', blob: Buffer.concat([sshString('ssh-ed25519'), sshString(parts.x)]) };
  }
}

/**
 * One authorized_keys / .pub line: "<type> <base64 blob>[ <comment>]". The comment is free text
 * but a single line: control characters (newlines above all, which would smuggle a second key
 * into authorized_keys) are refused.
 */
export function toOpenSsh(spki: Uint8Array, comment?: string): string {
  const c = (comment ?? '').trim();
  if (/\p{Cc}/u.test(c)) throw new CustosError('E_INPUT', 'An OpenSSH key comment must be one line without control characters.');
  const { type, blob } = toSshBlob(spki);
  return c ? `${type} ${blob.toString('base64')} ${c}` : `${type} ${blob.toString('base64')}`;
}

/** The OpenSSH fingerprint `ssh-keygen -l` prints: "SHA256:" + unpadded base64 of SHA-256(blob). */
export function sshFingerprint(spki: Uint8Array): string {
  const { blob } = toSshBlob(spki);
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
