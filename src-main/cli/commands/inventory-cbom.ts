import { BULK_MAX, inventoryExportCbomInputSchema, inventoryFilterSchema } from '../../../src-shared/contract-inventory.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readAppVersion } from '../../platform/app-version.js';
import { requirePermission } from '../../users/permissions.js';
import { writeSelectionCbom } from '../../inventory/export-cbom.js';
import { only, parseWith, print, UsageError, withVault, type Cli } from '../context.js';

/**
 * inventory export-cbom (ID… | --filter JSON [--search TEXT]) --out FILE: the bulk action of the
 * inventory screen — a CycloneDX CBOM of the listed keys or of every key matching the filter.
 */
export async function inventoryExportCbom(cli: Cli): Promise<number> {
  only(cli, ['filter', 'search', 'out'], BULK_MAX);
  const out = cli.values.out;
  if (!out) throw new UsageError('--out FILE is required');
  let input: z.output<typeof inventoryExportCbomInputSchema>;
  if (cli.args.length) {
    if (cli.values.filter !== undefined || cli.values.search !== undefined) throw new UsageError('give key ids or --filter/--search, not both');
    input = parseWith(inventoryExportCbomInputSchema, { ids: cli.args }, 'key ids');
  } else {
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
    if (cli.values.filter === undefined && cli.values.search === undefined) throw new UsageError('give key ids, or --filter JSON (\'{}\' for every key, at most 50,000) and/or --search TEXT');
    input = { filter: parsed };
  }
  const version = readAppVersion(dirname(fileURLToPath(import.meta.url)));
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return writeSelectionCbom(v, input.ids ? { ids: input.ids } : { filter: input.filter! }, out, { now: v.now(), toolVersion: version });
  });
  print(cli, r, `Wrote ${r.count.toLocaleString('en')} keys (${r.components} components, ${r.bytes} bytes) to ${r.path}.\n`);
  return 0;
}
