import { z } from 'zod';
import { roleSchema } from './users.js';

/**
 * Operations an organisation can put under dual control. Each request names one of these
 * categories; the policy says how many approvals from which roles it needs.
 */
export const DUAL_CONTROL_CATEGORIES = ['key.destroy', 'key.export', 'backup.recover', 'policy.change', 'user.change', 'unlock-method.change', 'token.admin'] as const;
export const dualControlCategorySchema = z.enum(DUAL_CONTROL_CATEGORIES);
export type DualControlCategory = z.infer<typeof dualControlCategorySchema>;

export const dualControlRuleSchema = z.object({
  approvals: z.number().int().min(1).max(5),
  /** Auditors change nothing, so they can never approve a change. */
  roles: z.array(roleSchema.exclude(['auditor'], { message: 'Auditors cannot approve changes.' })).min(1),
});

export const dualControlPolicySchema = z.object({
  version: z.number().int().min(1),
  /** Hours before an unapproved request expires. */
  expiryHours: z.number().int().min(1).max(24 * 30),
  operations: z.partialRecord(dualControlCategorySchema, dualControlRuleSchema),
});
export type DualControlPolicy = z.infer<typeof dualControlPolicySchema>;

export const REQUEST_STATUSES = ['pending', 'executed', 'rejected', 'expired', 'cancelled', 'failed'] as const;

export const approvalRequestSchema = z.object({
  id: z.string(),
  kind: z.string(),
  category: dualControlCategorySchema,
  summary: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  requiredApprovals: z.number().int(),
  approverRoles: z.array(roleSchema),
  approvals: z.array(z.object({ user: z.string(), at: z.string() })),
  status: z.enum(REQUEST_STATUSES),
  decidedAt: z.string().nullable(),
  outcome: z.string().nullable(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** What a dual-controllable call returns: done now, or waiting for approvals. */
export const requestOutcomeSchema = z.object({
  status: z.enum(['executed', 'pending']),
  requestId: z.string().nullable(),
  summary: z.string(),
});
export type RequestOutcome = z.infer<typeof requestOutcomeSchema>;
