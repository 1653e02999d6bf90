import { z } from 'zod';
import type { Operation } from '../approvals/operations.js';
import { CustosError } from '../errors.js';
import { nextState } from '../../src-shared/state-machine.js';
import type { KeyState } from '../../src-shared/keys.js';

/**
 * Approving a destruction schedules it: the material is erased `afterDays` later by the core's due
 * work (KeyService.applyDue), and until then anyone allowed may cancel it.
 */
export const destroyKeyOperation: Operation<{ id: string; afterDays: number }> = {
  kind: 'key.destroy',
  category: 'key.destroy',
  requesterRoles: ['administrator', 'security-officer'],
  payload: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/), afterDays: z.number().int().min(1).max(90) }),
  execute(vault, p) {
    const row = vault.db.prepare('SELECT state, destroy_at FROM keys WHERE id = ?').get(p.id) as { state: KeyState; destroy_at: string | null } | undefined;
    if (!row) throw new CustosError('E_NOT_FOUND', `No key with id ${p.id}.`);
    if (!nextState(row.state, 'destroy')) throw new CustosError('E_CONFLICT', `A key in state ${row.state} cannot be destroyed; deactivate or revoke it first.`);
    if (row.destroy_at) throw new CustosError('E_CONFLICT', `This key is already scheduled for destruction at ${row.destroy_at}.`);
    const at = new Date(vault.now().getTime() + p.afterDays * 86_400_000).toISOString();
    vault.db.prepare('UPDATE keys SET destroy_at = ? WHERE id = ?').run(at, p.id);
    return { keyId: p.id, details: { scheduledFor: at, afterDays: p.afterDays } };
  },
};
