import { constants, createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { CustosError } from '../errors.js';

export type CipherMechanismId = 'aes-gcm' | 'rsa-oaep-sha256' | 'rsa-oaep-sha1';

/** AES-GCM with a random 96-bit IV; the output is ciphertext followed by the 16-byte tag. */
export function aesGcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer | null): { ciphertext: Buffer; iv: Buffer } {
  const iv = randomBytes(12);
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, iv);
  if (aad) c.setAAD(aad);
  return { ciphertext: Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]), iv };
}

export function aesGcmDecrypt(key: Buffer, ciphertext: Buffer, iv: Buffer, aad: Buffer | null): Buffer {
  if (ciphertext.length < 16 || iv.length !== 12) throw new CustosError('E_INPUT', 'AES-GCM input needs a 12-byte IV and at least the 16-byte tag.');
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, iv);
  if (aad) d.setAAD(aad);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  try {
    return Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]);
  } catch {
    throw new CustosError('E_CRYPTO', 'Decryption failed: the ciphertext, IV or associated data was altered, or this is not the key it was encrypted with.');
  }
}

const oaepHash = (m: CipherMechanismId) => (m === 'rsa-oaep-sha1' ? 'sha1' : 'sha256');

export function rsaOaepEncrypt(spki: Buffer, plaintext: Buffer, mechanism: CipherMechanismId): Buffer {
  return publicEncrypt({ key: createPublicKey({ key: spki, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(mechanism) }, plaintext);
}

export function rsaOaepDecrypt(pkcs8: Buffer, ciphertext: Buffer, mechanism: CipherMechanismId): Buffer {
  try {
    return privateDecrypt({ key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(mechanism) }, ciphertext);
  } catch {
    throw new CustosError('E_CRYPTO', 'Decryption failed: the ciphertext was altered or was not made for this key.');
  }
}
