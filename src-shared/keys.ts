import { z } from 'zod';

/** Algorithms Custos can generate. The id is what the CLI and the contract speak. */
export const ALGORITHM_IDS = [
  'ec-p256',
  'ec-p384',
  'ec-p521',
  'ed25519',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'aes-128',
  'aes-256',
  'hmac-sha256',
] as const;
export const algorithmIdSchema = z.enum(ALGORITHM_IDS);
export type AlgorithmId = z.infer<typeof algorithmIdSchema>;

export type KeyFamily = 'ec' | 'eddsa' | 'rsa' | 'aes' | 'hmac';

export interface AlgorithmInfo {
  id: AlgorithmId;
  family: KeyFamily;
  /** Bits of the modulus or key; for curves, the field size. */
  size: number;
  /** Curve name where the family has one. */
  curve: string | null;
  symmetric: boolean;
  label: string;
}

export const ALGORITHMS: Record<AlgorithmId, AlgorithmInfo> = {
  'ec-p256': { id: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', symmetric: false, label: 'EC P-256' },
  'ec-p384': { id: 'ec-p384', family: 'ec', size: 384, curve: 'P-384', symmetric: false, label: 'EC P-384' },
  'ec-p521': { id: 'ec-p521', family: 'ec', size: 521, curve: 'P-521', symmetric: false, label: 'EC P-521' },
  ed25519: { id: 'ed25519', family: 'eddsa', size: 255, curve: 'Ed25519', symmetric: false, label: 'Ed25519' },
  'rsa-2048': { id: 'rsa-2048', family: 'rsa', size: 2048, curve: null, symmetric: false, label: 'RSA 2048' },
  'rsa-3072': { id: 'rsa-3072', family: 'rsa', size: 3072, curve: null, symmetric: false, label: 'RSA 3072' },
  'rsa-4096': { id: 'rsa-4096', family: 'rsa', size: 4096, curve: null, symmetric: false, label: 'RSA 4096' },
  'aes-128': { id: 'aes-128', family: 'aes', size: 128, curve: null, symmetric: true, label: 'AES-128' },
  'aes-256': { id: 'aes-256', family: 'aes', size: 256, curve: null, symmetric: true, label: 'AES-256' },
  'hmac-sha256': { id: 'hmac-sha256', family: 'hmac', size: 256, curve: null, symmetric: true, label: 'HMAC-SHA256 key' },
};

/** The KMIP usages each family can have at all; a requested mask outside this is refused. */
export const FAMILY_USAGE: Readonly<Record<KeyFamily, number>> = {
  ec: 0x1 | 0x2 | 0x200 | 0x800 | 0x1000 | 0x2000 | 0x40,
  eddsa: 0x1 | 0x2 | 0x1000 | 0x2000 | 0x40,
  rsa: 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x1000 | 0x2000 | 0x40,
  aes: 0x4 | 0x8 | 0x10 | 0x20 | 0x80 | 0x100 | 0x200 | 0x40,
  hmac: 0x80 | 0x100 | 0x200 | 0x40,
};

/** The usage mask a key gets when nobody says otherwise (KMIP bits, see lifecycle.ts). */
export function defaultUsageMask(family: KeyFamily): number {
  switch (family) {
    case 'aes':
      return 0x4 | 0x8 | 0x10 | 0x20; // Encrypt, Decrypt, WrapKey, UnwrapKey
    case 'hmac':
      return 0x80 | 0x100; // MACGenerate, MACVerify
    default:
      return 0x1 | 0x2; // Sign, Verify
  }
}

/**
 * NIST SP 800-57 states, with KMIP's Destroyed Compromised as its own value so a destroyed key
 * keeps the fact that it was compromised.
 */
export const KEY_STATES = [
  'pre-active',
  'active',
  'suspended',
  'deactivated',
  'compromised',
  'destroyed',
  'destroyed-compromised',
] as const;
export const keyStateSchema = z.enum(KEY_STATES);
export type KeyState = z.infer<typeof keyStateSchema>;

export const KEY_STORES = ['vault', 'token', 'external'] as const;
export const keyStoreSchema = z.enum(KEY_STORES);
export type KeyStore = z.infer<typeof keyStoreSchema>;

/** Key names are labels people read; control characters would corrupt terminals and logs. */
export const keyNameSchema = z
  .string()
  .trim()
  .min(1, 'A key needs a name.')
  .max(128, 'A key name is at most 128 characters.')
  .regex(/^[^\p{Cc}]+$/u, 'A key name cannot contain control characters.');

export const keyIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'A key id is 32 lowercase hex characters.');

export const keySummarySchema = z.object({
  id: keyIdSchema,
  name: z.string(),
  algorithm: algorithmIdSchema,
  family: z.enum(['ec', 'eddsa', 'rsa', 'aes', 'hmac']),
  size: z.number().int().positive(),
  curve: z.string().nullable(),
  state: keyStateSchema,
  store: keyStoreSchema,
  version: z.number().int().positive(),
  createdAt: z.string(),
  /** SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex; asymmetric keys only. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  /** Key check value (AES-CMAC of a zero block, first 3 bytes), hex; AES keys in the vault only. */
  kcv: z.string().regex(/^[0-9a-f]{6}$/).nullable(),
  /** KMIP Cryptographic Usage Mask. */
  usageMask: z.number().int().nonnegative(),
  origin: z.enum(['generated', 'discovered', 'imported', 'unwrapped']),
  /** What the key is for (policy judges by it); null for general use. */
  purpose: z.string().nullable().optional(),
  /** Where a token key lives; null for keys in the vault. */
  token: z.object({ serial: z.string(), ckaId: z.string(), label: z.string() }).nullable(),
});
export type KeySummary = z.infer<typeof keySummarySchema>;

export const keyDetailSchema = keySummarySchema.extend({
  /** When a destruction was approved: the moment the material will be erased (cancellable until then). */
  destroyAt: z.string().nullable(),
  /** Optional limit on the number of operations; null for none. */
  maxUses: z.number().int().nullable(),
  useCount: z.number().int(),
  /** 'auto': the key rotates by itself when its cryptoperiod ends (while the vault is unlocked). */
  rotation: z.enum(['manual', 'auto']),
  activationAt: z.string().nullable(),
  /** The current version's deactivation (protect-stop) date: it stops protecting then, by itself. */
  deactivationAt: z.string().nullable(),
  /** PEM SubjectPublicKeyInfo; never any private or secret material. */
  publicKeyPem: z.string().nullable(),
  createdBy: z.string(),
});
export type KeyDetail = z.infer<typeof keyDetailSchema>;

export const KEY_SORT_FIELDS = ['name', 'algorithm', 'state', 'store', 'createdAt'] as const;
