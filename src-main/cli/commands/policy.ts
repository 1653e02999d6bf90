import { z } from 'zod';
import { evaluateInventory, rotationTasks, scheduledDestructions } from '../../app/policy-service.js';
import { requirePermission } from '../../users/permissions.js';
import { only, parseWith, print, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/** policy evaluate [--as-of YYYY-MM-DD] [--limit N]: findings of the whole inventory as of a date. */
export async function policyEvaluate(cli: Cli): Promise<number> {
  only(cli, ['as-of', 'limit']);
  const asOf = cli.values['as-of'] === undefined ? undefined : parseWith(z.iso.date('--as-of takes a date like 2031-01-01'), cli.values['as-of'], '--as-of');
  const limit = parseWith(z.coerce.number().int().min(1).max(100_000), cli.values.limit ?? '1000', '--limit');
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return evaluateInventory(v.db, asOf ? new Date(`${asOf}T00:00:00Z`) : v.now(), { limit });
  });
  const sev = Object.entries(r.bySeverity).map(([k, n]) => `${k} ${n}`).join(', ');
  const text =
    `Policy findings as of ${r.asOf.slice(0, 10)}: ${r.total} (${sev})\n\n` +
    (r.byRule.length ? table(['SEVERITY', 'COUNT', 'RULE', 'TITLE'], r.byRule.map((x) => [x.severity, String(x.count), x.ruleId, x.title])) : 'No findings.\n');
  print(cli, r, text);
  return 0;
}

export async function tasksList(cli: Cli): Promise<number> {
  only(cli, ['days']);
  const days = parseWith(z.coerce.number().int().min(1).max(3650), cli.values.days ?? '365', '--days');
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return {
      rotations: rotationTasks(v.db, v.now(), days),
      destructions: scheduledDestructions(v.db),
    };
  });
  const text =
    `Rotations due within ${days} days: ${r.rotations.length}\n` +
    (r.rotations.length ? table(['DUE', 'KEY', 'NAME', 'WHY'], r.rotations.map((x) => [x.dueAt.slice(0, 10) + (x.overdue ? ' (overdue)' : ''), x.keyId, x.keyName, x.reason])) : '') +
    `\nScheduled destructions: ${r.destructions.length}\n` +
    (r.destructions.length ? table(['WHEN', 'KEY', 'NAME'], r.destructions.map((x) => [x.destroyAt, x.keyId, x.keyName])) : '');
  print(cli, r, text);
  return 0;
}
