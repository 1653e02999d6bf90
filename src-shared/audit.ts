import { z } from 'zod';

export const auditOutcomeSchema = z.enum(['success', 'refused', 'failed']);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

export const auditEventSchema = z.object({
  seq: z.number().int().positive(),
  time: z.string(),
  actor: z.string().nullable(),
  operation: z.string(),
  keyId: z.string().nullable(),
  keyVersion: z.number().int().nullable(),
  outcome: auditOutcomeSchema,
  /** Non-secret facts about the event (algorithm, reason, …). Never key material or passphrases. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditVerifyResultSchema = z.object({
  ok: z.boolean(),
  events: z.number().int().nonnegative(),
  headHash: z.string(),
  /** Sequence number of the first event that does not verify, when ok is false. */
  firstBadSeq: z.number().int().nullable(),
  problem: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifyResultSchema>;
