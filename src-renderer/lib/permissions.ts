import type { Role } from '../../src-shared/users';

/**
 * A copy of the role table in src-main/users/permissions.ts (the renderer cannot import the core).
 * The core checks every call against its own table; this copy only decides what the console shows,
 * so a drift makes a button appear that the core then refuses — never the other way round.
 * e2e/role-mirror.spec.ts compares the two tables.
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

export const ALLOWED: Record<Action, readonly Role[]> = {
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

export const AUDITOR_NOTE = 'Auditors can read everything but change nothing.';

const ROLE_PLURALS: Record<Role, string> = {
  administrator: 'administrators',
  'security-officer': 'security officers',
  'key-custodian': 'key custodians',
  auditor: 'auditors',
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return !!role && ALLOWED[action].includes(role);
}

/** "administrators and security officers" */
export function rolesSentence(roles: readonly Role[]): string {
  const names = roles.map((r) => ROLE_PLURALS[r]);
  if (names.length <= 1) return names[0] ?? 'nobody';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Why the role may not do this (for a tooltip or a note), or null when it may. `what` finishes
 * the sentence "Only administrators may …".
 */
export function deniedReason(role: Role | null | undefined, action: Action, what = 'do this'): string | null {
  if (can(role, action)) return null;
  if (role === 'auditor') return AUDITOR_NOTE;
  return `Only ${rolesSentence(ALLOWED[action])} may ${what}.`;
}
