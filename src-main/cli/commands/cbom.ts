import { readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAppVersion } from '../../platform/app-version.js';
import { writeCbom } from '../../cbom/export.js';
import { importCbomFile, MAX_CBOM_BYTES } from '../../cbom/import.js';
import { requirePermission } from '../../users/permissions.js';
import { only, print, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/** cbom export --out FILE: the inventory as a CycloneDX 1.6 CBOM (public metadata only). */
export async function cbomExport(cli: Cli): Promise<number> {
  const version = readAppVersion(dirname(fileURLToPath(import.meta.url)));
  only(cli, ['out']);
  const out = cli.values.out;
  if (!out) throw new UsageError('--out FILE is required');
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.read');
    return writeCbom(v, out, { now: v.now(), toolVersion: version });
  });
  print(cli, r, `Wrote ${r.components} components (${r.bytes} bytes) to ${r.path}.\n`);
  return 0;
}

/** cbom import FILE: the public keys and certificates of a CBOM enter the inventory. */
export async function cbomImport(cli: Cli): Promise<number> {
  only(cli, [], 1);
  const file = cli.args[0];
  if (!file) throw new UsageError('give the CBOM file to import');
  let text: string;
  try {
    if (statSync(file).size > MAX_CBOM_BYTES) throw new UsageError(`${file} is larger than ${MAX_CBOM_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}`);
  }
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.generate');
    return importCbomFile(v, text, basename(file));
  });
  print(cli, r, table(['COMPONENT', 'NAME', 'OUTCOME', 'KEY', 'REASON'], r.components.map((c) => [c.ref, c.name, c.outcome, c.keyId ?? c.certificateId ?? '—', c.reason ?? ''])));
  return 0;
}
