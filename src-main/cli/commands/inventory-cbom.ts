import { BULK_MAX, inventoryExportCbomInputSchema } from '../../../src-shared/contract-inventory.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type z } from 'zod';
import { readAppVersion } from '../../platform/app-version.js';
import { requirePermission } from '../../users/permissions.js';
import { writeSelectionCbom } from '../../inventory/export-cbom.js';
import { only, parseWith, print, UsageError, withVault, type Cli } from '../context.js';
import { filterFromCli } from './inventory.js';

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
    if (cli.values.filter === undefined && cli.values.search === undefined) throw new UsageError('give key ids, or --filter JSON (\'{}\' for every key, at most 50,000) and/or --search TEXT');
    input = { filter: filterFromCli(cli) };
  }
  const version = readAppVersion(dirname(fileURLToPath(import.meta.url)));
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return writeSelectionCbom(v, input.ids ? { ids: input.ids } : { filter: input.filter! }, out, { now: v.now(), toolVersion: version });
  });
  print(cli, r, `Wrote ${r.count.toLocaleString('en')} keys (${r.components} components, ${r.bytes} bytes) to ${r.path}.\n`);
  return 0;
}
