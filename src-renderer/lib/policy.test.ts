import { describe, expect, it } from 'vitest';
import { DUAL_CONTROL_CATEGORIES, dualControlPolicySchema, type DualControlPolicy } from '../../src-shared/approvals';
import { CATEGORY_LABELS, draftToPolicy, policyDraft, samePolicy } from './policy';

const POLICY: DualControlPolicy = {
  version: 3,
  expiryHours: 24,
  operations: {
    'user.change': { approvals: 1, roles: ['security-officer', 'administrator'] },
    'key.destroy': { approvals: 2, roles: ['administrator'] },
  },
};

describe('dual-control policy editor', () => {
  it('has a label for every category', () => {
    for (const c of DUAL_CONTROL_CATEGORIES) expect(CATEGORY_LABELS[c]).toBeTruthy();
  });

  it('round-trips a policy through the editor', () => {
    const draft = policyDraft(POLICY);
    expect(draft.rows).toHaveLength(DUAL_CONTROL_CATEGORIES.length);
    const built = draftToPolicy(draft, POLICY.version);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(samePolicy(built.policy, POLICY)).toBe(true);
    expect(dualControlPolicySchema.safeParse(built.policy).success).toBe(true);
  });

  it('sees a change, and refuses a rule nobody could approve', () => {
    const draft = policyDraft(POLICY);
    const rows = draft.rows.map((r) => (r.category === 'key.export' ? { ...r, enabled: true } : r));
    const built = draftToPolicy({ ...draft, rows }, 3);
    expect(built.ok && samePolicy(built.policy, POLICY)).toBe(false);

    const none = draft.rows.map((r) => (r.category === 'user.change' ? { ...r, roles: [] } : r));
    const bad = draftToPolicy({ ...draft, rows: none }, 3);
    expect(!bad.ok && bad.error).toMatch(/at least one role/);
    expect(draftToPolicy({ ...draft, expiryHours: 0 }, 3).ok).toBe(false);
  });
});
