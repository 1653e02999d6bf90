import { describe, expect, it } from 'vitest';
import { KEY_STATES, type KeyState } from './keys.js';
import { KMIP_USAGE, LIFECYCLE_ACTIONS, OPERATIONS, REVOCATION_REASONS, type RevocationReason } from './lifecycle.js';
import { mayUse, nextState } from './state-machine.js';

/** The whole table; "revoke-compromise" is KeyCompromise or CACompromise, "revoke-other" any other reason. */
const ALLOWED: Array<[KeyState, string, KeyState]> = [
  ['pre-active', 'activate', 'active'],
  ['active', 'suspend', 'suspended'],
  ['suspended', 'resume', 'active'],
  ['active', 'deactivate', 'deactivated'],
  ['suspended', 'deactivate', 'deactivated'],
  ['pre-active', 'revoke-compromise', 'compromised'],
  ['active', 'revoke-compromise', 'compromised'],
  ['suspended', 'revoke-compromise', 'compromised'],
  ['deactivated', 'revoke-compromise', 'compromised'],
  ['active', 'revoke-other', 'deactivated'],
  ['suspended', 'revoke-other', 'deactivated'],
  ['pre-active', 'destroy', 'destroyed'],
  ['deactivated', 'destroy', 'destroyed'],
  ['compromised', 'destroy', 'destroyed-compromised'],
];

describe('SP 800-57 state machine', () => {
  it('allows exactly the transitions of the table, for every state, action and reason', () => {
    const reasons = Object.keys(REVOCATION_REASONS) as RevocationReason[];
    let allowed = 0;
    for (const from of KEY_STATES) {
      for (const action of [...LIFECYCLE_ACTIONS, 'destroy'] as const) {
        for (const reason of action === 'revoke' ? reasons : [undefined]) {
          const row = action !== 'revoke' ? action : reason === 'key-compromise' || reason === 'ca-compromise' ? 'revoke-compromise' : 'revoke-other';
          const want = ALLOWED.find(([f, a]) => f === from && a === row)?.[2] ?? null;
          expect(nextState(from, action, reason), `${from} --${action}${reason ? `(${reason})` : ''}-->`).toBe(want);
          if (want) allowed++;
        }
      }
    }
    // 8 table rows without a reason, and revocations: 4 states × 2 compromise reasons + 2 × 5 others.
    expect(allowed).toBe(8 + 4 * 2 + 2 * 5);
    expect(nextState('active', 'revoke')).toBeNull();
  });

  it('lets suspended and deactivated keys process but never protect', () => {
    const all = Object.values(KMIP_USAGE).reduce((a, b) => a | b, 0);
    for (const op of OPERATIONS) {
      expect(mayUse('active', all, op).ok).toBe(true);
      const protect = ['sign', 'encrypt', 'wrap', 'mac-generate'].includes(op);
      expect(mayUse('suspended', all, op).ok, op).toBe(!protect);
      expect(mayUse('deactivated', all, op).ok, op).toBe(!protect);
      for (const s of ['pre-active', 'compromised', 'destroyed', 'destroyed-compromised'] as const) expect(mayUse(s, all, op).ok).toBe(false);
    }
  });

  it('refuses an operation the usage mask does not grant, whatever the state', () => {
    expect(mayUse('active', KMIP_USAGE.Verify, 'sign')).toMatchObject({ ok: false, reason: expect.stringContaining('usage mask') });
    expect(mayUse('active', KMIP_USAGE.Sign, 'sign').ok).toBe(true);
  });
});
