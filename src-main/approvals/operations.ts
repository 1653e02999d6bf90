import type { z } from 'zod';
import type { DualControlCategory } from '../../src-shared/approvals.js';
import type { Role } from '../../src-shared/users.js';
import type { AuditDetails } from '../audit/chain.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { TokenService } from '../pkcs11/service.js';

export interface ExecutionContext {
  requester: string;
  approvers: string[];
  /** The core's token service (started on first use), for operations with an external part on a token. */
  tokens?: () => TokenService;
  /** What the operation's external part reported, for `execute` to record. */
  external?: AuditDetails;
}

export interface Execution {
  /** Facts for the audit event of the operation itself; never secrets. */
  details: AuditDetails;
  keyId?: string | null;
  /** Runs after the transaction commits (for example, writing the header file). */
  afterCommit?: () => void;
}

/**
 * An operation that may need approval. `execute` runs inside the transaction that records it and
 * must only touch the database (file writes go in `afterCommit`). The payload holds only values
 * that are already protected (hashes, wrapped keys) — never a passphrase.
 */
export interface Operation<P = unknown> {
  kind: string;
  category: DualControlCategory;
  /** Who may ask for it (checked when the request is made and again when it executes). */
  requesterRoles: readonly Role[];
  payload: z.ZodType<P>;
  /** Re-checks that the operation still makes sense at execution time (the state may have moved). */
  execute(vault: UnlockedVault, payload: P, ctx: ExecutionContext): Execution;
  /**
   * For operations on something outside the vault (a token): runs before the transaction that
   * records the approval and the outcome; if it fails, nothing is recorded but the failure.
   * Its result is handed to `execute`.
   */
  external?: (vault: UnlockedVault, payload: P, ctx: ExecutionContext) => Promise<AuditDetails>;
}

export type OperationRegistry = ReadonlyMap<string, Operation<never>>;
