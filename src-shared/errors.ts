import { z } from 'zod';

/**
 * Every error that crosses a boundary carries one of these codes. The code is what a person looks
 * up in docs/ERRORS.md; the message is what they can act on. Keep the list closed so the renderer
 * and scripts can switch on it.
 */
export const ERROR_CODES = [
  'E_INPUT',
  'E_UNKNOWN_CHANNEL',
  'E_FORBIDDEN_SENDER',
  'E_VAULT_EXISTS',
  'E_VAULT_MISSING',
  'E_VAULT_LOCKED',
  'E_VAULT_CORRUPT',
  'E_HEADER_TAMPERED',
  'E_AUTH_FAILED',
  'E_PERMISSION',
  'E_NOT_FOUND',
  'E_CONFLICT',
  'E_UNSUPPORTED',
  'E_CRYPTO',
  'E_INTERNAL',
] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
});
export type CustosErrorShape = z.infer<typeof errorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: CustosErrorShape };
