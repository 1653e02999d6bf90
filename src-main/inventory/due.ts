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
 * Brings the cache up to date: every active key after a policy change (or on first use), else
 * only the keys the triggers marked. Returns how many keys were recomputed.
 */
export function refreshDue(db: Db, now: Date): number {
  const meta = db.prepare('SELECT all_stale FROM inventory_meta WHERE id = 1').get() as { all_stale: number } | undefined;
  const all = meta?.all_stale === 1;
  if (!all && !db.prepare('SELECT 1 FROM inventory_stale LIMIT 1').get()) return 0;
  const policy = activePolicy(db);
  const update = db.prepare('UPDATE keys SET due_at = ?, due_rule = ? WHERE id = ?');
  let done = 0;
  const apply = (rows: Row[]) => {
    const due = computeDue(rows.map(policyKeyFromRow), policy, now);
    for (const r of rows) {
      const d = due.get(r.id);
      // Written only when it changed: after a policy change most keys keep their date.
      if ((d?.dueAt ?? null) !== r.cur_due || (d?.rule ?? null) !== r.cur_rule) update.run(d?.dueAt ?? null, d?.rule ?? null, r.id);
    }
    done += rows.length;
  };
  db.transaction(() => {
    if (all) {
      db.prepare("UPDATE keys SET due_at = NULL, due_rule = NULL WHERE due_at IS NOT NULL AND state <> 'active'").run();
      // In rowid order, a chunk at a time: the table and key_versions are read front to back.
      const page = db.prepare(
        `SELECT k.rowid AS rid, ${POLICY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version
         WHERE k.rowid > ? AND +k.state = 'active' ORDER BY k.rowid LIMIT ?`,
      );
      for (let after = 0; ; ) {
        const rows = page.all(after, CHUNK) as Array<Row & { rid: number }>;
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.rid;
        apply(rows);
      }
    } else {
      const ids = db.prepare('SELECT key_id FROM inventory_stale').pluck().all() as string[];
      const select = (n: number) =>
        db.prepare(`SELECT ${POLICY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.id IN (${new Array(n).fill('?').join(',')})`);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        apply(select(chunk.length).all(...chunk) as Row[]);
      }
    }
    db.prepare('DELETE FROM inventory_stale').run();
    db.prepare('UPDATE inventory_meta SET all_stale = 0 WHERE id = 1').run();
  })();
  return done;
}
