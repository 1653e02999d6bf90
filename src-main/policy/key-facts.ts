import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';
import type { KeyState } from '../../src-shared/keys.js';
import { KEY_TYPES, type KeyType } from './model.js';

/**
 * Facts derived from a key's attributes (never from its dates): SP 800-57 key types, security
 * strength, bound digest, whether it can still apply protection. Computed once per group of keys
 * that share the same attributes.
 */

/** Usages that apply protection (SP 800-57's originator usage). */
export const PROTECT_USAGE = U.Sign | U.Encrypt | U.WrapKey | U.MACGenerate | U.CertificateSign | U.CRLSign | U.DeriveKey | U.KeyAgreement;
/** Usages that only process already-protected data (recipient usage). */
export const PROCESS_USAGE = U.Verify | U.Decrypt | U.UnwrapKey | U.MACVerify;

const SIGNING = U.Sign | U.CertificateSign | U.CRLSign;
const TRANSPORT = U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey;
const AGREEMENT = U.KeyAgreement | U.DeriveKey;

/** States in which a key may apply protection now or after a transition (activate, resume). */
export const PROTECT_STATES: ReadonlySet<KeyState> = new Set<KeyState>(['pre-active', 'active', 'suspended']);
/** States a rule looks at unless it names its own: everything not destroyed and not compromised. */
export const DEFAULT_STATES: readonly KeyState[] = ['pre-active', 'active', 'suspended', 'deactivated'];

const SYMMETRIC = new Set(['aes', 'tdes', 'hmac']);
const SIGNATURE_FAMILIES = new Set(['rsa', 'ec', 'eddsa', 'dsa', 'ml-dsa', 'slh-dsa', 'lms', 'xmss']);
const TRANSPORT_FAMILIES = new Set(['rsa', 'ml-kem']);
const AGREEMENT_FAMILIES = new Set(['ec', 'xdh', 'dh']);

const AUTHENTICATION_PURPOSES = new Set(['tls-server', 'tls-client', 'ssh', 'device-identity']);
const SIGNATURE_PURPOSES = new Set(['code-signing', 'document-signing', 'ca-root', 'ca-intermediate']);

export const KEY_TYPE_BIT: Record<KeyType, number> = Object.fromEntries(KEY_TYPES.map((t, i) => [t, 1 << i])) as Record<KeyType, number>;

export function isSymmetricFamily(family: string): boolean {
  return SYMMETRIC.has(family);
}

/**
 * SP 800-57 Part 1 Rev 5 §5.1.1 key types of a key, as a bit set over KEY_TYPES. The purpose
 * decides where it is specific (a signing key for TLS is an authentication key; a symmetric key
 * for data encryption is a data-encryption key even if its mask also allows wrapping — the usage
 * rules report such a mask); otherwise the usage mask does, and a multi-purpose key has several types.
 */
export function classifyKeyTypes(family: string, usageMask: number, purpose: string): number {
  let t = 0;
  if (SYMMETRIC.has(family)) {
    if (purpose === 'data-encryption') return KEY_TYPE_BIT['symmetric-data-encryption'];
    if (purpose === 'key-wrapping') return KEY_TYPE_BIT['symmetric-key-wrapping'];
    if (family === 'hmac' || usageMask & (U.MACGenerate | U.MACVerify)) t |= KEY_TYPE_BIT['symmetric-authentication'];
    if (family !== 'hmac') {
      if (usageMask & (U.Encrypt | U.Decrypt)) t |= KEY_TYPE_BIT['symmetric-data-encryption'];
      if (usageMask & (U.WrapKey | U.UnwrapKey)) t |= KEY_TYPE_BIT['symmetric-key-wrapping'];
    }
    if (usageMask & U.DeriveKey) t |= KEY_TYPE_BIT['symmetric-master'];
    if (usageMask & U.KeyAgreement) t |= KEY_TYPE_BIT['symmetric-key-agreement'];
    return t;
  }
  if (SIGNATURE_FAMILIES.has(family) && (usageMask & SIGNING || SIGNATURE_PURPOSES.has(purpose) || AUTHENTICATION_PURPOSES.has(purpose))) {
    if (AUTHENTICATION_PURPOSES.has(purpose)) t |= KEY_TYPE_BIT['private-authentication'];
    else if (usageMask & SIGNING || SIGNATURE_PURPOSES.has(purpose)) t |= KEY_TYPE_BIT['private-signature'];
  }
  if (SIGNATURE_PURPOSES.has(purpose)) return t;
  if (TRANSPORT_FAMILIES.has(family) && usageMask & TRANSPORT) {
    // An RSA key that decrypts during a TLS 1.2 handshake authenticates the server.
    t |= AUTHENTICATION_PURPOSES.has(purpose) ? KEY_TYPE_BIT['private-authentication'] : KEY_TYPE_BIT['private-key-transport'];
  }
  if (AGREEMENT_FAMILIES.has(family) && usageMask & AGREEMENT) {
    t |= AUTHENTICATION_PURPOSES.has(purpose) ? KEY_TYPE_BIT['private-authentication'] : KEY_TYPE_BIT['private-static-key-agreement'];
  }
  return t;
}

