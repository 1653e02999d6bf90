import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CustosError } from '../errors.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM output: the nonce kept beside the ciphertext, the tag appended to it. */
export interface Sealed {
  nonce: Buffer;
  /** ciphertext || 16-byte tag */
  box: Buffer;
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string | Uint8Array): Sealed {
  if (key.length !== 32) throw new CustosError('E_CRYPTO', 'An AES-256-GCM key must be 32 bytes.');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad);
  const box = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, box };
}

/** Returns null when the tag does not verify, so callers choose the error a person should see. */
export function open(key: Uint8Array, sealed: Sealed, aad: string | Uint8Array): Buffer | null {
  if (key.length !== 32 || sealed.nonce.length !== NONCE_BYTES || sealed.box.length < TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad);
  decipher.setAuthTag(sealed.box.subarray(sealed.box.length - TAG_BYTES));
  const head = decipher.update(sealed.box.subarray(0, sealed.box.length - TAG_BYTES));
  try {
    return Buffer.concat([head, decipher.final()]);
  } catch {
    head.fill(0);
    return null;
  }
}
