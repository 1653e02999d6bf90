/**
 * Plain data that crosses the worker boundary (structured clone): no classes, no Buffers (they
 * arrive as Uint8Array), no bigint. Token keys are addressed by token serial and CKA_ID, never by
 * object handle: handles are per-session numbers that die with the session.
 */

/** Algorithms Custos generates on a token. */
export const TOKEN_ALGORITHMS = [
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'ec-p256',
  'ec-p384',
  'ec-p521',
  'ed25519',
  'aes-128',
  'aes-256',
  'hmac-sha256',
] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

export type TokenKeyType = 'rsa' | 'ec' | 'ec-edwards' | 'aes' | 'generic-secret' | 'other';

export interface Version {
  major: number;
  minor: number;
}

export interface ModuleInfo {
  /** The allowlisted path that was loaded (as listed, before symlinks were resolved). */
  path: string;
  cryptokiVersion: string;
  manufacturer: string;
  description: string;
  libraryVersion: string;
}

export interface SlotInfo {
  slotId: number;
  description: string;
  manufacturer: string;
  tokenPresent: boolean;
  removable: boolean;
  hardware: boolean;
  hardwareVersion: string;
  firmwareVersion: string;
}

export interface TokenFlags {
  rng: boolean;
  writeProtected: boolean;
  loginRequired: boolean;
  userPinInitialized: boolean;
  restoreKeyNotNeeded: boolean;
  clockOnToken: boolean;
  protectedAuthenticationPath: boolean;
  dualCryptoOperations: boolean;
  tokenInitialized: boolean;
  secondaryAuthentication: boolean;
  errorState: boolean;
}

/** What the token says about a PIN (CKF_*_PIN_COUNT_LOW, _FINAL_TRY, _LOCKED, _TO_BE_CHANGED). */
export interface PinState {
  countLow: boolean;
  finalTry: boolean;
  locked: boolean;
  toBeChanged: boolean;
}

export interface TokenInfo {
  slotId: number;
  label: string;
  /** Empty for a slot whose token is not initialised yet. */
  serial: string;
  manufacturer: string;
  model: string;
  hardwareVersion: string;
  firmwareVersion: string;
  /** The raw CK_FLAGS value, for diagnostics. */
  rawFlags: number;
  flags: TokenFlags;
  userPin: PinState;
  soPin: PinState;
  minPinLength: number;
  maxPinLength: number;
  /** Whether this Custos process holds a logged-in user session on the token. */
  loggedIn: boolean;
}

export interface MechanismFlags {
  hw: boolean;
  encrypt: boolean;
  decrypt: boolean;
  digest: boolean;
  sign: boolean;
  signRecover: boolean;
  verify: boolean;
  verifyRecover: boolean;
  generate: boolean;
  generateKeyPair: boolean;
  wrap: boolean;
  unwrap: boolean;
  derive: boolean;
  ecFp: boolean;
  ecF2m: boolean;
  ecParameters: boolean;
  ecOid: boolean;
  ecUncompressed: boolean;
  ecCompressed: boolean;
}

export interface MechanismInfo {
  type: number;
  name: string;
  /** Bits or bytes depending on the mechanism, as the token reports them (PKCS#11 §2.40 5.x). */
  minKeySize: number;
  maxKeySize: number;
  flags: MechanismFlags;
}

/** A token present in a slot, as slot polling sees it. */
export interface PresentToken {
  slotId: number;
  serial: string;
  label: string;
  initialized: boolean;
}

export interface TokenKeyRef {
  serial: string;
  /** CKA_ID, lowercase hex. */
  ckaId: string;
}

export interface GenerateOnTokenRequest {
  serial: string;
  algorithm: TokenAlgorithm;
  /** CKA_LABEL on every object of the key. */
  label: string;
  /** KMIP Cryptographic Usage Mask; mirrored into CKA_SIGN, CKA_DECRYPT, … */
  usageMask: number;
  /** CKA_EXTRACTABLE true so the key can be wrapped for backup; false (never extractable) otherwise. */
  wrappableForBackup?: boolean;
  /** Lowercase hex; a random 16-byte id when absent. */
  ckaId?: string;
}

