import { inventoryAlgorithmLabel, isGeneratedAlgorithm, type AlgorithmId, type InventoryAlgorithmId, type InventoryKeyFamily, type KeyFamily } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';

/**
 * Keys of inventory-only algorithms (imported RSA-1024, DSA, X25519, secp256k1, … — see
 * INVENTORY_ONLY_ALGORITHM_IDS) are in the inventory so officers see them and the analysis and
 * policy judge them; Custos never signs, verifies, encrypts, decrypts, rotates or certifies with
 * them. A key that passes this guard has a generated algorithm and family.
 */
export function isUsableKey<K extends { algorithm: InventoryAlgorithmId; family: InventoryKeyFamily }>(k: K): k is K & { algorithm: AlgorithmId; family: KeyFamily } {
  return isGeneratedAlgorithm(k.algorithm);
}

/** The refusal for an operation on an inventory-only key, naming the algorithm and the way out. */
export function inventoryOnlyError(k: { algorithm: string; size: number; curve: string | null }, what: string): CustosError {
  const detail = k.curve ?? `${k.size} bits`;
  return new CustosError(
    'E_UNSUPPORTED',
    `This key (${inventoryAlgorithmLabel(k.algorithm)}, ${detail}) is an imported public key held in the inventory for reporting only: Custos cannot ${what}. Replace it with a key Custos generates (RSA 2048+, EC P-256/P-384/P-521 or Ed25519).`,
  );
}
