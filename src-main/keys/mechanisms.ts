import type { SignMechanismId } from '../../src-shared/contract.js';
import type { AlgorithmId, KeyFamily } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';

/** The signature mechanism a key uses when none is named: what openssl checks by default. */
export function defaultSignMechanism(algorithm: AlgorithmId): SignMechanismId {
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
      throw new CustosError('E_UNSUPPORTED', `${algorithm} keys do not sign; they encrypt and wrap.`);
  }
}

const FITS: Record<SignMechanismId, KeyFamily> = {
  'rsa-pkcs1-sha256': 'rsa',
  'rsa-pss-sha256': 'rsa',
  'ecdsa-sha256': 'ec',
  'ecdsa-sha384': 'ec',
  'ecdsa-sha512': 'ec',
  eddsa: 'eddsa',
  'hmac-sha256': 'hmac',
};

export function checkMechanism(family: KeyFamily, mechanism: SignMechanismId): void {
  if (FITS[mechanism] !== family) throw new CustosError('E_INPUT', `The ${mechanism} mechanism does not fit a ${family} key.`);
}
