import type { SignMechanismId } from './contract.js';
import type { InventoryAlgorithmId, KeyFamily } from './keys.js';

/** The signature mechanism a key uses when none is named (what openssl checks by default); null for keys that do not sign (or that Custos does not use: inventory-only algorithms). */
export function defaultSignMechanism(algorithm: InventoryAlgorithmId): SignMechanismId | null {
  switch (algorithm) {
    case 'ec-p256':
      return 'ecdsa-sha256';
    case 'ec-p384':
      return 'ecdsa-sha384';
    case 'ec-p521':
      return 'ecdsa-sha512';
    case 'ed25519':
      return 'eddsa';
    case 'hmac-sha256':
      return 'hmac-sha256';
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return 'rsa-pkcs1-sha256';
    default:
      return null;
  }
}

/** The key family each signature mechanism is for. */
export const MECHANISM_FAMILY: Readonly<Record<SignMechanismId, KeyFamily>> = {
  'rsa-pkcs1-sha256': 'rsa',
  'rsa-pss-sha256': 'rsa',
  'ecdsa-sha256': 'ec',
  'ecdsa-sha384': 'ec',
  'ecdsa-sha512': 'ec',
  eddsa: 'eddsa',
  'hmac-sha256': 'hmac',
};
