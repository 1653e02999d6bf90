import { z } from 'zod';
import { roleSchema } from './users.js';

export const userInfoSchema = z.object({
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  disabled: z.boolean(),
  /** Whether the person's own passphrase can unlock the vault (a passphrase unlock method). */
  personalUnlock: z.boolean(),
  /** Whether the person holds a share of the custodian quorum. */
  quorumCustodian: z.boolean(),
});
export type UserInfo = z.infer<typeof userInfoSchema>;

export const unlockMethodInfoSchema = z.object({
  id: z.string(),
  type: z.enum(['passphrase', 'quorum', 'token']),
  /** For a passphrase method: whose it is (null when the person no longer exists). */
  user: z.string().nullable(),
  threshold: z.number().int().nullable(),
  custodians: z.array(z.string().nullable()),
  /** For a token method: which token. */
  token: z.object({ serial: z.string(), label: z.string() }).nullable(),
});
export type UnlockMethodInfo = z.infer<typeof unlockMethodInfoSchema>;
