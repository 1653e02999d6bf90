import { z } from 'zod';

/** KMIP Cryptographic Usage Mask bits. */
export const KMIP_USAGE = {
  Sign: 0x1,
  Verify: 0x2,
  Encrypt: 0x4,
  Decrypt: 0x8,
  WrapKey: 0x10,
  UnwrapKey: 0x20,
  Export: 0x40,
  MACGenerate: 0x80,
  MACVerify: 0x100,
  DeriveKey: 0x200,
  KeyAgreement: 0x800,
  CertificateSign: 0x1000,
  CRLSign: 0x2000,
} as const;
export type KmipUsageName = keyof typeof KMIP_USAGE;
export const KMIP_USAGE_ALL = Object.values(KMIP_USAGE).reduce((a, b) => a | b, 0);
export const usageMaskSchema = z
  .number()
  .int()
  .min(1, 'A key needs at least one usage.')
  .refine((m) => (m & ~KMIP_USAGE_ALL) === 0, 'The usage mask has bits that are not KMIP usages.');

export function usageNames(mask: number): KmipUsageName[] {
  return (Object.keys(KMIP_USAGE) as KmipUsageName[]).filter((n) => (mask & KMIP_USAGE[n]) !== 0);
}

/** KMIP Revocation Reason Codes. */
export const REVOCATION_REASONS = {
  unspecified: 1,
  'key-compromise': 2,
  'ca-compromise': 3,
  'affiliation-changed': 4,
  superseded: 5,
  'cessation-of-operation': 6,
  'privilege-withdrawn': 7,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;
export const revocationReasonSchema = z.enum(Object.keys(REVOCATION_REASONS) as [RevocationReason, ...RevocationReason[]]);

/** Manual lifecycle actions a person can take on a key version. */
export const LIFECYCLE_ACTIONS = ['activate', 'suspend', 'resume', 'deactivate', 'revoke'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/** What a key may be used for: "protect" applies protection (sign, encrypt, wrap, MAC); "process" uses it (verify, decrypt, unwrap). */
export const OPERATIONS = ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'mac-generate', 'mac-verify'] as const;
export type KeyOperation = (typeof OPERATIONS)[number];
