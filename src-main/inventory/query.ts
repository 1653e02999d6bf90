import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { InventoryPage, InventoryRow, ParsedInventoryFilter, Severity, inventoryQueryInputSchema } from '../../src-shared/contract-inventory.js';
import { CustosError } from '../errors.js';
import type { Db } from '../vault/database.js';
import { activePolicy } from '../app/policy-service.js';
import { afterCursor, cursorSelect, groupOnly, groupWhere, instant, keysWhere, orderBy, type FilterContext } from './filter-sql.js';
import { policyMatch } from './groups.js';
import { refreshDue } from './due.js';

export type ParsedQuery = z.output<typeof inventoryQueryInputSchema>;

const DAY = 86_400_000;
const SEVERITY_BY_RANK: Severity[] = ['critical', 'error', 'warning', 'info'];

interface KeyRow {
  rid: number;
  id: string;
  name: string;
  algorithm: string;
  family: string;
  size: number;
  curve: string | null;
  state: InventoryRow['state'];
  store: InventoryRow['store'];
  token_serial: string | null;
  purpose: string | null;
  owner: string | null;
  origin: string;
  created_by: string;
  created_at: string;
  due_at: string | null;
  due_rule: string | null;
  tags: string | null;
  fingerprint: string | null;
  kcv: string | null;
  c0: unknown;
  c1: unknown;
  c2?: unknown;
}

/** Ties a cursor to the filter and sort that made it, so a cursor cannot be replayed on another query. */
function queryHash(q: ParsedQuery): string {
  return createHash('sha256').update(JSON.stringify([q.filter, q.sort])).digest('hex').slice(0, 16);
}

function encodeCursor(q: ParsedQuery, values: unknown[]): string {
  return Buffer.from(JSON.stringify({ h: queryHash(q), v: values })).toString('base64url');
}

function decodeCursor(q: ParsedQuery, cursor: string): unknown[] {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { h?: unknown; v?: unknown };
    if (c.h === queryHash(q) && Array.isArray(c.v) && c.v.length >= 2 && c.v.length <= 3 && c.v.every((x) => typeof x === 'string' || typeof x === 'number')) return c.v;
  } catch {
    // fall through
  }
  throw new CustosError('E_INPUT', 'This cursor belongs to another filter or sort (or is damaged). Start again from the first page.');
}

export function filterContext(db: Db, now: Date): FilterContext {
  return { now, policyMatch: (finding) => policyMatch(db, activePolicy(db), now, finding) };
}

/** How many keys match a filter: from inventory_groups when the filter allows, else one indexed count. */
export function countMatches(db: Db, filter: ParsedInventoryFilter, ctx: FilterContext): number {
  if (groupOnly(filter)) {
    const w = groupWhere(filter);
    return (db.prepare(`SELECT coalesce(sum(g.n), 0) AS n FROM inventory_groups g ${w.sql}`).get(...w.params) as { n: number }).n;
  }
  const w = keysWhere(filter, ctx);
  return (db.prepare(`SELECT count(*) AS n FROM keys k ${w.sql}`).get(...w.params) as { n: number }).n;
}

/** The ids of every key matching a filter, up to `max + 1` (so the caller can tell "too many"). */
export function matchingIds(db: Db, filter: ParsedInventoryFilter, now: Date, max: number): string[] {
  refreshDue(db, now);
  const w = keysWhere(filter, filterContext(db, now));
  return db.prepare(`SELECT k.id FROM keys k ${w.sql} LIMIT ?`).pluck().all(...w.params, max + 1) as string[];
}

/** One page of the inventory: filtered, sorted and counted in SQL; finding counts for the page's rows only. */
export function queryInventory(db: Db, q: ParsedQuery, now: Date): InventoryPage {
  const t0 = performance.now();
  const asOf = q.asOf ? new Date(instant(q.asOf)) : now;
  refreshDue(db, now);
  const ctx = filterContext(db, asOf);
  const w = keysWhere(q.filter, ctx);
  const where = [w.sql];
  const params = [...w.params];
  if (q.cursor) {
    const after = afterCursor(q.sort.field, q.sort.direction, decodeCursor(q, q.cursor));
    where.push(`${w.sql ? 'AND' : 'WHERE'} ${after.sql}`);
    params.push(...after.params);
  }
  const rows = db
    .prepare(
      `SELECT k.rowid AS rid, k.id, k.name, k.algorithm, k.family, k.size, k.curve, k.state, k.store, k.token_serial, k.purpose, k.owner, k.origin, k.created_by,
              k.created_at, k.due_at, k.due_rule, k.tags, k.fingerprint, k.kcv, ${cursorSelect(q.sort.field)}
       FROM keys k ${where.join(' ')} ORDER BY ${orderBy(q.sort.field, q.sort.direction)} LIMIT ? OFFSET ?`,
    )
    .all(...params, q.limit + 1, q.offset) as KeyRow[];
  const more = rows.length > q.limit;
  if (more) rows.pop();
  const ids = rows.map((r) => r.id);
  const findings = new Map<string, { n: number; worst: number }>();
  if (ids.length) {
    const marks = ids.map(() => '?').join(',');
    const rank = "min(CASE severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END)";
    for (const f of db.prepare(`SELECT key_id, count(*) AS n, ${rank} AS worst FROM analysis_findings WHERE key_id IN (${marks}) GROUP BY key_id`).all(...ids) as Array<{ key_id: string; n: number; worst: number }>) {
      findings.set(f.key_id, { n: f.n, worst: f.worst });
    }
  }
  const at = asOf.getTime();
  const out: InventoryRow[] = rows.map((r) => {
    const f = findings.get(r.id);
    return {
      id: r.id,
      name: r.name,
      algorithm: r.algorithm,
      family: r.family,
      size: r.size,
      curve: r.curve,
      state: r.state,
      store: r.store,
      tokenSerial: r.token_serial,
      purpose: r.purpose,
      owner: r.owner,
      tags: r.tags ? r.tags.split(',').filter(Boolean).sort() : [],
      origin: r.created_by === 'demo' ? 'demo' : r.origin,
      createdAt: r.created_at,
      ageDays: Math.max(0, Math.floor((at - Date.parse(r.created_at)) / DAY)),
      dueAt: r.due_at,
      dueRule: r.due_rule,
      fingerprint: r.fingerprint,
      kcv: r.kcv,
      findings: f?.n ?? 0,
      worstSeverity: f ? SEVERITY_BY_RANK[f.worst]! : null,
    };
  });
  const last = rows[rows.length - 1];
  const nextCursor = more && last ? encodeCursor(q, last.c2 === undefined ? [last.c0, last.c1] : [last.c0, last.c1, last.c2]) : null;
  const total = q.withTotal ? countMatches(db, q.filter, ctx) : null;
  return { rows: out, total, nextCursor, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
}
