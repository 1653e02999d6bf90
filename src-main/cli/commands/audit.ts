import { resolve } from 'node:path';
import { z } from 'zod';
import { auditOutcomeSchema } from '../../../src-shared/audit.js';
import { keyIdSchema } from '../../../src-shared/keys.js';
import { readBundle } from '../../audit/bundle.js';
import { exportAudit } from '../../audit/export.js';
import { verifyBundle } from '../../audit/verify-bundle.js';
import { requirePermission } from '../../users/permissions.js';
import { only, parseWith, print, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

export async function auditList(cli: Cli): Promise<number> {
  only(cli, ['key', 'limit', 'operation', 'outcome', 'actor']);
  const keyId = cli.values.key === undefined ? undefined : parseWith(keyIdSchema, cli.values.key, '--key');
  const outcome = cli.values.outcome === undefined ? undefined : parseWith(auditOutcomeSchema, cli.values.outcome, '--outcome');
  const limit = cli.values.limit === undefined ? 1000 : parseWith(z.coerce.number().int().min(1).max(1000), cli.values.limit, '--limit');
  const items = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'audit.read');
    return v.audit.list({ keyId, limit, outcome, operation: cli.values.operation, actor: cli.values.actor }).reverse();
  });
  print(cli, items, table(['SEQ', 'TIME', 'ACTOR', 'OPERATION', 'OUTCOME', 'KEY'], items.map((e) => [String(e.seq), e.time, e.actor ?? '-', e.operation, e.outcome, e.keyId ?? '-'])));
  return 0;
}

/**
 * Two forms: with a FILE, verifies an exported bundle on its own (no vault needed, any machine);
 * without, verifies the vault's live chain including each event's MAC.
 */
export async function auditVerify(cli: Cli): Promise<number> {
  only(cli, ['expect-key'], 1);
  if (cli.args[0]) {
    const report = verifyBundle(await readBundle(resolve(cli.args[0])), cli.values['expect-key']);
    const text = report.ok
      ? `Audit bundle intact: ${report.events} events, ${report.checkpoints} signed checkpoints.\nhead ${report.headHash}\nvault ${report.vaultId}\nsigned by audit key ${report.publicKeyFingerprint}${cli.values['expect-key'] ? ' (as expected)' : ' — compare it with the vault\'s'}\n`
      : '';
    if (!report.ok) cli.io.stderr(`custos: audit bundle NOT intact${report.firstBadSeq ? ` at event ${report.firstBadSeq}` : ''}: ${report.problem}\n`);
    print(cli, report, text);
    return report.ok ? 0 : 6;
  }
  if (cli.values['expect-key']) throw new UsageError('--expect-key applies when verifying a bundle file');
  const check = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'audit.read');
    return v.verifyAudit();
  });
  if (!check.ok) cli.io.stderr(`custos: audit chain BROKEN at event ${check.firstBadSeq}: ${check.problem}\n`);
  print(cli, check, check.ok ? `Audit chain intact: ${check.events} events, head ${check.headHash}.\n` : '');
  return check.ok ? 0 : 6;
}

export async function auditExport(cli: Cli): Promise<number> {
  only(cli, ['out']);
  if (!cli.values.out) throw new UsageError('--out FILE is required');
  const path = resolve(cli.values.out);
  const m = await withVault(cli, (v) => exportAudit(v, path));
  print(cli, m, `Exported ${m.events} events to ${path} (${m.bytes} bytes).\nhead ${m.headHash}\naudit key ${m.publicKeyFingerprint}\n`);
  return 0;
}
