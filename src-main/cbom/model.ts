// CycloneDX 1.6 CBOM: the subset Custos writes and reads, validated with zod on import.
// Field names and enumerations follow the CycloneDX 1.6 JSON schema (bom-1.6.schema.json,
// definitions cryptoProperties, algorithmProperties, certificateProperties,
// relatedCryptoMaterialProperties). Objects are loose on import: a CBOM from another tool may
// carry more than we read, and what we do not read is ignored, not refused.
import { z } from 'zod';

export const ASSET_TYPES = ['algorithm', 'certificate', 'protocol', 'related-crypto-material'] as const;
export const MATERIAL_TYPES = ['private-key', 'public-key', 'secret-key', 'key', 'ciphertext', 'signature', 'digest', 'initialization-vector', 'nonce', 'seed', 'salt', 'shared-secret', 'tag', 'additional-data', 'password', 'credential', 'token', 'other', 'unknown'] as const;
/** The key states of NIST SP 800-57 as CycloneDX 1.6 names them. */
export const MATERIAL_STATES = ['pre-activation', 'active', 'suspended', 'deactivated', 'compromised', 'destroyed'] as const;
export const PRIMITIVES = ['drbg', 'mac', 'block-cipher', 'stream-cipher', 'signature', 'hash', 'pke', 'xof', 'kdf', 'key-agree', 'kem', 'ae', 'combiner', 'other', 'unknown'] as const;

const str = (max = 4096) => z.string().max(max);
const property = z.object({ name: str(256), value: str(1_000_000).optional() }).loose();
const hash = z.object({ alg: str(32), content: str(1024) }).loose();

export const componentSchema = z
  .object({
    type: str(64),
    name: str(1024),
    'bom-ref': str(1024).optional(),
    hashes: z.array(hash).max(32).optional(),
    properties: z.array(property).max(256).optional(),
    cryptoProperties: z
      .object({
        assetType: z.enum(ASSET_TYPES),
        oid: str(256).optional(),
        algorithmProperties: z.object({ primitive: z.enum(PRIMITIVES).optional(), parameterSetIdentifier: str(64).optional(), curve: str(64).optional() }).loose().optional(),
        certificateProperties: z
          .object({ subjectName: str().optional(), issuerName: str().optional(), notValidBefore: str(64).optional(), notValidAfter: str(64).optional(), signatureAlgorithmRef: str(1024).optional(), subjectPublicKeyRef: str(1024).optional(), certificateFormat: str(64).optional() })
          .loose()
          .optional(),
        relatedCryptoMaterialProperties: z
          .object({ type: z.enum(MATERIAL_TYPES).optional(), id: str(1024).optional(), state: z.enum(MATERIAL_STATES).optional(), algorithmRef: str(1024).optional(), size: z.number().int().nonnegative().optional(), format: str(64).optional(), value: str(1_000_000).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type CbomComponent = z.infer<typeof componentSchema>;

export const MAX_COMPONENTS = 2_000_000;

export const bomSchema = z
  .object({
    bomFormat: z.literal('CycloneDX'),
    specVersion: z.enum(['1.6', '1.7']),
    serialNumber: z.string().regex(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/).optional(),
    version: z.number().int().min(1).optional(),
    metadata: z.object({}).loose().optional(),
    // Components are checked one by one on import, so one bad component does not sink the file.
    components: z.array(z.unknown()).max(MAX_COMPONENTS).default([]),
  })
  .loose();
export type Bom = z.infer<typeof bomSchema>;

/** Custos property names (CycloneDX properties are free name/value pairs; ours carry a prefix). */
export const PROP = {
  keyId: 'custos:key-id',
  state: 'custos:state',
  store: 'custos:store',
  purpose: 'custos:purpose',
  kcv: 'custos:kcv',
  spkiFingerprint: 'custos:spki-sha256',
  certificateDer: 'custos:certificate-der-base64',
  profile: 'custos:certificate-profile',
  trust: 'custos:trust',
} as const;