export interface KeyUsageAttributes {
  sign: boolean;
  verify: boolean;
  encrypt: boolean;
  decrypt: boolean;
  wrap: boolean;
  unwrap: boolean;
  derive: boolean;
}

/** Protection attributes of the private or secret object. */
export interface KeyProtection {
  private: boolean;
  sensitive: boolean;
  extractable: boolean;
  alwaysSensitive: boolean;
  neverExtractable: boolean;
  /** Generated on the token (CKA_LOCAL). */
  local: boolean;
}

export type TokenKeyKind = 'key-pair' | 'private-key' | 'public-key' | 'secret-key';

/** One key on a token: the objects that share a CKA_ID, read back into the inventory's terms. */
export interface TokenKeyRecord {
  serial: string;
  /** Lowercase hex; null for an object without CKA_ID (listed, but not addressable by Custos). */
  ckaId: string | null;
  label: string;
  kind: TokenKeyKind;
  keyType: TokenKeyType;
  /** Null when the token holds something Custos does not generate (e.g. RSA-1024, AES-192). */
  algorithm: TokenAlgorithm | null;
  /** Modulus bits, curve field size (255 for Ed25519) or key bits. */
  size: number | null;
  curve: string | null;
  /** Of the private or secret object; null for a lone public key. */
  protection: KeyProtection | null;
  /** Union over the objects of the key. */
  usage: KeyUsageAttributes;
  /** The usage attributes as a KMIP Cryptographic Usage Mask. */
  usageMask: number;
  /** DER SubjectPublicKeyInfo (asymmetric keys whose public part the token shows). */
  spki: Uint8Array | null;
  /** SHA-256 of the DER SPKI, lowercase hex. */
  fingerprint: string | null;
  objectCount: number;
  /** Oddities a person should know about (duplicate objects, unreadable attributes, …). */
  warnings: string[];
}

export const SIGN_MECHANISMS = [
  'rsa-pkcs1-sha256',
  'rsa-pss-sha256',
  'ecdsa-sha256',
  'ecdsa-sha384',
  'ecdsa-sha512',
  'eddsa',
  'hmac-sha256',
] as const;
export type SignMechanism = (typeof SIGN_MECHANISMS)[number];

export interface SignOptions {
  /** ECDSA signatures: DER ECDSA-Sig-Value (what openssl reads; the default) or raw r||s. */
  ecdsaFormat?: 'der' | 'raw';
  /**
   * ECDSA only: each input is already the digest the mechanism would compute (its exact length),
   * so the token signs it as it is. The core computes that digest anyway for the audit event.
   */
  prehashed?: boolean;
}

export const CIPHER_MECHANISMS = ['aes-gcm', 'rsa-oaep-sha1', 'rsa-oaep-sha256'] as const;
export type CipherMechanism = (typeof CIPHER_MECHANISMS)[number];

export interface CipherOptions {
  /** AES-GCM: additional authenticated data. */
  aad?: Uint8Array;
  /** AES-GCM: the 12-byte IV; encrypt makes a random one when absent, decrypt requires it. */
  iv?: Uint8Array;
}

export interface EncryptResult {
  /** For AES-GCM, the ciphertext followed by the 16-byte tag. */
  ciphertext: Uint8Array;
  iv: Uint8Array | null;
}

export interface WrapResult {
  mechanism: 'aes-key-wrap-pad';
  /** What was wrapped: the private half of a pair, or a secret key. */
  kind: 'private-key' | 'secret-key';
  keyType: TokenKeyType;
  wrapped: Uint8Array;
}

export interface UnwrapRequest {
  kind: 'private-key' | 'secret-key';
  algorithm: TokenAlgorithm;
  label: string;
  usageMask: number;
  wrappableForBackup?: boolean;
  /** Keep the original CKA_ID when restoring a backup; random when absent. */
  ckaId?: string;
  /** For a private key: its SPKI, to recreate the public object beside it. */
  spki?: Uint8Array;
}
