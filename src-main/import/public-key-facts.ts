import { createPublicKey, type KeyObject } from 'node:crypto';
import { ALGORITHMS, type AlgorithmId, type KeyFamily } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';

export interface PublicKeyFacts {
  algorithm: AlgorithmId;
  family: KeyFamily;
  size: number;
  curve: string | null;
  /** The SPKI re-encoded by OpenSSL (canonical DER), the bytes the fingerprint is taken over. */
  spki: Buffer;
}

const CURVES: Record<string, AlgorithmId> = { prime256v1: 'ec-p256', secp384r1: 'ec-p384', secp521r1: 'ec-p521' };

/** A readable name for what the inventory cannot hold, for "unsupported" outcomes. */
function describe(k: KeyObject): string {
  const d = k.asymmetricKeyDetails ?? {};
  switch (k.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `RSA ${d.modulusLength ?? '?'}-bit`;
    case 'ec':
      return `EC ${d.namedCurve ?? 'explicit-parameters'}`;
    default:
      return (k.asymmetricKeyType ?? 'unknown').toUpperCase();
  }
}

/**
 * The inventory algorithm of a public key. The inventory holds the algorithms of ALGORITHM_IDS
 * (src-shared/keys.ts); a key outside them (RSA of another size, other curves, DSA, X25519, Ed448)
 * is E_UNSUPPORTED with its description, so the importer can say so per file.
 */
export function publicKeyFacts(key: KeyObject): PublicKeyFacts {
  if (key.type !== 'public') key = createPublicKey(key);
  const d = key.asymmetricKeyDetails ?? {};
  let algorithm: AlgorithmId | undefined;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      algorithm = ({ 2048: 'rsa-2048', 3072: 'rsa-3072', 4096: 'rsa-4096' } as Record<number, AlgorithmId>)[d.modulusLength ?? 0];
      break;
    case 'ec':
      algorithm = CURVES[d.namedCurve ?? ''];
      break;
    case 'ed25519':
      algorithm = 'ed25519';
      break;
  }
  if (!algorithm) {
    throw new CustosError('E_UNSUPPORTED', `${describe(key)} keys cannot be held in the inventory (it holds RSA 2048/3072/4096, EC P-256/P-384/P-521 and Ed25519).`);
  }
  const info = ALGORITHMS[algorithm];
  return { algorithm, family: info.family, size: info.size, curve: info.curve, spki: key.export({ type: 'spki', format: 'der' }) };
}

/** Facts from DER SubjectPublicKeyInfo bytes; E_INPUT when Node's OpenSSL cannot read them. */
export function spkiFacts(spki: Uint8Array): PublicKeyFacts {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    throw new CustosError('E_INPUT', 'The SubjectPublicKeyInfo cannot be read as a public key.');
  }
  return publicKeyFacts(key);
}
