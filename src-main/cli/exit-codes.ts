import type { ErrorCode } from '../../src-shared/errors.js';

/**
 * Exit codes scripts can rely on. 0 success, 2 usage; the rest follow the error code so a script
 * can tell "wrong passphrase" from "no such key" without parsing text.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  vault: 5,
  integrity: 6,
  permission: 7,
  conflict: 8,
  internal: 70,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'E_INPUT':
    case 'E_UNKNOWN_CHANNEL':
      return EXIT.usage;
    case 'E_AUTH_FAILED':
      return EXIT.auth;
    case 'E_NOT_FOUND':
      return EXIT.notFound;
    case 'E_VAULT_MISSING':
    case 'E_VAULT_LOCKED':
      return EXIT.vault;
    case 'E_VAULT_CORRUPT':
    case 'E_HEADER_TAMPERED':
      return EXIT.integrity;
    case 'E_PERMISSION':
    case 'E_FORBIDDEN_SENDER':
      return EXIT.permission;
    case 'E_VAULT_EXISTS':
    case 'E_CONFLICT':
      return EXIT.conflict;
    case 'E_INTERNAL':
      return EXIT.internal;
    default:
      return EXIT.failure;
  }
}
