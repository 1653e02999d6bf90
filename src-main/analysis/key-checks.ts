// The per-key checks of one public key (SPKI DER), shared by the core thread and the worker.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { checkCurveAllowed, checkEcPublicPoint, checkEd25519PublicKey } from './ec-checks.js';
import type { AnalysisFinding } from './findings.js';
import { checkRoca } from './roca.js';
import { checkRsaPublicKey } from './rsa-checks.js';

const b64u = (s: string) => Buffer.from(s, 'base64url');
const toBig = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);

export interface KeyCheckResult {
  findings: AnalysisFinding[];
  /** The RSA modulus, for the batch GCD across keys; null for other key types. */
  modulus: bigint | null;
}

/** Curves Node exports as JWK; any other named or explicit curve is judged by name alone. */
const JWK_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'secp256k1']);

/**
 * DSA: FIPS 186-5 (2023) no longer approves DSA for generating signatures (verifying existing
 * ones only), and SP 800-131A r2 §3 disallows it below a 2048-bit p.
 */
function checkDsa(bits: number): AnalysisFinding[] {
  if (bits < 2048) return [{ check: 'dsa', severity: 'error', message: `DSA with a ${bits}-bit p is disallowed (SP 800-131A r2); replace it with an ECDSA or EdDSA key.` }];
  return [{ check: 'dsa', severity: 'warning', message: 'DSA is no longer approved for generating signatures (FIPS 186-5); keep it only to verify existing signatures and replace it.' }];
}

/** RSA (size, exponent, small factors, close primes, ROCA), EC (curve, point), Ed25519 and DSA checks. */
export function publicKeyChecks(spki: Uint8Array): KeyCheckResult {
  let key: KeyObject;
  let jwk: JsonWebKey;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return { findings: [{ check: 'key-unreadable', severity: 'warning', message: 'The stored public key could not be read, so it was not checked.' }], modulus: null };
  }
  // Keys JWK cannot express, held in the inventory as imported public keys (inventory-only algorithms).
  if (key.asymmetricKeyType === 'dsa') return { findings: checkDsa(key.asymmetricKeyDetails?.modulusLength ?? 0), modulus: null };
  if (key.asymmetricKeyType === 'ec' && !JWK_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) {
    return { findings: checkCurveAllowed(key.asymmetricKeyDetails?.namedCurve ?? 'with explicit parameters'), modulus: null };
  }
  try {
    jwk = key.export({ format: 'jwk' });
  } catch {
    return { findings: [{ check: 'key-unreadable', severity: 'warning', message: 'The stored public key could not be read, so it was not checked.' }], modulus: null };
  }
  if (jwk.kty === 'RSA') {
    const n = toBig(b64u(jwk.n!));
    return { findings: [...checkRsaPublicKey(n, toBig(b64u(jwk.e!))), ...checkRoca(n)], modulus: n };
  }
  if (jwk.kty === 'EC') {
    const curve = jwk.crv ?? 'unknown';
    const allowed = checkCurveAllowed(curve);
    if (allowed.length) return { findings: allowed, modulus: null };
    return { findings: checkEcPublicPoint(curve as 'P-256' | 'P-384' | 'P-521', Buffer.concat([Buffer.from([4]), b64u(jwk.x!), b64u(jwk.y!)])), modulus: null };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { findings: checkEd25519PublicKey(b64u(jwk.x!)), modulus: null };
  if (jwk.kty === 'OKP') return { findings: checkCurveAllowed(jwk.crv ?? 'unknown'), modulus: null };
  return { findings: [], modulus: null };
}
