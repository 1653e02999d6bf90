import type { SignMechanismId } from '../../src-shared/contract.js';
import type { InventoryAlgorithmId, InventoryKeyFamily } from '../../src-shared/keys.js';
import { defaultSignMechanism as sharedDefault, MECHANISM_FAMILY } from '../../src-shared/mechanisms.js';
import { CustosError } from '../errors.js';

export function defaultSignMechanism(algorithm: InventoryAlgorithmId): SignMechanismId {
  const m = sharedDefault(algorithm);
  if (!m) throw new CustosError('E_UNSUPPORTED', `${algorithm} keys do not sign; they encrypt and wrap.`);
  return m;
}

export function checkMechanism(family: InventoryKeyFamily, mechanism: SignMechanismId): void {
  if (MECHANISM_FAMILY[mechanism] !== family) throw new CustosError('E_INPUT', `The ${mechanism} mechanism does not fit a ${family} key.`);
}
