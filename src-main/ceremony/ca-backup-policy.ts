import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { storedComposition } from '../app/policy-service.js';
import { builtinPolicyDir } from '../policy/index.js';
import type { RequestOutcome } from '../../src-shared/approvals.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault, VaultUser } from '../vault/vault.js';

/**
 * The policy decision behind the root-CA ceremony (see ARCHITECTURE.md, "Split knowledge"): the
 * shipped baseline rule `baseline.storage.ca` forbids CA keys that are extractable at all, and the
 * ceremony's key is wrappable so that it can be backed up. Custos keeps the strict rule as shipped
 * and lets the ceremony's key carry its true purpose (`ca-root`), so the gate refuses it until an
 * organisation decides otherwise — under dual control, in its policy composition, with this
 * override: CA keys must still live on a token, but may be wrappable (they then leave the token
 * only wrapped under a KEK that exists only as custodian shares).
 */
export const WRAPPABLE_CA_OVERRIDE = {
  id: 'baseline.storage.ca',
  kind: 'storage',
  title: 'CA key not held on a token (wrapping for a split-knowledge backup allowed)',
  citation: 'CA/Browser Forum Baseline Requirements §6.2.7 and §6.2.5 (escrow under multi-person control); SP 800-57 Pt 1 Rev 5 §6',
  match: { purposes: ['ca-root', 'ca-intermediate'] },
  stores: ['token'],
  severity: 'critical',
  enforcement: 'block',
  effectiveFrom: '2012-07-01',
  explanation:
    "A certification authority's private key must be generated and kept inside a hardware cryptographic module. This organisation allows it to be wrappable so that a key ceremony can back it up under split knowledge: it then leaves the token only wrapped, under a key that exists only as custodian shares.",
  remediation: 'Generate a new CA key on a token, in a key ceremony, re-certify, and destroy the software copy.',
} as const;

/** The active composition with the override added (replacing any earlier one of the same id). */
export function compositionAllowingWrappableCaKeys(vault: UnlockedVault): Record<string, unknown> {
  const current = (storedComposition(vault.db) as Record<string, unknown> | null) ?? JSON.parse(readFileSync(join(builtinPolicyDir(), 'compositions', 'default.json'), 'utf8'));
  const overrides = ((current.overrides as Array<{ id: string }> | undefined) ?? []).filter((o) => o.id !== WRAPPABLE_CA_OVERRIDE.id);
  return { ...current, id: current.id === 'custos-default' ? 'organisation' : current.id, overrides: [...overrides, WRAPPABLE_CA_OVERRIDE] };
}

/** Files the dual-controlled policy change (and approves it, when an approver is given: tests, seeds). */
export function allowWrappableCaKeys(vault: UnlockedVault, approver?: VaultUser): RequestOutcome {
  requirePermission(vault.user.role, 'policy.change');
  const svc = new ApprovalService(vault, OPERATIONS);
  const o = svc.submit('policy.set-composition', { composition: compositionAllowingWrappableCaKeys(vault) }, 'Allow wrappable CA keys on tokens for split-knowledge backups');
  if (o.status === 'pending' && approver) svc.approve(o.requestId!, approver);
  return o;
}
