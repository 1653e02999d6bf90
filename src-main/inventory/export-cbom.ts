import { writeFileSync } from 'node:fs';
import { exportCbom } from '../cbom/export.js';
import type { UnlockedVault } from '../vault/vault.js';
import { resolveTargets, type BulkTarget } from './bulk.js';

// A CycloneDX CBOM of a selection of the inventory (bulk action "Export CBOM"): the selected
// keys, the algorithms they use and the certificates of their public keys (cbom/export.ts with
// `keyIds`).

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
  const bom = exportCbom(v.db, { ...options, keyIds: ids });
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
