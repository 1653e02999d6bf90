import type { Db } from '../vault/database.js';
import { dueRotations, type PolicyKey } from '../policy/index.js';
import { activePolicy } from '../app/policy-service.js';
import type { ComposedPolicy } from '../policy/index.js';
import { POLICY_KEY_COLUMNS, policyKeyFromRow, type PolicyKeyRow } from '../policy/from-core.js';

/**
 * The cached rotation due date of each active key (keys.due_at, keys.due_rule): the end of its
 * originator cryptoperiod under the active policy, or its protect-stop date when earlier — what
 * the task list computes per request, kept here so that the inventory can filter, sort and count
 * by it with an index. It is derived data, like an index: recomputing it changes no key, so it
 * writes no audit event. Triggers of migration 0006 mark what went stale.
 */

const POLICY_COLUMNS = `k.due_at AS cur_due, k.due_rule AS cur_rule, ${POLICY_KEY_COLUMNS}`;

interface Row extends PolicyKeyRow {
  cur_due: string | null;
  cur_rule: string | null;
}

/** Due dates for policy keys: id → { dueAt, rule } (rule null when the protect-stop date decides). Keys absent have none. */
export function computeDue(keys: Iterable<PolicyKey>, policy: ComposedPolicy, now: Date): Map<string, { dueAt: string; rule: string | null }> {
  const out = new Map<string, { dueAt: string; rule: string | null }>();
  // A horizon of 1,000 years: every due date, overdue ones included.
  for (const r of dueRotations(keys, policy, now, 365_000)) out.set(r.keyId, { dueAt: r.dueAt, rule: r.ruleId });
  return out;
}

const CHUNK = 5_000;
/**
 * Keys per slice of the recompute after a policy change: ~20–27 µs of CPU per key (measured at
 * 100,000 and 1,000,000 keys), so a slice holds the core's queue ~40–55 ms and a million keys
 * take 500 slices with other calls between them.
 */
export const RESCAN_SLICE = 2_000;

/**
 * Connections on which a sliced recompute (due-job.ts) owns the whole-inventory part: their
 * queries refresh only the keys the triggers marked and leave the rest to the slices.
 */
const sliced = new WeakSet<Db>();
export function setSlicedRescan(db: Db, on: boolean): void {
  if (on) sliced.add(db);
  else sliced.delete(db);
}

/** Whether every key's due date must be recomputed (a policy change, or first use), and up to which rowid that is done. */
export function rescanState(db: Db): { pending: boolean; after: number } {
  const meta = db.prepare('SELECT all_stale, rescan_after FROM inventory_meta WHERE id = 1').get() as { all_stale: number; rescan_after: number } | undefined;
  return { pending: meta?.all_stale === 1, after: meta?.rescan_after ?? 0 };
}

function updater(db: Db, now: Date) {
  const policy = activePolicy(db);
  const update = db.prepare('UPDATE keys SET due_at = ?, due_rule = ? WHERE id = ?');
  return (rows: Row[]) => {
    const active = rows.filter((r) => r.state === 'active');
    const due = computeDue(active.map(policyKeyFromRow), policy, now);
    for (const r of rows) {
      const d = r.state === 'active' ? due.get(r.id) : undefined;
      // Written only when it changed: after a policy change most keys keep their date.
      if ((d?.dueAt ?? null) !== r.cur_due || (d?.rule ?? null) !== r.cur_rule) update.run(d?.dueAt ?? null, d?.rule ?? null, r.id);
    }
    return active.length;
  };
}

/**
 * One slice of the recompute after a policy change: the next `max` keys by rowid after the
 * stored cursor, and the cursor, in one transaction — so at every commit each key holds the
 * date of the policy in force (rowid ≤ cursor) or is still to be done (rowid > cursor), and the
 * day counts (triggers) match the keys. Keys changed meanwhile are marked stale by the triggers
 * and refreshed on their own. Returns how far it got (`keys` read, `active` recomputed); `finished` when the last key was done.
 */
export function rescanSlice(db: Db, now: Date, max = RESCAN_SLICE): { finished: boolean; after: number; last: number; keys: number; active: number } {
  return db.transaction(() => {
    const state = rescanState(db);
    const last = (db.prepare('SELECT coalesce(max(rowid), 0) FROM keys').pluck().get() as number) ?? 0;
    if (!state.pending) return { finished: true, after: last, last, keys: 0, active: 0 };
    // Every key of the range (also keys no longer active, whose date is cleared), front to back.
    const rows = db
      .prepare(
        `SELECT k.rowid AS rid, ${POLICY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version
         WHERE k.rowid > ? ORDER BY k.rowid LIMIT ?`,
      )
      .all(state.after, max) as Array<Row & { rid: number }>;
    const active = updater(db, now)(rows);
    const finished = rows.length < max;
    const after = finished ? 0 : rows[rows.length - 1]!.rid;
    db.prepare('UPDATE inventory_meta SET all_stale = ?, rescan_after = ? WHERE id = 1').run(finished ? 0 : 1, after);
    return { finished, after: finished ? last : after, last, keys: rows.length, active };
  })();
}

/** The keys the triggers marked stale (a key changed): few, recomputed at once. */
function refreshStale(db: Db, now: Date): number {
  if (!db.prepare('SELECT 1 FROM inventory_stale LIMIT 1').get()) return 0;
  const apply = updater(db, now);
  return db.transaction(() => {
    const ids = db.prepare('SELECT key_id FROM inventory_stale').pluck().all() as string[];
    const select = (n: number) =>
      db.prepare(
        `SELECT ${POLICY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.id IN (${new Array(n).fill('?').join(',')})`,
      );
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      apply(select(chunk.length).all(...chunk) as Row[]);
    }
    db.prepare('DELETE FROM inventory_stale').run();
    return ids.length;
  })();
}

/**
 * Brings the cache up to date: the keys the triggers marked, and after a policy change (or on
 * first use) every key — all slices at once, unless a sliced recompute owns this connection
 * (setSlicedRescan: the core's inventory screens), in which case the keys not reached yet keep
 * their previous date until their slice — `complete` finishes it regardless (what acts on a due
 * date, automatic rotation, must not act on the previous policy's). Returns how many keys were
 * recomputed.
 */
export function refreshDue(db: Db, now: Date, options: { complete?: boolean } = {}): number {
  let done = refreshStale(db, now);
  if (sliced.has(db) && !options.complete) return done;
  for (let s = rescanState(db); s.pending; ) {
    const r = rescanSlice(db, now, 50_000);
    done += r.active;
    if (r.finished) break;
  }
  return done;
}
