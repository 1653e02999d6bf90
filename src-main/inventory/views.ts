import { randomBytes } from 'node:crypto';
import { inventoryFilterSchema, inventorySortSchema, type SavedView } from '../../src-shared/contract-inventory.js';
import type { UnlockedVault } from '../vault/vault.js';
import { requirePermission } from '../users/permissions.js';

/**
 * Saved views: named filters and sorts, shared by every user of the vault. Saving and deleting
 * change the vault, so they are audited and need an operator role (auditors read only).
 */

interface Row {
  id: string;
  name: string;
  filter: string;
  sort: string;
  created_by: string;
  created_at: string;
}

function toView(r: Row): SavedView {
  // Parsed again on the way out: a view saved by an older Custos that no longer fits is shown as the whole inventory.
  const filter = inventoryFilterSchema.safeParse(JSON.parse(r.filter));
  const sort = inventorySortSchema.safeParse(JSON.parse(r.sort));
  return { id: r.id, name: r.name, filter: filter.success ? filter.data : {}, sort: sort.success ? sort.data : { field: 'createdAt', direction: 'desc' }, createdBy: r.created_by, createdAt: r.created_at };
}

export function listViews(vault: UnlockedVault): SavedView[] {
  requirePermission(vault.user.role, 'keys.read');
  return (vault.db.prepare('SELECT * FROM saved_views ORDER BY name COLLATE NOCASE').all() as Row[]).map(toView);
}

/** Saves a view, replacing the one of the same name (case-insensitive). */
export function saveView(vault: UnlockedVault, input: { name: string; filter: unknown; sort: unknown }, now: Date): SavedView {
  requirePermission(vault.user.role, 'keys.generate');
  const existing = vault.db.prepare('SELECT id FROM saved_views WHERE name = ? COLLATE NOCASE').get(input.name) as { id: string } | undefined;
  const id = existing?.id ?? randomBytes(16).toString('hex');
  const row: Row = { id, name: input.name, filter: JSON.stringify(input.filter), sort: JSON.stringify(input.sort), created_by: vault.user.name, created_at: now.toISOString() };
  vault.change({ actor: vault.user.name, operation: 'inventory.view.save', outcome: 'success', details: { id, name: input.name, replaced: !!existing } }, () => {
    vault.db
      .prepare(
        `INSERT INTO saved_views (id, name, filter, sort, created_by, created_at) VALUES (@id, @name, @filter, @sort, @created_by, @created_at)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, filter = excluded.filter, sort = excluded.sort, created_by = excluded.created_by, created_at = excluded.created_at`,
      )
      .run(row);
  });
  return toView(row);
}

export function deleteView(vault: UnlockedVault, id: string): boolean {
  requirePermission(vault.user.role, 'keys.generate');
  const row = vault.db.prepare('SELECT name FROM saved_views WHERE id = ?').get(id) as { name: string } | undefined;
  if (!row) return false;
  vault.change({ actor: vault.user.name, operation: 'inventory.view.delete', outcome: 'success', details: { id, name: row.name } }, () => {
    vault.db.prepare('DELETE FROM saved_views WHERE id = ?').run(id);
  });
  return true;
}
