import { FAMILY_USAGE } from '../../src-shared/keys';
import { SIGN_MECHANISMS, type SignMechanismId } from '../../src-shared/contract';
import { ALGORITHMS, type AlgorithmId, type InventoryAlgorithmId, type InventoryKeyFamily as KeyFamily, type KeyState } from '../../src-shared/keys';
import {
  KMIP_USAGE,
  REVOCATION_REASONS,
  usageNames,
  type KeyOperation,
  type KmipUsageName,
  type LifecycleAction,
  type RevocationReason,
} from '../../src-shared/lifecycle';
import { MECHANISM_FAMILY, defaultSignMechanism } from '../../src-shared/mechanisms';
import { isCompromiseReason, mayUse, nextState } from '../../src-shared/state-machine';
import { stateLabel } from './format';

/*
 * What the console enables on a key, from the one state machine the core enforces
 * (src-shared/state-machine.ts: nextState, mayUse) plus the words it shows for what it does not
 * enable. The core checks every transition and every operation again.
 */

export { defaultSignMechanism, isCompromiseReason, mayUse, nextState };

/** The usages each key family may have at all: the core's own table. */
export { FAMILY_USAGE };

export const USAGE_LABELS: Record<KmipUsageName, string> = {
  Sign: 'Sign',
  Verify: 'Verify',
  Encrypt: 'Encrypt',
  Decrypt: 'Decrypt',
  WrapKey: 'Wrap keys',
  UnwrapKey: 'Unwrap keys',
  Export: 'Export',
  MACGenerate: 'MAC generate',
  MACVerify: 'MAC verify',
  DeriveKey: 'Derive keys',
  KeyAgreement: 'Key agreement',
  CertificateSign: 'Certificate sign',
  CRLSign: 'CRL sign',
};

/** The usages a form offers for a family, in KMIP bit order. */
export function usageChoices(family: KeyFamily): { name: KmipUsageName; bit: number; label: string }[] {
  return usageNames(FAMILY_USAGE[family]).map((name) => ({ name, bit: KMIP_USAGE[name], label: USAGE_LABELS[name] }));
}

export function usageLabels(mask: number): string[] {
  return usageNames(mask).map((n) => USAGE_LABELS[n]);
}

export const LIFECYCLE_LABELS: Record<LifecycleAction, string> = {
  activate: 'Activate',
  suspend: 'Suspend',
  resume: 'Resume',
  deactivate: 'Deactivate',
  revoke: 'Revoke…',
};

const REQUIRED_STATE: Record<Exclude<LifecycleAction, 'revoke'>, string> = {
  activate: 'Only a pre-active key can be activated',
  suspend: 'Only an active key can be suspended',
  resume: 'Only a suspended key can be resumed',
  deactivate: 'Only an active or suspended key can be deactivated',
};

const REASON_ORDER = Object.keys(REVOCATION_REASONS) as RevocationReason[];

/** The revocation reasons allowed from `state` (compromise reasons from any live state). */
export function revocationReasonsFrom(state: KeyState): RevocationReason[] {
  return REASON_ORDER.filter((r) => nextState(state, 'revoke', r) !== null);
}

/**
 * Why the key's state does not allow the action, or null when it does. Revoke is allowed when at
 * least one reason is.
 */
export function transitionBlocked(state: KeyState, action: LifecycleAction): string | null {
  const now = `this key is ${stateLabel(state).toLowerCase()}`;
  if (action === 'revoke') {
    if (revocationReasonsFrom(state).length > 0) return null;
    return state === 'compromised' ? 'This key is already compromised.' : `A ${stateLabel(state).toLowerCase()} key cannot be revoked.`;
  }
  if (nextState(state, action) !== null) return null;
  return `${REQUIRED_STATE[action]}; ${now}.`;
}

export const REVOCATION_LABELS: Record<RevocationReason, string> = {
  unspecified: 'Unspecified',
  'key-compromise': 'Key compromise',
  'ca-compromise': 'CA compromise',
  'affiliation-changed': 'Affiliation changed',
  superseded: 'Superseded',
  'cessation-of-operation': 'Cessation of operation',
  'privilege-withdrawn': 'Privilege withdrawn',
};

/** "Key compromise (KMIP 2)" */
export function revocationLabel(reason: RevocationReason): string {
  return `${REVOCATION_LABELS[reason]} (KMIP ${REVOCATION_REASONS[reason]})`;
}

/** What the console can do with a key in the Use panel, by family. */
export type UseOperation = 'sign' | 'verify' | 'encrypt' | 'decrypt';

export function useOperations(family: KeyFamily): UseOperation[] {
  switch (family) {
    case 'rsa':
      return ['sign', 'verify', 'encrypt', 'decrypt'];
    case 'aes':
      return ['encrypt', 'decrypt'];
    case 'dsa':
    case 'xdh':
      return []; // inventory-only families: imported public keys Custos does not use
    default:
      return ['sign', 'verify'];
  }
}

/** The KMIP operation a Use panel action needs (HMAC keys sign and verify as MACs). */
export function kmipOperation(family: KeyFamily, op: UseOperation): KeyOperation {
  if (family === 'hmac') return op === 'sign' ? 'mac-generate' : op === 'verify' ? 'mac-verify' : op;
  return op;
}

/** Why the key cannot do `op` now (state or usage), or null. */
export function useBlocked(key: { family: KeyFamily; state: KeyState; usageMask: number }, op: UseOperation): string | null {
  const r = mayUse(key.state, key.usageMask, kmipOperation(key.family, op));
  if (r.ok) return null;
  return `${r.reason.charAt(0).toUpperCase()}${r.reason.slice(1)}.`;
}

/** Mechanisms a key of this family can sign with. */
export function signMechanisms(family: KeyFamily): SignMechanismId[] {
  return SIGN_MECHANISMS.filter((m) => MECHANISM_FAMILY[m] === family);
}

/**
 * The most plaintext RSA-OAEP takes in one block (k − 2·hLen − 2 bytes), or null for AES-GCM.
 * Token keys use OAEP with SHA-1 (what SoftHSM2 and many HSMs support), vault keys SHA-256.
 */
export function oaepMaxPlaintext(algorithm: InventoryAlgorithmId, store: 'vault' | 'token' | 'external'): number | null {
  const info = ALGORITHMS[algorithm as AlgorithmId] as (typeof ALGORITHMS)[AlgorithmId] | undefined;
  if (info?.family !== 'rsa') return null;
  const hLen = store === 'token' ? 20 : 32;
  return info.size / 8 - 2 * hLen - 2;
}
