import { dualControlPolicySchema, type DualControlPolicy } from '../../src-shared/approvals.js';
import type { Db } from '../vault/database.js';

/** The defaults of DESIGN.md: every sensitive category needs one approval from a second person. */
export const DEFAULT_DUAL_CONTROL: DualControlPolicy = {
  version: 1,
  expiryHours: 24,
  operations: {
    'key.destroy': { approvals: 1, roles: ['administrator', 'security-officer'] },
    'key.export': { approvals: 1, roles: ['administrator', 'security-officer'] },
    'backup.recover': { approvals: 1, roles: ['administrator', 'security-officer', 'key-custodian'] },
    'policy.change': { approvals: 1, roles: ['administrator', 'security-officer'] },
    'user.change': { approvals: 1, roles: ['administrator', 'security-officer'] },
    'unlock-method.change': { approvals: 1, roles: ['administrator', 'security-officer', 'key-custodian'] },
    'token.admin': { approvals: 1, roles: ['administrator', 'security-officer'] },
  },
};

const KEY = 'dual-control-policy';

export function readDualControlPolicy(db: Db): DualControlPolicy {
  const row = db.prepare('SELECT v FROM settings WHERE k = ?').get(KEY) as { v: string } | undefined;
  if (!row) return DEFAULT_DUAL_CONTROL;
  return dualControlPolicySchema.parse(JSON.parse(row.v));
}

export function writeDualControlPolicy(db: Db, policy: DualControlPolicy): void {
  db.prepare('INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(KEY, JSON.stringify(dualControlPolicySchema.parse(policy)));
}
