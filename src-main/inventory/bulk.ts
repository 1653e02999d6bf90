import { BULK_MAX, type ParsedInventoryFilter } from '../../src-shared/contract-inventory.js';
import type { Action } from '../../src-shared/permissions.js';
import { CustosError } from '../errors.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { AuditInput } from '../audit/log.js';
import { matchingIds } from './query.js';

/**
 * One action on many keys (a selection or every key matching a filter). All of it happens in one
 * transaction with one audit event per changed key — the same events the single-key operations
 * write, marked via 'bulk' — so the trail reads per key and a failure changes nothing.
 */

export type BulkTarget = { ids: string[] } | { filter: ParsedInventoryFilter };
export type ParsedBulkAction =
  | { kind: 'tag'; tags: string[] }
  | { kind: 'untag'; tags: string[] }
  | { kind: 'setOwner'; owner: string | null }
  | { kind: 'scheduleRotation'; at: string; mode?: 'manual' | 'auto' | undefined };

const PERMISSION: Record<ParsedBulkAction['kind'], Action> = {
  tag: 'keys.generate',
  untag: 'keys.generate',
  setOwner: 'keys.generate',
  scheduleRotation: 'keys.lifecycle',
};
const OPERATION: Record<ParsedBulkAction['kind'], string> = {
  tag: 'key.tag',
  untag: 'key.untag',
  setOwner: 'key.owner',
  scheduleRotation: 'key.schedule',
};

interface KeyRow {
  id: string;
  state: string;
  current_version: number;
  owner: string | null;
  tags: string | null;
}

const splitTags = (s: string | null) => (s ? s.split(',').filter(Boolean) : []);
const joinTags = (t: string[]) => (t.length ? `,${[...t].sort().join(',')},` : null);

/** The ids of a bulk target: listed ids that must all exist (E_NOT_FOUND), or a filter's matches (at most BULK_MAX, else E_INPUT). */
export function resolveTargets(vault: UnlockedVault, target: BulkTarget, now: Date): string[] {
  if ('ids' in target) {
    const ids = [...new Set(target.ids)];
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      for (const id of vault.db.prepare(`SELECT id FROM keys WHERE id IN (${chunk.map(() => '?').join(',')})`).pluck().all(...chunk) as string[]) found.add(id);
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw new CustosError('E_NOT_FOUND', `${missing.length} of the selected keys do not exist (first: ${missing[0]}); nothing was changed. Refresh the inventory and select again.`);
    return ids;
  }
  const ids = matchingIds(vault.db, target.filter, now, BULK_MAX);
  if (ids.length > BULK_MAX) throw new CustosError('E_INPUT', `The filter matches more than ${BULK_MAX.toLocaleString('en')} keys; narrow it (or act in several steps) — nothing was changed.`);
  return ids;
}

export function bulkApply(vault: UnlockedVault, target: BulkTarget, action: ParsedBulkAction, now: Date): { matched: number; changed: number } {
  const actor = vault.user.name;
  const operation = OPERATION[action.kind];
  try {
    requirePermission(vault.user.role, PERMISSION[action.kind]);
  } catch (e) {
    vault.record({ actor, operation, outcome: 'refused', details: { via: 'bulk', reason: (e as Error).message } });
    throw e;
  }
  if (action.kind === 'scheduleRotation' && Date.parse(action.at) <= now.getTime()) {
    throw new CustosError('E_INPUT', 'A rotation is scheduled for a moment in the future; pick a later date.');
  }
  const ids = resolveTargets(vault, target, now);
  const db = vault.db;
  const read = db.prepare('SELECT id, state, current_version, owner, tags FROM keys WHERE id = ?');
  const setTags = db.prepare('UPDATE keys SET tags = ? WHERE id = ?');
  const addTag = db.prepare('INSERT OR IGNORE INTO key_tags (tag, key_id) VALUES (?, ?)');
  const removeTag = db.prepare('DELETE FROM key_tags WHERE tag = ? AND key_id = ?');
  const setOwner = db.prepare('UPDATE keys SET owner = ? WHERE id = ?');
  const setProtectStop = db.prepare('UPDATE key_versions SET protect_stop_at = ? WHERE key_id = ? AND version = ?');
  const setRotation = db.prepare('UPDATE keys SET rotation = ? WHERE id = ?');
  // One event per changed key, appended together at the end of the transaction (one read of the
  // chain head, multi-row inserts) instead of one append per key.
  const events: AuditInput[] = [];
  db.transaction(() => {
    for (const id of ids) {
      const k = read.get(id) as KeyRow;
      let details: Record<string, string | number | boolean | null> | null = null;
      switch (action.kind) {
        case 'tag': {
          const have = splitTags(k.tags);
          const added = action.tags.filter((t) => !have.includes(t));
          if (added.length) {
            for (const t of added) addTag.run(t, id);
            setTags.run(joinTags([...have, ...added]), id);
            details = { tags: added.join(','), via: 'bulk' };
          }
          break;
        }
        case 'untag': {
          const have = splitTags(k.tags);
          const removed = action.tags.filter((t) => have.includes(t));
          if (removed.length) {
            for (const t of removed) removeTag.run(t, id);
            setTags.run(joinTags(have.filter((t) => !removed.includes(t))), id);
            details = { tags: removed.join(','), via: 'bulk' };
          }
          break;
        }
        case 'setOwner':
          if ((k.owner ?? null) !== action.owner) {
            setOwner.run(action.owner, id);
            details = { owner: action.owner, previous: k.owner, via: 'bulk' };
          }
          break;
        case 'scheduleRotation':
          // Only keys that can still protect get a deactivation date (as keys.schedule says).
          if (['pre-active', 'active', 'suspended'].includes(k.state)) {
            const at = new Date(action.at).toISOString();
            setProtectStop.run(at, id, k.current_version);
            if (action.mode) setRotation.run(action.mode, id);
            details = { deactivationAt: at, rotation: action.mode ?? null, via: 'bulk' };
          }
          break;
      }
      if (details) events.push({ actor, operation, keyId: id, keyVersion: k.current_version, outcome: 'success', details });
    }
    vault.audit.appendMany(events);
  })();
  return { matched: ids.length, changed: events.length };
}
