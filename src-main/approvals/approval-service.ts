import { randomBytes } from 'node:crypto';
import { approvalRequestSchema, type ApprovalRequest, type RequestOutcome } from '../../src-shared/approvals.js';
import type { Role } from '../../src-shared/users.js';
import { CustosError } from '../errors.js';
import type { UnlockedVault, VaultUser } from '../vault/vault.js';
import type { Execution, Operation, OperationRegistry } from './operations.js';
import type { TokenService } from '../pkcs11/service.js';
import { readDualControlPolicy } from './policy.js';

interface RequestRow {
  id: string;
  operation: string;
  summary: string;
  payload: string;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  required_approvals: number;
  approver_roles: string;
  status: ApprovalRequest['status'];
  decided_at: string | null;
  outcome: string | null;
}

/**
 * Dual control, enforced in the core: an operation whose category the policy lists becomes a
 * pending request; it runs only when enough distinct users with the required roles — never the
 * requester — have approved, within the expiry. Every step is an audit event, and the operation
 * runs in the same transaction as the approval that completes it.
 */
export class ApprovalService {
  constructor(
    private readonly vault: UnlockedVault,
    private readonly operations: OperationRegistry,
    private readonly services: { tokens?: () => TokenService } = {},
  ) {}

  private op(kind: string): Operation<unknown> {
    const o = this.operations.get(kind) as Operation<unknown> | undefined;
    if (!o) throw new CustosError('E_UNSUPPORTED', `Unknown operation ${kind}.`);
    return o;
  }

  private requireRequester(o: Operation<unknown>, user: VaultUser): void {
    if (!o.requesterRoles.includes(user.role)) {
      this.vault.record({ actor: user.name, operation: o.kind, outcome: 'refused', details: { reason: 'role', role: user.role } });
      throw new CustosError('E_PERMISSION', `Your role (${user.role}) may not request ${o.kind}. Roles that may: ${o.requesterRoles.join(', ')}.`);
    }
  }

  private eligibleApprovers(roles: readonly Role[], requester: string): number {
    const marks = roles.map(() => '?').join(',');
    const { n } = this.vault.db.prepare(`SELECT count(*) AS n FROM users WHERE disabled_at IS NULL AND role IN (${marks}) AND name <> ? COLLATE NOCASE`).get(...roles, requester) as { n: number };
    return n;
  }

  private runNow(o: Operation<unknown>, payload: unknown, summary: string, requester: string, extra: Record<string, string | boolean>): RequestOutcome {
    let exec: Execution | null = null;
    this.vault.db.transaction(() => {
      exec = o.execute(this.vault, payload, { requester, approvers: [] });
      this.vault.audit.append({ actor: requester, operation: o.kind, keyId: exec.keyId ?? null, outcome: 'success', details: { ...exec.details, ...extra } });
    })();
    (exec as Execution | null)?.afterCommit?.();
    return { status: 'executed', requestId: null, summary };
  }

