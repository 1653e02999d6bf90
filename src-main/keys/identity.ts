import { createHash } from 'node:crypto';

/** SHA-256 over the DER SubjectPublicKeyInfo, lowercase hex: the fingerprint used across Custos. */
export function spkiFingerprint(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

export function spkiToPem(spki: Uint8Array): string {
  const b64 = Buffer.from(spki).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
