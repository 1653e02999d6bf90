import { removeCardOperation, setCardOperation } from '../users/card-operations.js';
import { addUserOperation, changePassphraseOperation, disableUserOperation, setRoleOperation } from '../users/user-operations.js';
import { addPassphraseMethodOperation, addTokenMethodOperation, removeMethodOperation, setQuorumOperation } from '../vault/method-operations.js';
import type { Operation, OperationRegistry } from './operations.js';
import { setDualControlPolicyOperation } from './policy-operations.js';
import { initTokenOperation } from '../app/token-operations.js';
import { destroyKeyOperation } from '../keys/destroy-operation.js';
import { setCompositionOperation } from '../app/policy-service.js';
import { recoverBackupOperation, recoverToTokenOperation } from '../backup/backup-service.js';

/** Every operation that can go through a dual-control request. */
export const OPERATIONS: OperationRegistry = new Map(
  ([addUserOperation, disableUserOperation, setRoleOperation, changePassphraseOperation, addPassphraseMethodOperation, setQuorumOperation, addTokenMethodOperation, removeMethodOperation, setDualControlPolicyOperation, initTokenOperation, destroyKeyOperation, setCompositionOperation, recoverBackupOperation, recoverToTokenOperation, setCardOperation, removeCardOperation] as unknown as Array<Operation<never>>).map((o) => [o.kind, o]),
);