export function keyTypeNames(bits: number): KeyType[] {
  return KEY_TYPES.filter((t) => (bits & KEY_TYPE_BIT[t]) !== 0);
}

/**
 * Security strength in bits, per SP 800-57 Part 1 Rev 5 §5.6.1 Table 2 (finite-field and
 * integer-factorisation sizes fall to the row at or below them; ECC strength is half the order
 * size, by the same table's ranges). 0 means below 80 bits. For post-quantum families this is
 * the classical security category's equivalent (ML-KEM-512/768/1024 → 128/192/256,
 * ML-DSA-44/65/87 → 128/192/256); for LMS, XMSS and SLH-DSA the key size is taken to be the
 * hash parameter n in bits, and the strength is that (SP 800-208, FIPS 205).
 */
export function securityStrength(family: string, size: number, curve: string | null): number {
  switch (family) {
    case 'rsa':
    case 'dsa':
    case 'dh':
      if (size >= 15360) return 256;
      if (size >= 7680) return 192;
      if (size >= 3072) return 128;
      if (size >= 2048) return 112;
      if (size >= 1024) return 80;
      return 0;
    case 'ec':
      if (size >= 512) return 256;
      if (size >= 384) return 192;
      if (size >= 256) return 128;
      if (size >= 224) return 112;
      if (size >= 160) return 80;
      return 0;
    case 'eddsa':
    case 'xdh':
      return curve === 'Ed448' || curve === 'X448' || size >= 448 ? 224 : 128;
    case 'aes':
    case 'hmac':
      return size;
    case 'tdes':
      return size >= 168 ? 112 : 80;
    case 'ml-kem':
      return size >= 1024 ? 256 : size >= 768 ? 192 : 128;
    case 'ml-dsa':
      return size >= 87 ? 256 : size >= 65 ? 192 : 128;
    case 'slh-dsa':
    case 'lms':
    case 'xmss':
      return size;
    default:
      return 0;
  }
}

const DIGEST_OF_ALGORITHM: Record<string, string> = {
  'hmac-sha1': 'sha-1',
  'hmac-sha224': 'sha-224',
  'hmac-sha256': 'sha-256',
  'hmac-sha384': 'sha-384',
  'hmac-sha512': 'sha-512',
  'hmac-sha3-256': 'sha3-256',
  'hmac-sha3-384': 'sha3-384',
  'hmac-sha3-512': 'sha3-512',
};

/** The digest a key is bound to: given explicitly, or implied by its algorithm id; null when it has none. */
export function boundDigest(algorithm: string, digest: string | null | undefined): string | null {
  if (digest) return digest;
  return DIGEST_OF_ALGORITHM[algorithm] ?? null;
}

/** Whether the key can apply protection now or after activation/resumption. */
export function canProtect(state: KeyState, usageMask: number): boolean {
  return PROTECT_STATES.has(state) && (usageMask & PROTECT_USAGE) !== 0;
}
