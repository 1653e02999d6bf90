import { constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify } from 'node:crypto';
import type { SignMechanismId } from '../../src-shared/contract.js';

const HASH: Record<SignMechanismId, string | null> = {
  'rsa-pkcs1-sha256': 'sha256',
  'rsa-pss-sha256': 'sha256',
  'ecdsa-sha256': 'sha256',
  'ecdsa-sha384': 'sha384',
  'ecdsa-sha512': 'sha512',
  eddsa: null,
  'hmac-sha256': 'sha256',
};

function options(mechanism: SignMechanismId): { padding?: number; saltLength?: number; dsaEncoding?: 'der' } {
  if (mechanism === 'rsa-pss-sha256') return { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  if (mechanism.startsWith('ecdsa')) return { dsaEncoding: 'der' };
  return {};
}

/**
 * Signs with key material held in the vault (PKCS#8 DER, or the raw HMAC secret). ECDSA
 * signatures are DER, RSA-PSS uses MGF1-SHA-256 with a 32-byte salt: what openssl expects.
 */
export function softwareSign(mechanism: SignMechanismId, material: Buffer, data: Buffer): Buffer {
  if (mechanism === 'hmac-sha256') return createHmac('sha256', material).update(data).digest();
  const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
  return sign(HASH[mechanism], data, { key, ...options(mechanism) });
}

/** Verifies with the public key alone (asymmetric) — no private material is opened. */
export function softwareVerify(mechanism: SignMechanismId, spki: Buffer, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  try {
    return verify(HASH[mechanism], data, { key, ...options(mechanism) }, signature);
  } catch {
    return false;
  }
}

export function hmacVerify(secret: Buffer, data: Buffer, mac: Buffer): boolean {
  const want = createHmac('sha256', secret).update(data).digest();
  return mac.length === want.length && timingSafeEqual(mac, want);
}
