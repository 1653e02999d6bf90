import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { ALGORITHMS, type AlgorithmId } from '../../src-shared/keys.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const CURVE_NAMES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/** Freshly generated software key material. The caller seals `secret` and wipes it. */
export interface GeneratedKey {
  /** DER SubjectPublicKeyInfo for asymmetric keys. */
  spki: Buffer | null;
  /** PKCS#8 DER for asymmetric keys, raw bytes for symmetric ones. */
  secret: Buffer;
  purpose: 'private-pkcs8' | 'secret';
}

function exportPair(pair: { publicKey: KeyObject; privateKey: KeyObject }): GeneratedKey {
  return {
    spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
    secret: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
    purpose: 'private-pkcs8',
  };
}

/**
 * Generates a key in software with Node's OpenSSL. Asymmetric generation runs on libuv's thread
 * pool (RSA-4096 takes seconds), so the main thread stays responsive.
 */
export async function generateSoftwareKey(algorithm: AlgorithmId): Promise<GeneratedKey> {
  const info = ALGORITHMS[algorithm];
  switch (info.family) {
    case 'aes':
    case 'hmac':
      return { spki: null, secret: randomBytes(info.size / 8), purpose: 'secret' };
    case 'ec':
      return exportPair(await generateKeyPairAsync('ec', { namedCurve: CURVE_NAMES[info.curve ?? ''] ?? 'prime256v1' }));
    case 'eddsa':
      return exportPair(await generateKeyPairAsync('ed25519'));
    case 'rsa':
      return exportPair(await generateKeyPairAsync('rsa', { modulusLength: info.size, publicExponent: 0x10001 }));
  }
}
