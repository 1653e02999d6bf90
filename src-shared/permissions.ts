import type { Role } from './users.js';

/**
 * What each role may do: the one table. The core checks every call against it
 * (src-main/users/permissions.ts); the console uses it only to decide what to show.
 */
export const ACTIONS = [
  'keys.read',
  'keys.generate',
  'audit.read',
  'audit.export',
  'users.read',
  'users.change',
  'methods.change',
  'approvals.read',
  'approvals.decide',
  'policy.change',
  'settings.change',
  'keys.sign',
  'keys.verify',
  'keys.lifecycle',
  'tokens.read',
  'tokens.use',
] as const;
export type Action = (typeof ACTIONS)[number];

const EVERYONE: readonly Role[] = ['administrator', 'security-officer', 'key-custodian', 'auditor'];
const OPERATORS: readonly Role[] = ['administrator', 'security-officer', 'key-custodian'];

export const ALLOWED: Readonly<Record<Action, readonly Role[]>> = {
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

/** Why a role may not do something, in words a person can act on. */
export function deniedReason(role: Role, action: Action): string {
  const why = role === 'auditor' ? 'Auditors can read everything but change nothing.' : `Your role (${role}) may not do this.`;
  return `${why} Roles that may (${action}): ${ALLOWED[action].join(', ')}.`;
}
