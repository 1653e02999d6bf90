import { z } from 'zod';
import { INVENTORY_SORT_FIELDS, inventoryFilterSchema, inventoryQueryInputSchema } from '../../../src-shared/contract-inventory.js';
import { requirePermission } from '../../users/permissions.js';
import { queryInventory } from '../../inventory/query.js';
import { inventoryAggregates } from '../../inventory/aggregates.js';
import { only, parseWith, print, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/** The inventory filter of `--filter JSON` and `--search TEXT` (both optional: `{}` without them). */
export function filterFromCli(cli: Cli): z.output<typeof inventoryFilterSchema> {
  let filter: unknown = {};
  if (cli.values.filter !== undefined) {
    try {
      filter = JSON.parse(cli.values.filter);
    } catch {
      throw new UsageError('--filter must be JSON, e.g. \'{"states":["active"],"tags":["pci"]}\'');
    }
  }
  const parsed = parseWith(inventoryFilterSchema, filter, '--filter');
  if (cli.values.search !== undefined) parsed.search = parseWith(z.string().trim().min(1).max(128), cli.values.search, '--search');
  return parsed;
}

/** inventory list [--filter JSON] [--search TEXT] [--sort FIELD[:asc|desc]] [--limit N]: one page, filtered and sorted in SQL. */
export async function inventoryList(cli: Cli): Promise<number> {
  only(cli, ['filter', 'search', 'sort', 'limit']);
  const parsedFilter = filterFromCli(cli);
  const [field, direction] = (cli.values.sort ?? 'createdAt:desc').split(':');
  const sort = { field: parseWith(z.enum(INVENTORY_SORT_FIELDS), field, '--sort'), direction: parseWith(z.enum(['asc', 'desc']), direction ?? 'asc', '--sort direction') };
  const limit = parseWith(z.coerce.number().int().min(1).max(200), cli.values.limit ?? '50', '--limit');
  const page = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return queryInventory(v.db, inventoryQueryInputSchema.parse({ filter: parsedFilter, sort, limit }), v.now());
  });
  print(
    cli,
    page,
    table(
      ['ID', 'NAME', 'ALGORITHM', 'STATE', 'STORE', 'PURPOSE', 'OWNER', 'TAGS', 'DUE'],
      page.rows.map((r) => [r.id, r.name, r.algorithm, r.state, r.tokenSerial ? `token:${r.tokenSerial}` : r.store, r.purpose ?? '-', r.owner ?? '-', r.tags.join(',') || '-', r.dueAt?.slice(0, 10) ?? '-']),
    ) + `${page.rows.length} of ${page.total?.toLocaleString('en')} keys (${page.tookMs} ms)\n`,
  );
  return 0;
}

/** inventory summary [--as-of DATE]: the dashboard's figures as text or JSON. */
export async function inventorySummary(cli: Cli): Promise<number> {
  only(cli, ['as-of']);
  const asOf = cli.values['as-of'] === undefined ? undefined : parseWith(z.iso.date(), cli.values['as-of'], '--as-of');
  const a = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return inventoryAggregates(v.db, { now: v.now(), asOf });
  });
  const c = a.compliance.today;
  const text = [
    `${a.total.toLocaleString('en')} keys as of ${a.asOf.slice(0, 10)}; compliance ${c.score} % (${c.compliant.toLocaleString('en')} of ${c.judged.toLocaleString('en')} live keys without error or critical findings)`,
    `states: ${a.byState.map((s) => `${s.state} ${s.count}`).join(', ')}`,
    `stores: ${a.byStore.map((s) => `${s.label} ${s.count}`).join(', ')}`,
    `rotations overdue: ${a.rotationsDue.overdue.count}; due next 12 months: ${a.rotationsDue.months.map((m) => `${m.month} ${m.count}`).join(', ')}`,
    `certificates: ${a.certificates.total} (expired ${a.certificates.expired}, within 30 days ${a.certificates.within30Days})`,
    `analysis findings: ${a.findings.total} (critical ${a.findings.bySeverity.critical}, error ${a.findings.bySeverity.error}, warning ${a.findings.bySeverity.warning})`,
  ].join('\n');
  print(cli, a, text + '\n');
  return 0;
}
