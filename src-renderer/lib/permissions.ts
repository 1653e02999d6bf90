import type { Role } from '../../src-shared/users';
import { ACTIONS, ALLOWED, type Action } from '../../src-shared/permissions';

/**
 * The role table is the core's own (src-shared/permissions.ts: the core checks every call against
 * it). The console uses it only to decide what to show: navigation a role cannot use is hidden,
 * actions it cannot take are disabled with the reason in words.
 */
export { ACTIONS, ALLOWED, type Action };

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
