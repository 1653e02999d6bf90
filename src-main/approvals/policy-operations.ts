import { dualControlPolicySchema, type DualControlPolicy } from '../../src-shared/approvals.js';
import type { Operation } from './operations.js';
import { readDualControlPolicy, writeDualControlPolicy } from './policy.js';

/** Changing the dual-control policy is itself under dual control (category policy.change). */
export const setDualControlPolicyOperation: Operation<DualControlPolicy> = {
  kind: 'policy.set-dual-control',
  category: 'policy.change',
  requesterRoles: ['administrator', 'security-officer'],
  payload: dualControlPolicySchema,
  execute(vault, p) {
    const before = readDualControlPolicy(vault.db);
    writeDualControlPolicy(vault.db, { ...p, version: before.version + 1 });
    return { details: { fromVersion: before.version, toVersion: before.version + 1, categories: Object.keys(p.operations).sort().join(',') } };
  },
};
