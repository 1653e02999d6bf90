import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src-shared/users';
import { ACTIONS, AUDITOR_NOTE, can, deniedReason, rolesSentence } from './permissions';

describe('role mirror', () => {
  it('lets auditors read everything and change nothing', () => {
    const reads = ACTIONS.filter((a) => can('auditor', a));
    expect(reads.sort()).toEqual(['audit.export', 'audit.read', 'approvals.read', 'keys.read', 'keys.verify', 'tokens.read', 'users.read'].sort());
    for (const a of ACTIONS.filter((x) => !reads.includes(x))) expect(deniedReason('auditor', a)).toBe(AUDITOR_NOTE);
  });

  it('keeps people and unlock methods for administrators', () => {
    for (const role of ROLES) {
      expect(can(role, 'users.change')).toBe(role === 'administrator');
      expect(can(role, 'methods.change')).toBe(role === 'administrator');
    }
    expect(deniedReason('key-custodian', 'users.change', 'add people')).toBe('Only administrators may add people.');
    expect(deniedReason('key-custodian', 'settings.change')).toBe('Only administrators and security officers may do this.');
    expect(deniedReason('administrator', 'users.change')).toBeNull();
  });

  it('lets every operator generate keys and decide requests', () => {
    for (const role of ['administrator', 'security-officer', 'key-custodian'] as const) {
      expect(can(role, 'keys.generate')).toBe(true);
      expect(can(role, 'approvals.decide')).toBe(true);
    }
  });

  it('denies everything without a session', () => {
    for (const a of ACTIONS) expect(can(null, a)).toBe(false);
  });

  it('names roles in a sentence', () => {
    expect(rolesSentence(['administrator'])).toBe('administrators');
    expect(rolesSentence(['administrator', 'security-officer', 'key-custodian'])).toBe('administrators, security officers and key custodians');
  });
});
