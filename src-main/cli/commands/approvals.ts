import { z } from 'zod';
import { REQUEST_STATUSES } from '../../../src-shared/approvals.js';
import { ApprovalService } from '../../approvals/approval-service.js';
import { OPERATIONS } from '../../approvals/all-operations.js';
import { requirePermission } from '../../users/permissions.js';
import { only, parseWith, print, readSecretFile, withVault, type Cli } from '../context.js';
import { createTokenService } from '../../app/token-setup.js';
import type { TokenService } from '../../pkcs11/service.js';
import { table } from '../format.js';

const requestId = z.string().regex(/^[0-9a-f]{32}$/, 'a request id is 32 hex characters');

export async function approvalsList(cli: Cli): Promise<number> {
  only(cli, ['status']);
  const status = cli.values.status === undefined ? undefined : parseWith(z.enum(REQUEST_STATUSES), cli.values.status, '--status');
  const items = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'approvals.read');
    return new ApprovalService(v, OPERATIONS).list(status);
  });
  print(cli, items, items.length ? table(['ID', 'STATUS', 'REQUESTED BY', 'APPROVALS', 'EXPIRES', 'SUMMARY'], items.map((r) => [r.id, r.status, r.requestedBy, `${r.approvals.length}/${r.requiredApprovals}`, r.expiresAt, r.summary])) : 'No requests.\n');
  return 0;
}

/**
 * The logged-in --user approves; they authenticated by opening the vault with their passphrase.
 * For a request that acts on a token (initialise it, restore a backup into it), --token SERIAL
 * --pin-file F logs in to that token first.
 */
export async function approvalsApprove(cli: Cli): Promise<number> {
  only(cli, ['token', 'pin-file'], 1);
  const id = parseWith(requestId, cli.args[0], 'request id');
  let tokens: TokenService | null = null;
  const lazyTokens = () => (tokens ??= createTokenService());
  const r = await withVault(cli, async (v) => {
    requirePermission(v.user.role, 'approvals.decide');
    if (cli.values.token) {
      const pin = await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file');
      const t = lazyTokens();
      await (await t.clientForToken(cli.values.token)).login(cli.values.token, pin);
    }
    return new ApprovalService(v, OPERATIONS, { tokens: lazyTokens }).approveAsync(id, v.user);
  }).finally(() => (tokens as TokenService | null)?.close());
  print(cli, r, r.status === 'executed' ? `Approved and done: ${r.summary}.\n` : `Approved (${r.approvals.length}/${r.requiredApprovals}): ${r.summary}.\n`);
  return 0;
}

export async function approvalsReject(cli: Cli): Promise<number> {
  only(cli, ['reason'], 1);
  const id = parseWith(requestId, cli.args[0], 'request id');
  const reason = parseWith(z.string().trim().min(1).max(500), cli.values.reason, '--reason');
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'approvals.decide');
    return new ApprovalService(v, OPERATIONS).reject(id, v.user, reason);
  });
  print(cli, r, `${r.status === 'cancelled' ? 'Cancelled' : 'Rejected'}: ${r.summary}.\n`);
  return 0;
}
