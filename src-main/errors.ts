import type { CustosErrorShape, ErrorCode } from '../src-shared/errors.js';

/**
 * The one error type the core throws on purpose. Its message is shown to people as it is, so it
 * must say what happened and what to do, and must never carry key material or a passphrase.
 */
export class CustosError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustosError';
    this.code = code;
  }

  toShape(): CustosErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isCustosError(e: unknown): e is CustosError {
  return e instanceof CustosError;
}

/**
 * Turns anything thrown into something safe to show. Unexpected errors keep their detail out of the
 * message: library errors can quote buffers, paths or SQL, so they are reported generically and
 * left to the caller's local diagnostics.
 */
export function toErrorShape(e: unknown): CustosErrorShape {
  if (isCustosError(e)) return e.toShape();
  const sqliteCode = (e as { code?: unknown } | null)?.code;
  if (typeof sqliteCode === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(sqliteCode)) {
    // A page that fails its HMAC reads as corruption: the file was altered or damaged on disk.
    return { code: 'E_VAULT_CORRUPT', message: 'Part of the vault database failed its integrity check: the file was altered or damaged. Restore the vault from a backup.' };
  }
  return { code: 'E_INTERNAL', message: 'An unexpected internal error occurred; nothing was changed. See the console log for details.' };
}
