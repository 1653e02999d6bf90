import { can, deniedReason, type Action } from '../../src-shared/permissions.js';
import type { Role } from '../../src-shared/users.js';
import { CustosError } from '../errors.js';

export { can, type Action } from '../../src-shared/permissions.js';

/** Checked in the core on every call; the console only mirrors the same table. */
export function requirePermission(role: Role, action: Action): void {
  if (!can(role, action)) throw new CustosError('E_PERMISSION', deniedReason(role, action));
}