  /** Runs the operation now when the policy allows, otherwise files a request for approval. */
  submit(kind: string, payload: unknown, summary: string): RequestOutcome {
    const user = this.vault.user;
    const o = this.op(kind);
    this.requireRequester(o, user);
    const parsed = o.payload.parse(payload);
    const policy = readDualControlPolicy(this.vault.db);
    const rule = policy.operations[o.category];
    if (!rule) return this.runNow(o, parsed, summary, user.name, { dualControl: false });
    // Bootstrap: the first administrator must be able to add the people who will approve later.
    if (kind === 'user.add' && this.eligibleApprovers(rule.roles, user.name) === 0) return this.runNow(o, parsed, summary, user.name, { dualControl: false, bootstrap: true });

    const id = randomBytes(16).toString('hex');
    const now = this.vault.now();
    const expires = new Date(now.getTime() + policy.expiryHours * 3_600_000);
    this.vault.change({ actor: user.name, operation: 'approval.request', outcome: 'success', details: { requestId: id, kind, category: o.category, summary, requiredApprovals: rule.approvals } }, () => {
      this.vault.db
        .prepare(
          `INSERT INTO approval_requests (id, operation, summary, payload, requested_by, requested_at, expires_at, required_approvals, approver_roles, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
        )
        .run(id, kind, summary, JSON.stringify(parsed), user.name, now.toISOString(), expires.toISOString(), rule.approvals, JSON.stringify(rule.roles));
    });
    return { status: 'pending', requestId: id, summary };
  }

  private row(id: string): RequestRow {
    const r = this.vault.db.prepare('SELECT * FROM approval_requests WHERE id = ?').get(id) as RequestRow | undefined;
    if (!r) throw new CustosError('E_NOT_FOUND', `No approval request ${id}.`);
    return r;
  }

  private toRequest(r: RequestRow): ApprovalRequest {
    const approvals = this.vault.db.prepare('SELECT user_name AS user, approved_at AS at FROM approvals WHERE request_id = ? ORDER BY approved_at').all(r.id) as Array<{ user: string; at: string }>;
    return approvalRequestSchema.parse({
      id: r.id,
      kind: r.operation,
      category: this.op(r.operation).category,
      summary: r.summary,
      requestedBy: r.requested_by,
      requestedAt: r.requested_at,
      expiresAt: r.expires_at,
      requiredApprovals: r.required_approvals,
      approverRoles: JSON.parse(r.approver_roles),
      approvals,
      status: r.status,
      decidedAt: r.decided_at,
      outcome: r.outcome,
    });
  }

  /** Marks overdue pending requests as expired (each an audit event). */
  expireOverdue(): void {
    const now = this.vault.now().toISOString();
    const overdue = this.vault.db.prepare("SELECT id, operation FROM approval_requests WHERE status = 'pending' AND expires_at <= ?").all(now) as Array<{ id: string; operation: string }>;
    for (const r of overdue) {
      this.vault.change({ actor: null, operation: 'approval.expire', outcome: 'success', details: { requestId: r.id, kind: r.operation } }, () => {
        this.vault.db.prepare("UPDATE approval_requests SET status = 'expired', decided_at = ? WHERE id = ?").run(now, r.id);
      });
    }
  }

  list(status?: ApprovalRequest['status']): ApprovalRequest[] {
    this.expireOverdue();
    const rows = (status
      ? this.vault.db.prepare('SELECT * FROM approval_requests WHERE status = ? ORDER BY requested_at DESC LIMIT 500').all(status)
      : this.vault.db.prepare('SELECT * FROM approval_requests ORDER BY requested_at DESC LIMIT 500').all()) as RequestRow[];
    return rows.map((r) => this.toRequest(r));
  }

  get(id: string): ApprovalRequest {
    return this.toRequest(this.row(id));
  }

  /**
   * Records an approval by an already-authenticated person. When it completes the quorum, the
   * operation runs in the same transaction; if it fails, the request is marked failed and nothing
   * of the operation is kept.
   */
  /**
   * Like approve(), for every kind of operation: when this approval completes the quorum of an
   * operation with an external part (a token), that part runs first, then everything is recorded.
   */
  async approveAsync(id: string, approver: VaultUser): Promise<ApprovalRequest> {
    this.expireOverdue();
    const r = this.row(id);
    const o = this.op(r.operation);
    if (!o.external) return this.approve(id, approver);
    this.checkApprover(r, approver);
    const count = (this.vault.db.prepare('SELECT count(*) AS n FROM approvals WHERE request_id = ?').get(id) as { n: number }).n;
    if (count + 1 < r.required_approvals) return this.approve(id, approver);
    const approvers = [...(this.vault.db.prepare('SELECT user_name AS u FROM approvals WHERE request_id = ? ORDER BY approved_at').all(id) as Array<{ u: string }>).map((a) => a.u), approver.name];
    const payload = o.payload.parse(JSON.parse(r.payload));
    let externalDetails: Record<string, string | number | boolean | null>;
    try {
      externalDetails = await o.external(this.vault, payload, { requester: r.requested_by, approvers, tokens: this.services.tokens });
    } catch (e) {
      const message = e instanceof CustosError ? e.message : 'the operation failed';
      this.vault.change({ actor: r.requested_by, operation: r.operation, outcome: 'failed', details: { requestId: id, reason: message, approvers: approvers.join(',') } }, () => {
        this.vault.db.prepare("UPDATE approval_requests SET status = 'failed', decided_at = ?, outcome = ? WHERE id = ?").run(this.vault.now().toISOString(), message, id);
      });
      throw e;
    }
    return this.approve(id, approver, externalDetails);
  }

  private checkApprover(r: RequestRow, approver: VaultUser): void {
    const refuse = (reason: string, message: string, code: 'E_PERMISSION' | 'E_CONFLICT' = 'E_PERMISSION'): never => {
      this.vault.record({ actor: approver.name, operation: 'approval.grant', outcome: 'refused', details: { requestId: r.id, kind: r.operation, reason } });
      throw new CustosError(code, message);
    };
    if (r.status !== 'pending') refuse('not pending', `This request is ${r.status}; only pending requests can be approved.`, 'E_CONFLICT');
    if (approver.name.toLowerCase() === r.requested_by.toLowerCase()) refuse('own request', 'Nobody may approve their own request; another person must approve it.');
    const roles = JSON.parse(r.approver_roles) as Role[];
    if (!roles.includes(approver.role)) refuse('role', `Your role (${approver.role}) cannot approve this; it needs: ${roles.join(', ')}.`);
    const already = this.vault.db.prepare('SELECT 1 FROM approvals WHERE request_id = ? AND user_name = ? COLLATE NOCASE').get(r.id, approver.name);
    if (already) refuse('already approved', 'You have already approved this request; another person must approve it.', 'E_CONFLICT');
  }

  approve(id: string, approver: VaultUser, externalDetails?: Record<string, string | number | boolean | null>): ApprovalRequest {
    this.expireOverdue();
    const r = this.row(id);
    this.checkApprover(r, approver);
    if (this.op(r.operation).external && !externalDetails) {
      const count = (this.vault.db.prepare('SELECT count(*) AS n FROM approvals WHERE request_id = ?').get(id) as { n: number }).n;
      if (count + 1 >= r.required_approvals) throw new CustosError('E_INTERNAL', 'This operation acts on a token; approve it through approveAsync.');
    }
    const o = this.op(r.operation);
    const now = this.vault.now().toISOString();
    let exec: Execution | null = null;
    try {
      this.vault.db.transaction(() => {
        this.vault.db.prepare('INSERT INTO approvals (request_id, user_name, approved_at) VALUES (?, ?, ?)').run(id, approver.name, now);
        this.vault.audit.append({ actor: approver.name, operation: 'approval.grant', outcome: 'success', details: { requestId: id, kind: r.operation } });
        const approvers = (this.vault.db.prepare('SELECT user_name AS u FROM approvals WHERE request_id = ? ORDER BY approved_at').all(id) as Array<{ u: string }>).map((a) => a.u);
        if (approvers.length < r.required_approvals) return;
        exec = o.execute(this.vault, o.payload.parse(JSON.parse(r.payload)), { requester: r.requested_by, approvers, external: externalDetails });
        this.vault.db.prepare("UPDATE approval_requests SET status = 'executed', decided_at = ?, outcome = 'done' WHERE id = ?").run(now, id);
        this.vault.audit.append({ actor: r.requested_by, operation: r.operation, keyId: exec.keyId ?? null, outcome: 'success', details: { ...exec.details, ...externalDetails, requestId: id, approvers: approvers.join(',') } });
      })();
    } catch (e) {
      const message = e instanceof CustosError ? e.message : 'the operation failed';
      this.vault.change({ actor: r.requested_by, operation: r.operation, outcome: 'failed', details: { requestId: id, reason: message } }, () => {
        this.vault.db.prepare("UPDATE approval_requests SET status = 'failed', decided_at = ?, outcome = ? WHERE id = ?").run(now, message, id);
      });
      throw e;
    }
    (exec as Execution | null)?.afterCommit?.();
    return this.get(id);
  }

  reject(id: string, by: VaultUser, reason: string): ApprovalRequest {
    const r = this.row(id);
    if (r.status !== 'pending') throw new CustosError('E_CONFLICT', `This request is ${r.status}; only pending requests can be rejected.`);
    const roles = JSON.parse(r.approver_roles) as Role[];
    if (!roles.includes(by.role) && by.name.toLowerCase() !== r.requested_by.toLowerCase()) throw new CustosError('E_PERMISSION', 'Only a possible approver or the requester may reject this request.');
    const own = by.name.toLowerCase() === r.requested_by.toLowerCase();
    this.vault.change({ actor: by.name, operation: own ? 'approval.cancel' : 'approval.reject', outcome: 'success', details: { requestId: id, kind: r.operation, reason } }, () => {
      this.vault.db.prepare('UPDATE approval_requests SET status = ?, decided_at = ?, outcome = ? WHERE id = ?').run(own ? 'cancelled' : 'rejected', this.vault.now().toISOString(), reason, id);
    });
    return this.get(id);
  }
}
