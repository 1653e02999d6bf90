import type { RequestOutcome } from '../../src-shared/approvals.js';
import { nextState } from '../../src-shared/state-machine.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { readSettings } from '../app/settings.js';
import { CustosError } from '../errors.js';
import type { UnlockedVault } from '../vault/vault.js';
import { KeyService } from './key-service.js';

/**
 * Files the dual-controlled request to destroy a key after a waiting period (the active policy's,
 * unless given). Refuses at once a key whose state does not allow destruction, so nobody is asked
 * to approve something that could not run.
 */
export function requestDestruction(vault: UnlockedVault, id: string, afterDays?: number): RequestOutcome {
  const k = new KeyService(vault).get(id);
  if (!nextState(k.state, 'destroy')) throw new CustosError('E_CONFLICT', `A key in state ${k.state} cannot be destroyed; deactivate or revoke it first.`);
  const days = afterDays ?? readSettings(vault.db).destructionWaitDays;
  return new ApprovalService(vault, OPERATIONS).submit('key.destroy', { id, afterDays: days }, `Destroy ${k.name} (${k.algorithm}, ${k.store}) ${days} day(s) after approval`);
}
