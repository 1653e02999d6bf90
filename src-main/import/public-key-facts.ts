import { createPublicKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ALGORITHMS, INVENTORY_ONLY_ALGORITHMS, type AlgorithmId, type InventoryAlgorithmId, type InventoryKeyFamily, type InventoryOnlyAlgorithmId } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';

export interface PublicKeyFacts {
  algorithm: InventoryAlgorithmId;
  family: InventoryKeyFamily;
  size: number;
  curve: string | null;
  /** The SPKI re-encoded by OpenSSL (canonical DER), the bytes the fingerprint is taken over. */
  spki: Buffer;
}

const CURVES: Record<string, AlgorithmId> = { prime256v1: 'ec-p256', secp384r1: 'ec-p384', secp521r1: 'ec-p521' };
const RSA_SIZES: Record<number, AlgorithmId> = { 2048: 'rsa-2048', 3072: 'rsa-3072', 4096: 'rsa-4096' };

/** Field sizes of named curves whose OpenSSL name does not carry them (the others do: brainpoolP256r1, sect283k1, secp224r1, …). */
const CURVE_SIZES: Record<string, number> = { SM2: 256, prime192v1: 192, prime192v2: 192, prime192v3: 192, prime239v1: 239, prime239v2: 239, prime239v3: 239 };

/** A readable name for what the inventory cannot hold, for "unsupported" outcomes. */
function describe(k: KeyObject): string {
  return (k.asymmetricKeyType ?? 'unknown').toUpperCase();
}

/**
 * The subjectPublicKey bytes of a DER SPKI (for an EC key, the encoded point), read with asn1js;
 * null when the structure is not the expected SEQUENCE { AlgorithmIdentifier, BIT STRING }.
 */
function subjectPublicKeyBytes(spki: Buffer): Uint8Array | null {
  const parsed = asn1js.fromBER(new Uint8Array(spki));
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return null;
  const bits = parsed.result.valueBlock.value[1];
  return bits instanceof asn1js.BitString ? bits.valueBlock.valueHexView : null;
}

/** The field size of a curve: from its name when it carries one, else from the public point's length. */
function curveSize(name: string | null, spki: Buffer): number {
  if (name && CURVE_SIZES[name]) return CURVE_SIZES[name];
  const digits = name ? /(\d{3})/.exec(name) : null;
  if (digits) return Number(digits[1]);
  const point = subjectPublicKeyBytes(spki);
  if (!point || point.length < 3) return 1;
  // 04 || X || Y (uncompressed) or 02/03 || X (compressed): the coordinate length in bits.
  return point[0] === 4 ? ((point.length - 1) / 2) * 8 : (point.length - 1) * 8;
}

function inventoryOnly(id: InventoryOnlyAlgorithmId, spki: Buffer, size?: number, curve?: string | null): PublicKeyFacts {
  const info = INVENTORY_ONLY_ALGORITHMS[id];
  return { algorithm: id, family: info.family, size: size ?? info.size ?? 1, curve: curve ?? info.curve, spki };
}

/**
 * The inventory algorithm of a public key. Generated algorithms (ALGORITHM_IDS: RSA
 * 2048/3072/4096, P-256/384/521, Ed25519) keep their ids; other RSA sizes, other curves, DSA,
 * X25519, X448 and Ed448 get inventory-only ids (INVENTORY_ONLY_ALGORITHM_IDS, src-shared/keys.ts)
 * so they enter the inventory as public keys Custos judges but never uses: `rsa-1024`, `rsa-other`
 * (real size in `size`), `ec-secp256k1`, `ec-other` (OpenSSL's curve name in `curve`, or
 * "explicit parameters"), `dsa` (the size of p). Anything else (DH, post-quantum keys Node
 * cannot read, …) is E_UNSUPPORTED with its description, so the importer can say so per file.
 */
export function publicKeyFacts(key: KeyObject): PublicKeyFacts {
  if (key.type !== 'public') key = createPublicKey(key);
  const d = key.asymmetricKeyDetails ?? {};
  const spki = key.export({ type: 'spki', format: 'der' });
  let algorithm: AlgorithmId | undefined;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = d.modulusLength ?? 0;
      algorithm = RSA_SIZES[bits];
      if (!algorithm) return bits === 1024 ? inventoryOnly('rsa-1024', spki) : inventoryOnly('rsa-other', spki, Math.max(1, bits));
      break;
    }
    case 'ec': {
      const name = d.namedCurve ?? null;
      algorithm = CURVES[name ?? ''];
      if (!algorithm) {
        if (name === 'secp256k1') return inventoryOnly('ec-secp256k1', spki);
        return inventoryOnly('ec-other', spki, curveSize(name, spki), name ?? 'explicit parameters');
      }
      break;
    }
    case 'ed25519':
      algorithm = 'ed25519';
      break;
    case 'dsa':
      return inventoryOnly('dsa', spki, Math.max(1, d.modulusLength ?? 0));
    case 'x25519':
      return inventoryOnly('x25519', spki);
    case 'x448':
      return inventoryOnly('x448', spki);
    case 'ed448':
      return inventoryOnly('ed448', spki);
  }
  if (!algorithm) {
    throw new CustosError('E_UNSUPPORTED', `${describe(key)} keys cannot be held in the inventory (it holds RSA, DSA, EC, Ed25519, Ed448, X25519 and X448 public keys).`);
  }
  const info = ALGORITHMS[algorithm];
  return { algorithm, family: info.family, size: info.size, curve: info.curve, spki };
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
