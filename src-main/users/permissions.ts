import type { Role } from '../../src-shared/users.js';
import { CustosError } from '../errors.js';

/** What each role may do. Checked in the core on every call; the UI only mirrors it. */
export type Action =
  | 'keys.read'
  | 'keys.generate'
  | 'audit.read'
  | 'audit.export'
  | 'users.read'
  | 'users.change'
  | 'methods.change'
  | 'approvals.read'
  | 'approvals.decide'
  | 'policy.change'
  | 'settings.change'
  | 'keys.sign'
  | 'keys.verify'
  | 'keys.lifecycle'
  | 'tokens.read'
  | 'tokens.use';

const EVERYONE: readonly Role[] = ['administrator', 'security-officer', 'key-custodian', 'auditor'];
const OPERATORS: readonly Role[] = ['administrator', 'security-officer', 'key-custodian'];

const ALLOWED: Record<Action, readonly Role[]> = {
  'keys.read': EVERYONE,
  'audit.read': EVERYONE,
  'audit.export': EVERYONE,
  'users.read': EVERYONE,
  'approvals.read': EVERYONE,
  'keys.generate': OPERATORS,
  'approvals.decide': OPERATORS,
  'users.change': ['administrator'],
  'methods.change': ['administrator'],
  'policy.change': ['administrator', 'security-officer'],
  'settings.change': ['administrator', 'security-officer'],
  'keys.sign': OPERATORS,
  'keys.verify': EVERYONE,
  'keys.lifecycle': ['administrator', 'security-officer'],
  'tokens.read': EVERYONE,
  'tokens.use': OPERATORS,
};

export function can(role: Role, action: Action): boolean {
  return ALLOWED[action].includes(role);
}

/** Auditors read everything and change nothing; the message says so rather than a bare "denied". */
export function requirePermission(role: Role, action: Action): void {
  if (can(role, action)) return;
  const why = role === 'auditor' ? 'Auditors can read everything but change nothing.' : `Your role (${role}) may not do this.`;
  throw new CustosError('E_PERMISSION', `${why} Roles that may (${action}): ${ALLOWED[action].join(', ')}.`);
}
