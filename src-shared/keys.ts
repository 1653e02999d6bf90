import { z } from 'zod';

/**
 * Algorithms Custos can generate (and use). The id is what the CLI and the contract speak;
 * keys.generate, token generation and ceremony templates accept these only.
 */
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

/**
 * Algorithms the inventory holds but Custos never generates nor uses: public keys found on disk,
 * on TLS endpoints, in a CBOM or behind certificates, recorded so the weak-key analysis and the
 * policy engine can judge them (officers cannot protect keys they do not know about). They are
 * store 'external', public only. `rsa-other` carries the real modulus size in `size`; `ec-other`
 * the curve's name (or OID for an unnamed one) in `curve` and its field size in `size`.
 */
export const INVENTORY_ONLY_ALGORITHM_IDS = ['rsa-1024', 'rsa-other', 'ec-secp256k1', 'ec-other', 'dsa', 'x25519', 'x448', 'ed448'] as const;
export type InventoryOnlyAlgorithmId = (typeof INVENTORY_ONLY_ALGORITHM_IDS)[number];

/** Every algorithm a key in the inventory can have: the generated ones and the inventory-only ones. */
export const INVENTORY_ALGORITHM_IDS = [...ALGORITHM_IDS, ...INVENTORY_ONLY_ALGORITHM_IDS] as const;
export const inventoryAlgorithmIdSchema = z.enum(INVENTORY_ALGORITHM_IDS);
export type InventoryAlgorithmId = z.infer<typeof inventoryAlgorithmIdSchema>;

/** Whether keys of this algorithm can be generated and used by Custos (false for inventory-only ones). */
export function isGeneratedAlgorithm(id: string): id is AlgorithmId {
  return (ALGORITHM_IDS as readonly string[]).includes(id);
}

export type KeyFamily = 'ec' | 'eddsa' | 'rsa' | 'aes' | 'hmac';
/** Families of inventory keys: those of KeyFamily plus DSA and X25519/X448 (XDH), inventory-only. */
export const INVENTORY_KEY_FAMILIES = ['ec', 'eddsa', 'rsa', 'aes', 'hmac', 'dsa', 'xdh'] as const;
export type InventoryKeyFamily = (typeof INVENTORY_KEY_FAMILIES)[number];

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

export interface InventoryOnlyAlgorithmInfo {
  id: InventoryOnlyAlgorithmId;
  family: InventoryKeyFamily;
  /** Fixed size, or null when it is the key's own (rsa-other, ec-other, dsa). */
  size: number | null;
  curve: string | null;
  symmetric: false;
  label: string;
}

export const INVENTORY_ONLY_ALGORITHMS: Record<InventoryOnlyAlgorithmId, InventoryOnlyAlgorithmInfo> = {
  'rsa-1024': { id: 'rsa-1024', family: 'rsa', size: 1024, curve: null, symmetric: false, label: 'RSA 1024' },
  'rsa-other': { id: 'rsa-other', family: 'rsa', size: null, curve: null, symmetric: false, label: 'RSA (other size)' },
  'ec-secp256k1': { id: 'ec-secp256k1', family: 'ec', size: 256, curve: 'secp256k1', symmetric: false, label: 'EC secp256k1' },
  'ec-other': { id: 'ec-other', family: 'ec', size: null, curve: null, symmetric: false, label: 'EC (other curve)' },
  dsa: { id: 'dsa', family: 'dsa', size: null, curve: null, symmetric: false, label: 'DSA' },
  x25519: { id: 'x25519', family: 'xdh', size: 255, curve: 'X25519', symmetric: false, label: 'X25519' },
  x448: { id: 'x448', family: 'xdh', size: 448, curve: 'X448', symmetric: false, label: 'X448' },
  ed448: { id: 'ed448', family: 'eddsa', size: 448, curve: 'Ed448', symmetric: false, label: 'Ed448' },
};

/** The label of any inventory algorithm id ("RSA 1024", "EC P-256"); an unknown id as it is. */
export function inventoryAlgorithmLabel(id: string): string {
  return (ALGORITHMS as Record<string, AlgorithmInfo | undefined>)[id]?.label ?? (INVENTORY_ONLY_ALGORITHMS as Record<string, InventoryOnlyAlgorithmInfo | undefined>)[id]?.label ?? id;
}

/** The KMIP usages each family can have at all; a requested mask outside this is refused. */
export const FAMILY_USAGE: Readonly<Record<InventoryKeyFamily, number>> = {
  ec: 0x1 | 0x2 | 0x200 | 0x800 | 0x1000 | 0x2000 | 0x40,
  eddsa: 0x1 | 0x2 | 0x1000 | 0x2000 | 0x40,
  rsa: 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x1000 | 0x2000 | 0x40,
  aes: 0x4 | 0x8 | 0x10 | 0x20 | 0x80 | 0x100 | 0x200 | 0x40,
  hmac: 0x80 | 0x100 | 0x200 | 0x40,
  dsa: 0x1 | 0x2 | 0x1000 | 0x2000 | 0x40,
  xdh: 0x200 | 0x800 | 0x40,
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
  /** Any inventory algorithm: the generated ones and the inventory-only ones of imported keys. */
  algorithm: inventoryAlgorithmIdSchema,
  family: z.enum(INVENTORY_KEY_FAMILIES),
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
