// The per-key checks of one public key (SPKI DER), shared by the core thread and the worker.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
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

/** RSA (size, exponent, small factors, close primes, ROCA), EC (curve, point) and Ed25519 checks. */
export function publicKeyChecks(spki: Uint8Array): KeyCheckResult {
  let jwk: JsonWebKey;
  try {
    jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
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
