import { test, expect } from './fixtures';
import { can as coreCan, type Action } from '../src-main/users/permissions';
import { ROLES, type Role } from '../src-shared/users';

// The console mirrors the core's role table to decide what to show (the renderer cannot import
// the core). This check runs beside the end-to-end specs because only they may see both layers.
// The renderer module is loaded by path: tsconfig.tools.json does not reference the renderer
// project, so a static import would not type-check here.
const CONSOLE_PERMISSIONS = '../src-renderer/lib/permissions.ts';

interface ConsolePermissions {
  ACTIONS: readonly string[];
  can(role: Role, action: string): boolean;
}

test('the console shows exactly what the core allows, role by role', async () => {
  const mirror = (await import(CONSOLE_PERMISSIONS)) as ConsolePermissions;
  expect(mirror.ACTIONS.length).toBeGreaterThan(10);
  for (const action of mirror.ACTIONS) {
    for (const role of ROLES) {
      expect(mirror.can(role, action), `${role} / ${action}`).toBe(coreCan(role, action as Action));
    }
  }
});
