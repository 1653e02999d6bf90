import { CKK, CKM } from './ck.js';
import { curveByName, type CurveInfo } from './spki.js';
import { KMIP_USAGE as U } from './usage.js';
import type { TokenAlgorithm, TokenKeyType } from './types.js';

/** How Custos generates each algorithm on a token. */
export interface TokenAlgorithmSpec {
  id: TokenAlgorithm;
  label: string;
  keyType: Exclude<TokenKeyType, 'other'>;
  ckk: number;
  symmetric: boolean;
  generateMechanism: number;
  /** Modulus bits, curve size, or key bits. */
  size: number;
  curve: CurveInfo | null;
  /** KMIP usages keys of this algorithm can have. */
  allowedUsage: number;
}

const SIGNING = U.Sign | U.Verify | U.CertificateSign | U.CRLSign;
const RSA_USAGE = SIGNING | U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey;
const EC_USAGE = SIGNING | U.DeriveKey | U.KeyAgreement;
const AES_USAGE = U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey | U.MACGenerate | U.MACVerify | U.DeriveKey;
const HMAC_USAGE = U.MACGenerate | U.MACVerify | U.DeriveKey;

const rsa = (bits: 2048 | 3072 | 4096): TokenAlgorithmSpec => ({
  id: `rsa-${bits}`,
  label: `RSA ${bits}`,
  keyType: 'rsa',
  ckk: CKK.RSA,
  symmetric: false,
  generateMechanism: CKM.RSA_PKCS_KEY_PAIR_GEN,
  size: bits,
  curve: null,
  allowedUsage: RSA_USAGE,
});

const ec = (curve: CurveInfo): TokenAlgorithmSpec => ({
  id: curve.algorithm,
  label: curve.keyType === 'ec' ? `EC ${curve.name}` : curve.name,
  keyType: curve.keyType,
  ckk: curve.keyType === 'ec' ? CKK.EC : CKK.EC_EDWARDS,
  symmetric: false,
  generateMechanism: curve.keyType === 'ec' ? CKM.EC_KEY_PAIR_GEN : CKM.EC_EDWARDS_KEY_PAIR_GEN,
  size: curve.size,
  curve,
  allowedUsage: curve.keyType === 'ec' ? EC_USAGE : SIGNING,
});

const aes = (bits: 128 | 256): TokenAlgorithmSpec => ({
  id: `aes-${bits}`,
  label: `AES-${bits}`,
  keyType: 'aes',
  ckk: CKK.AES,
  symmetric: true,
  generateMechanism: CKM.AES_KEY_GEN,
  size: bits,
  curve: null,
  allowedUsage: AES_USAGE,
});

export const TOKEN_ALGORITHM_SPECS: Record<TokenAlgorithm, TokenAlgorithmSpec> = {
  'rsa-2048': rsa(2048),
  'rsa-3072': rsa(3072),
  'rsa-4096': rsa(4096),
  'ec-p256': ec(curveByName('P-256')),
  'ec-p384': ec(curveByName('P-384')),
  'ec-p521': ec(curveByName('P-521')),
  ed25519: ec(curveByName('Ed25519')),
  'aes-128': aes(128),
  'aes-256': aes(256),
  'hmac-sha256': {
    id: 'hmac-sha256',
    label: 'HMAC-SHA256 (generic secret)',
    keyType: 'generic-secret',
    ckk: CKK.GENERIC_SECRET,
    symmetric: true,
    generateMechanism: CKM.GENERIC_SECRET_KEY_GEN,
    size: 256,
    curve: null,
    allowedUsage: HMAC_USAGE,
  },
};

/** CKA_KEY_TYPE → Custos' key type. */
export function keyTypeFromCkk(ckk: number): TokenKeyType {
  switch (ckk) {
    case CKK.RSA:
      return 'rsa';
    case CKK.EC:
      return 'ec';
    case CKK.EC_EDWARDS:
      return 'ec-edwards';
    case CKK.AES:
      return 'aes';
    case CKK.GENERIC_SECRET:
    case CKK.SHA256_HMAC:
      return 'generic-secret';
    default:
      return 'other';
  }
}

/** The Custos algorithm id of a key found on a token, when it is one Custos generates. */
export function algorithmOf(keyType: TokenKeyType, size: number | null, curve: CurveInfo | null): TokenAlgorithm | null {
  switch (keyType) {
    case 'rsa':
      return size === 2048 || size === 3072 || size === 4096 ? `rsa-${size}` : null;
    case 'ec':
    case 'ec-edwards':
      return curve?.algorithm ?? null;
    case 'aes':
      return size === 128 || size === 256 ? `aes-${size}` : null;
    case 'generic-secret':
      return 'hmac-sha256';
    default:
      return null;
  }
}
