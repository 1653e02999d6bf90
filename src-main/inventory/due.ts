import type { Db } from '../vault/database.js';
import { dueRotations, type PolicyKey } from '../policy/index.js';
import { inventoryPolicy } from './policy-cache.js';
import type { ComposedPolicy } from '../policy/index.js';

/**
 * The cached rotation due date of each active key (keys.due_at, keys.due_rule): the end of its
 * originator cryptoperiod under the active policy, or its protect-stop date when earlier — what
 * the task list computes per request, kept here so that the inventory can filter, sort and count
 * by it with an index. It is derived data, like an index: recomputing it changes no key, so it
 * writes no audit event. Triggers of migration 0006 mark what went stale.
 */

const POLICY_COLUMNS = `k.due_at AS cur_due, k.due_rule AS cur_rule, k.id, k.name, k.algorithm, k.family, k.size, k.curve, k.state, k.store, k.extractable, k.usage_mask, k.purpose,
  v.generated_at, v.activation_at, v.protect_stop_at, v.process_stop_at`;

interface Row {
  cur_due: string | null;
  cur_rule: string | null;
  id: string;
  name: string;
  algorithm: string;
  family: string;
  size: number;
  curve: string | null;
  state: PolicyKey['state'];
  store: PolicyKey['store'];
  extractable: number;
  usage_mask: number;
  purpose: string | null;
  generated_at: string;
  activation_at: string | null;
  protect_stop_at: string | null;
  process_stop_at: string | null;
}

function toPolicyKey(r: Row): PolicyKey {
  return {
    id: r.id,
    name: r.name,
    algorithm: r.algorithm,
    family: r.family,
    size: r.size,
    curve: r.curve,
    state: r.state,
    store: r.store,
    extractable: r.extractable === 1,
    usageMask: r.usage_mask,
    purpose: r.purpose,
    createdAt: r.generated_at,
    activationDate: r.activation_at,
    protectStopAt: r.protect_stop_at,
    processStopAt: r.process_stop_at,
  };
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
  const policy = inventoryPolicy(db);
  const update = db.prepare('UPDATE keys SET due_at = ?, due_rule = ? WHERE id = ?');
  let done = 0;
  const apply = (rows: Row[]) => {
    const due = computeDue(rows.map(toPolicyKey), policy, now);
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
