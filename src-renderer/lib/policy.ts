import { DUAL_CONTROL_CATEGORIES, type ApprovalRequest, type DualControlCategory, type DualControlPolicy } from '../../src-shared/approvals';
import { ROLES, type Role } from '../../src-shared/users';

export const CATEGORY_LABELS: Record<DualControlCategory, string> = {
  'key.destroy': 'Destroy a key',
  'key.export': 'Export key material',
  'backup.recover': 'Recover from a backup',
  'policy.change': 'Change a policy (this one included)',
  'user.change': 'Add, disable or change people',
  'unlock-method.change': 'Change unlock methods and passphrases',
  'token.admin': 'Initialise a token or set its PINs',
};

export const STATUS_COLORS: Record<ApprovalRequest['status'], string> = {
  pending: 'yellow',
  executed: 'green',
  rejected: 'red',
  expired: 'gray',
  cancelled: 'gray',
  failed: 'red',
};

/** One row of the policy editor. */
export interface PolicyRow {
  category: DualControlCategory;
  enabled: boolean;
  approvals: number;
  roles: Role[];
}

export interface PolicyDraft {
  expiryHours: number;
  rows: PolicyRow[];
}

const DEFAULT_ROLES: Role[] = ['administrator', 'security-officer'];
/** Auditors change nothing, so the core refuses them as approvers. */
const APPROVER_ROLES = ROLES.filter((r): r is Exclude<Role, 'auditor'> => r !== 'auditor');

export function policyDraft(policy: DualControlPolicy): PolicyDraft {
  return {
    expiryHours: policy.expiryHours,
    rows: DUAL_CONTROL_CATEGORIES.map((category) => {
      const rule = policy.operations[category];
      return rule
        ? { category, enabled: true, approvals: rule.approvals, roles: APPROVER_ROLES.filter((r) => rule.roles.includes(r)) }
        : { category, enabled: false, approvals: 1, roles: [...DEFAULT_ROLES] };
    }),
  };
}

/** The policy a draft stands for, or what is wrong with it. */
export function draftToPolicy(draft: PolicyDraft, version: number): { ok: true; policy: DualControlPolicy } | { ok: false; error: string } {
  if (!Number.isInteger(draft.expiryHours) || draft.expiryHours < 1 || draft.expiryHours > 24 * 30) {
    return { ok: false, error: 'Requests expire after 1 to 720 hours.' };
  }
  const operations: DualControlPolicy['operations'] = {};
  for (const row of draft.rows) {
    if (!row.enabled) continue;
    if (row.roles.length === 0) return { ok: false, error: `${CATEGORY_LABELS[row.category]}: choose at least one role that may approve.` };
    if (!Number.isInteger(row.approvals) || row.approvals < 1 || row.approvals > 5) {
      return { ok: false, error: `${CATEGORY_LABELS[row.category]}: between 1 and 5 approvals.` };
    }
    operations[row.category] = { approvals: row.approvals, roles: APPROVER_ROLES.filter((r) => row.roles.includes(r)) };
  }
  return { ok: true, policy: { version, expiryHours: draft.expiryHours, operations } };
}

/** Whether two policies say the same (ignoring the version number and role order). */
export function samePolicy(a: DualControlPolicy, b: DualControlPolicy): boolean {
  if (a.expiryHours !== b.expiryHours) return false;
  return DUAL_CONTROL_CATEGORIES.every((c) => {
    const x = a.operations[c];
    const y = b.operations[c];
    if (!x || !y) return !x && !y;
    return x.approvals === y.approvals && x.roles.length === y.roles.length && x.roles.every((r) => y.roles.includes(r));
  });
}
