import { z } from 'zod';

export const ROLES = ['administrator', 'security-officer', 'key-custodian', 'auditor'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const userNameSchema = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    'A user name is 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit.',
  );

/**
 * SP 800-63B asks for at least 8 characters; a vault guards keys, so we ask for 10. The upper bound
 * only keeps a pasted file from being hashed by accident.
 */
export const passphraseSchema = z
  .string()
  .min(10, 'A passphrase is at least 10 characters.')
  .max(1024, 'A passphrase is at most 1024 characters.');

export const sessionUserSchema = z.object({
  name: z.string(),
  role: roleSchema,
});
export type SessionUser = z.infer<typeof sessionUserSchema>;
