import { KMIP_USAGE, REVOCATION_REASONS, type KeyOperation, type LifecycleAction, type RevocationReason } from './lifecycle.js';
import type { KeyState } from './keys.js';

/**
 * NIST SP 800-57 Part 1 Rev 5 §7 key states as pure functions, shared by the core (which enforces
 * them) and the console (which enables only the actions they allow). Transitions:
 *   generate → pre-active; pre-active → active; active ⇄ suspended; active/suspended → deactivated;
 *   any live state → compromised (revoke with KeyCompromise/CACompromise); revoke with any other
 *   reason → deactivated; pre-active/deactivated/compromised → destroyed (destroyed-compromised
 *   when the key was ever compromised).
 */
export const LIVE_STATES: readonly KeyState[] = ['pre-active', 'active', 'suspended', 'deactivated'];

export interface Transition {
  from: KeyState;
  to: KeyState;
}

export function isCompromiseReason(reason: RevocationReason): boolean {
  return reason === 'key-compromise' || reason === 'ca-compromise';
}

/** The state an action leads to, or null when the action is not allowed from `from`. */
export function nextState(from: KeyState, action: LifecycleAction | 'destroy', reason?: RevocationReason): KeyState | null {
  switch (action) {
    case 'activate':
      return from === 'pre-active' ? 'active' : null;
    case 'suspend':
      return from === 'active' ? 'suspended' : null;
    case 'resume':
      return from === 'suspended' ? 'active' : null;
    case 'deactivate':
      return from === 'active' || from === 'suspended' ? 'deactivated' : null;
    case 'revoke':
      if (!reason) return null;
      if (isCompromiseReason(reason)) return LIVE_STATES.includes(from) ? 'compromised' : null;
      return from === 'active' || from === 'suspended' ? 'deactivated' : null;
    case 'destroy':
      if (from === 'pre-active' || from === 'deactivated') return 'destroyed';
      if (from === 'compromised') return 'destroyed-compromised';
      return null;
  }
}

export function revocationCode(reason: RevocationReason): number {
  return REVOCATION_REASONS[reason];
}

/** KMIP State enumeration (1 = PreActive … 6 = DestroyedCompromised); Suspended has no KMIP code and exports as Active's neighbour in SP 800-57 only. */
export const KMIP_STATE: Record<KeyState, number | null> = {
  'pre-active': 1,
  active: 2,
  suspended: null,
  deactivated: 3,
  compromised: 4,
  destroyed: 5,
  'destroyed-compromised': 6,
};

const PROTECT: readonly KeyOperation[] = ['sign', 'encrypt', 'wrap', 'mac-generate'];

/** The usage bit each operation needs. */
export const OPERATION_USAGE: Record<KeyOperation, number> = {
  sign: KMIP_USAGE.Sign,
  verify: KMIP_USAGE.Verify,
  encrypt: KMIP_USAGE.Encrypt,
  decrypt: KMIP_USAGE.Decrypt,
  wrap: KMIP_USAGE.WrapKey,
  unwrap: KMIP_USAGE.UnwrapKey,
  'mac-generate': KMIP_USAGE.MACGenerate,
  'mac-verify': KMIP_USAGE.MACVerify,
};

/**
 * Whether a key in `state` with `usageMask` may perform `op`. Active keys may protect and process;
 * suspended and deactivated keys may only process (verify, decrypt, unwrap, MAC verify); a
 * compromised key may process only so relying parties can check old data — we refuse that too by
 * default, since the officer must decide case by case. Returns the reason when refused.
 */
export function mayUse(state: KeyState, usageMask: number, op: KeyOperation): { ok: true } | { ok: false; reason: string } {
  if ((usageMask & OPERATION_USAGE[op]) === 0) return { ok: false, reason: `the key's usage mask does not allow ${op}` };
  const protect = PROTECT.includes(op);
  switch (state) {
    case 'active':
      return { ok: true };
    case 'suspended':
    case 'deactivated':
      return protect ? { ok: false, reason: `a ${state} key may only verify, decrypt or unwrap, never ${op}` } : { ok: true };
    case 'pre-active':
      return { ok: false, reason: 'the key is not active yet; activate it first' };
    case 'compromised':
      return { ok: false, reason: 'the key is compromised' };
    default:
      return { ok: false, reason: 'the key has been destroyed' };
  }
}
