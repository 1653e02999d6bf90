import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The audit signing key: Ed25519, its 32-byte seed derived from the audit key (so it is never
 * stored), its public half exported with every bundle. Checkpoints sign a short text statement
 * that an auditor can read, and verify with openssl alone:
 *   openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin -in NNN.txt -sigfile NNN.sig
 */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function signingKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('An Ed25519 seed is 32 bytes.');
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

export function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** SHA-256 of the DER SubjectPublicKeyInfo, hex — what an auditor compares out of band. */
export function publicKeyFingerprint(pem: string): string {
  return createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex');
}

export interface CheckpointBody {
  vaultId: string;
  seq: number;
  hash: string;
  time: string;
}

export function checkpointStatement(c: CheckpointBody): Buffer {
  return Buffer.from(`custos-audit-checkpoint/v1\nvault ${c.vaultId}\nseq ${c.seq}\nhash ${c.hash}\ntime ${c.time}\n`, 'utf8');
}

export function signBytes(privateKey: KeyObject, data: Uint8Array): Buffer {
  return sign(null, data, privateKey);
}

export function verifyBytes(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}
