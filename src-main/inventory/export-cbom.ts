import { writeFileSync } from 'node:fs';
import { exportCbom } from '../cbom/export.js';
import type { UnlockedVault } from '../vault/vault.js';
import { resolveTargets, type BulkTarget } from './bulk.js';

/**
 * A CycloneDX CBOM of a selection of the inventory (bulk action "Export CBOM"): the selected
 * keys, the algorithms they use and the certificates of their public keys.
 *
 * cbom/export.ts builds the document of the whole inventory from `keys` and `certificates`. To
 * reuse it unchanged for a subset (without building a million components and dropping most),
 * the selection is put in a TEMP table and, for the duration of that one synchronous call, TEMP
 * views named `keys` and `certificates` shadow the main tables on this connection (SQLite
 * resolves unqualified names in `temp` first). The views are dropped before anything else runs:
 * better-sqlite3 is synchronous and the core's queue runs one call at a time; TEMP objects live
 * only in this connection's memory and vanish with it, so a crash leaves nothing behind.
 */

/** Names of the shadowing objects, so a failure mid-way can always drop them. */
const SELECTION = 'temp.inventory_cbom_selection';

function withSelection<T>(v: UnlockedVault, ids: readonly string[], fn: () => T): T {
  const db = v.db;
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS inventory_cbom_selection (id TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM ${SELECTION};`);
  const add = db.prepare(`INSERT OR IGNORE INTO ${SELECTION} (id) VALUES (?)`);
  db.transaction(() => {
    for (const id of ids) add.run(id);
  })();
  try {
    db.exec(`CREATE TEMP VIEW keys AS SELECT * FROM main.keys WHERE id IN (SELECT id FROM ${SELECTION});
             CREATE TEMP VIEW certificates AS SELECT * FROM main.certificates
               WHERE spki_fingerprint IN (SELECT fingerprint FROM main.keys WHERE id IN (SELECT id FROM ${SELECTION}) AND fingerprint IS NOT NULL);`);
    return fn();
  } finally {
    db.exec(`DROP VIEW IF EXISTS temp.keys; DROP VIEW IF EXISTS temp.certificates; DELETE FROM ${SELECTION};`);
  }
}

export interface SelectionCbom {
  path: string;
  /** Keys in the document. */
  count: number;
  components: number;
  bytes: number;
}

/**
 * Writes the CBOM of `target` to `path` (owner-only) and audits it as one `cbom.export` event
 * (via 'inventory', with the size of the selection or the filter). Callers check permissions.
 * Refused (E_NOT_FOUND / E_INPUT, nothing written) as bulk actions are: unknown ids, or a filter
 * matching more than BULK_MAX keys.
 */
export function writeSelectionCbom(v: UnlockedVault, target: BulkTarget, path: string, options: { now: Date; toolVersion: string }): SelectionCbom {
  const ids = resolveTargets(v, target, options.now);
  const bom = withSelection(v, ids, () => exportCbom(v.db, options));
  const text = `${JSON.stringify(bom, null, 2)}\n`;
  writeFileSync(path, text, { mode: 0o600 });
  const components = (bom.components as unknown[]).length;
  v.record({
    actor: v.user.name,
    operation: 'cbom.export',
    outcome: 'success',
    details: { path, components, keys: ids.length, via: 'inventory', ...('filter' in target ? { filter: JSON.stringify(target.filter) } : { selection: 'ids' }) },
  });
  return { path, count: ids.length, components, bytes: Buffer.byteLength(text) };
}
