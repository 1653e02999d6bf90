import type { Role } from '../../src-shared/users.js';
import { CustosError } from '../errors.js';

/** What each role may do. Checked in the core on every call; the UI only mirrors it. */
export type Action = 'keys.read' | 'keys.generate' | 'audit.read';

const ALLOWED: Record<Action, readonly Role[]> = {
  'keys.read': ['administrator', 'security-officer', 'key-custodian', 'auditor'],
  'audit.read': ['administrator', 'security-officer', 'key-custodian', 'auditor'],
  'keys.generate': ['administrator', 'security-officer', 'key-custodian'],
};

export function can(role: Role, action: Action): boolean {
  return ALLOWED[action].includes(role);
}

export function requirePermission(role: Role, action: Action): void {
  if (!can(role, action)) throw new CustosError('E_PERMISSION', `Your role (${role}) may not perform ${action}. Ask a user with one of these roles: ${ALLOWED[action].join(', ')}.`);
}
