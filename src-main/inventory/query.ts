import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { InventoryPage, InventoryRow, InventorySortField, ParsedInventoryFilter, Severity, inventoryQueryInputSchema } from '../../src-shared/contract-inventory.js';
import { CustosError } from '../errors.js';
import type { Db } from '../vault/database.js';
import { sql } from '../vault/statements.js';
import { activePolicy } from '../app/policy-service.js';
import { GROUP_EXPRESSIONS, SORT_COLUMNS, afterCursor, exprIn, cursorSelect, findingBranches, findingRowids, groupOnly, groupWhere, instant, keysWhere, nocaseRange, orderBy, searchIds, searchNames, searchOthers, type Clause, type FilterContext, type FindingBranch, type GroupTuple } from './filter-sql.js';
import { currentGroups, groupKey, groupTuple, inventoryEpochs, mayKeep, policyMatch, type GroupRow } from './groups.js';
import type { ComposedPolicy } from '../policy/index.js';
import type { PolicyMatch } from './filter-sql.js';
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

/** A cursor: the last row's sort values, and the plan the first page chose (so later pages need no count). */
/** How a page is found: the filter's index and a sort, a walk of the sort's index, or the intersection of both (see README). */
type Plan = 'sort' | 'walk' | 'intersect' | 'merge';
const PLAN_CODE: Record<Plan, number> = { sort: 0, walk: 1, intersect: 2, merge: 3 };

/** `d`: the share of keys matching, when the first page counted them (the walk's step on later pages). */
function encodeCursor(q: ParsedQuery, values: unknown[], plan: Plan, density: number | undefined): string {
  return Buffer.from(JSON.stringify({ h: queryHash(q), v: values, w: PLAN_CODE[plan], ...(density === undefined ? {} : { d: Math.round(density * 1e6) / 1e6 }) })).toString('base64url');
}

function decodeCursor(q: ParsedQuery, cursor: string): { values: unknown[]; plan: Plan; density: number | undefined } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { h?: unknown; v?: unknown; w?: unknown; d?: unknown };
    const density = typeof c.d === 'number' && c.d > 0 && c.d <= 1 ? c.d : undefined;
    if (c.h === queryHash(q) && Array.isArray(c.v) && c.v.length >= 2 && c.v.length <= 3 && c.v.every((x) => typeof x === 'string' || typeof x === 'number'))
      return { values: c.v, plan: c.w === 3 ? 'merge' : c.w === 2 ? 'intersect' : c.w === 1 ? 'walk' : 'sort', density };
  } catch {
    // fall through
  }
  throw new CustosError('E_INPUT', 'This cursor belongs to another filter or sort (or is damaged). Start again from the first page.');
}

/**
 * The last policy matches per connection, keyed by the policy, the rules in force, the finding
 * filter and the groups counter: a match is a function of inventory_groups, and the counter moves
 * with it (triggers, same transaction, any connection). Reading and judging ~2,000 groups costs
 * ~5 ms at a million keys on every page of a finding filter otherwise; writes that leave the
 * groups alone (audit events, use counts, owners, tags) keep the match.
 */
const matchCache = new WeakMap<Db, { policy: ComposedPolicy; key: string; value: PolicyMatch }[]>();

function cachedPolicyMatch(db: Db, now: Date, finding: NonNullable<ParsedInventoryFilter['finding']>): PolicyMatch {
  const policy = activePolicy(db);
  const at = now.getTime();
  const inForce = policy.rules.map((r, i) => (r.from <= at && at < r.until ? i : '')).join(',');
  const key = JSON.stringify([inForce, finding, inventoryEpochs(db).groups]);
  const list = matchCache.get(db) ?? [];
  const hit = list.find((e) => e.policy === policy && e.key === key);
  if (hit) return hit.value;
  const value = policyMatch(db, policy, now, finding);
  // A handful of entries: the filters a screen alternates between.
  if (mayKeep(db)) matchCache.set(db, [{ policy, key, value }, ...list.slice(0, 7)]);
  return value;
}

/**
 * The rowid and group of every key an analysis alternative of a finding filter names, per
 * connection. Reading them all costs ~20 ms at a million keys (~7,000 rows, one page each), so
 * an entry stands while the finding-keys counter does (migration 0013) and follows the keys with
 * findings that changed group since (inventory_finding_moves), re-reading those rows only.
 */
interface FindingKeys {
  key: string;
  epoch: number;
  seq: number;
  rows: ReadonlyArray<readonly [number, string]>;
}
const findingKeyCache = new WeakMap<Db, FindingKeys[]>();
const groupOf = (u: string) => `SELECT k.rowid AS rid, ${GROUP_EXPRESSIONS.map((e, i) => `${e} AS g${i}`).join(', ')} FROM keys k WHERE k.rowid IN (${u})`;

function findingKeyGroups(db: Db, u: Clause): ReadonlyArray<readonly [number, string]> {
  const key = JSON.stringify([u.sql, u.params]);
  const epoch = inventoryEpochs(db).findingKeys;
  const [first, last] = sql(db, 'SELECT (SELECT coalesce(min(seq), 0) FROM inventory_finding_moves), (SELECT coalesce(max(seq), 0) FROM inventory_finding_moves)', 'raw').get() as [number, number];
  const list = findingKeyCache.get(db) ?? [];
  let entry = list.find((e) => e.key === key && e.epoch === epoch && e.seq >= first - 1);
  if (entry && entry.seq < last) {
    const moved = sql(db, groupOf('SELECT key_rowid FROM inventory_finding_moves WHERE seq > ?'), 'raw').all(entry.seq) as unknown[][];
    const now = new Map(moved.map((r) => [r[0] as number, groupKey(r.slice(1))]));
    // A new array: the outside-the-flagged-groups results are kept per array.
    const rows = entry.rows.map((r) => (now.has(r[0]) ? ([r[0], now.get(r[0])!] as const) : r));
    entry = { key, epoch, seq: last, rows };
  } else if (!entry) {
    const raw = sql(db, groupOf(u.sql), 'raw').all(...u.params) as unknown[][];
    entry = { key, epoch, seq: last, rows: raw.map((r) => [r[0] as number, groupKey(r.slice(1))] as const) };
  }
  if (mayKeep(db)) findingKeyCache.set(db, [entry, ...list.filter((e) => e.key !== key).slice(0, 7)]);
  return entry.rows;
}

export function filterContext(db: Db, now: Date): FilterContext {
  // One judgement of the groups per query, however many statements (count, walk, page) use it.
  const memo = new Map<string, ReturnType<typeof policyMatch>>();
  return {
    now,
    policyMatch: (finding) => {
      const key = JSON.stringify(finding);
      let m = memo.get(key);
      if (!m) memo.set(key, (m = cachedPolicyMatch(db, now, finding)));
      return m;
    },
  };
}

/** How many keys match a filter: from inventory_groups when the filter allows, else one indexed count. */
export function countMatches(db: Db, filter: ParsedInventoryFilter, ctx: FilterContext): number {
  const used = Object.entries(filter).filter(([, v]) => v !== undefined);
  if (used.length === 1 && filter.tags) {
    // Tags alone: the key_tags primary key counts them without touching the keys.
    return (sql(db, `SELECT count(*) AS n FROM (SELECT DISTINCT key_id FROM key_tags WHERE tag IN (${filter.tags.map(() => '?').join(',')}))`).get(...filter.tags) as { n: number }).n;
  }
  if (used.length === 1 && filter.search) {
    // The distinct ids of every alternative, each from its own index (keys_by_name, key_tags):
    // no table row is read.
    const u = searchIds(filter.search);
    return (sql(db, `SELECT count(*) AS n FROM (${u.sql})`).get(...u.params) as { n: number }).n;
  }
  if (used.length === 2 && filter.owners && filter.search) {
    // A search of some owners' keys: the name ranges of keys_by_owner_name counted from the index
    // alone, plus the keys the other alternatives find for those owners outside those ranges.
    const names = searchNames(filter.search, filter.owners);
    const others = searchOthers(filter.search, filter.owners);
    const [lo, hi] = nocaseRange(filter.search);
    const inRange = sql(db, `SELECT count(*) FROM (${names.sql})`, 'pluck').get(...names.params) as number;
    const outside = sql(db, `SELECT count(*) FROM keys k WHERE k.id IN (${others.sql}) AND NOT (k.name COLLATE NOCASE >= ? AND k.name COLLATE NOCASE < ?)`, 'pluck').get(...others.params, lo, hi) as number;
    return inRange + outside;
  }
  if (used.length === 1 && filter.finding?.present) {
    // Each alternative through its own index, rowids merged: no row is fetched to re-check the OR.
    const branches = findingBranches(filter.finding, ctx);
    const policy = branches.find((b) => b.keys !== undefined);
    // Cryptoperiod rules alone (no group flagged): their overdue keys from the per-day counts, plus
    // the analysis keys not among them — no union of ~80,000 rowids read row by row.
    if (!policy && branches.some((b) => b.overdue)) return countOutsideGroups(db, branches, ctx.policyMatch!(filter.finding).groups);
    if (!policy) {
      const u = findingRowids(branches, true);
      return (sql(db, `SELECT count(*) AS n FROM (${u.sql})`).get(...u.params) as { n: number }).n;
    }
    // The policy's keys are counted by group (inventory_groups): 700,000 keys with an info
    // finding need no union of 700,000 rowids. Only the other alternatives' keys are read, to
    // add those outside the policy's groups.
    const rest = branches.filter((b) => b !== policy);
    if (rest.length === 0) return policy.keys!;
    return policy.keys! + countOutsideGroups(db, rest, ctx.policyMatch!(filter.finding).groups);
  }
  if (groupOnly(filter)) {
    const w = groupWhere(filter);
    return (sql(db, `SELECT coalesce(sum(g.n), 0) AS n FROM inventory_groups g ${w.sql}`).get(...w.params) as { n: number }).n;
  }
  const w = keysWhere(filter, ctx);
  return (sql(db, `SELECT count(*) AS n FROM keys k ${w.sql}`).get(...w.params) as { n: number }).n;
}

/** Keys of a finding filter's analysis alternatives outside the flagged groups, per policy match: how many, and their rowids as JSON (for json_each). */
interface Outside {
  count: number;
  json: string;
}
const outsideCache = new WeakMap<readonly GroupTuple[], WeakMap<object, Outside>>();
const flaggedKeys = new WeakMap<readonly GroupTuple[], ReadonlySet<string>>();

/** The flagged groups as a set of group keys, once per policy match. */
function flaggedSet(groups: readonly GroupTuple[]): ReadonlySet<string> {
  let set = flaggedKeys.get(groups);
  if (!set) flaggedKeys.set(groups, (set = new Set(groups.map(groupKey))));
  return set;
}

/**
 * Keys matched by the other alternatives of a finding filter (analysis findings, cryptoperiod
 * overruns) outside the groups the policy alternative flags. The cryptoperiod part can be
 * ~120,000 overdue keys at a million: it is read from keys_by_group alone (its due columns,
 * migration 0011), one range per unflagged group, instead of reading each overdue row to test
 * its group; the analysis parts are a few thousand rows, tested row by row.
 */
function countOutsideGroups(db: Db, rest: readonly FindingBranch[], flaggedGroups: readonly GroupTuple[]): number {
  const overdue = rest.find((b) => b.overdue !== undefined);
  const others = rest.filter((b) => b !== overdue);
  const flagged = flaggedSet(flaggedGroups);
  let n = 0;
  let outside: Outside = { count: 0, json: '[]' };
  if (others.length) {
    // Their groups tested here rather than by the policy's row-value IN in SQL (~15 µs a row);
    // the result kept per policy match (same array while the groups counter stands).
    const rows = findingKeyGroups(db, findingRowids(others));
    const cache = outsideCache.get(flaggedGroups) ?? new WeakMap<object, Outside>();
    const hit = cache.get(rows);
    if (hit) outside = hit;
    else {
      const ids = rows.filter(([, g]) => !flagged.has(g)).map(([rid]) => rid);
      outside = { count: ids.length, json: JSON.stringify(ids) };
      outsideCache.set(flaggedGroups, cache.set(rows, outside));
    }
    n += outside.count;
  }
  if (overdue) {
    const rules = overdue.overdue!.rules;
    const isOverdue = `coalesce(k.due_at, '9999') <= ? AND coalesce(k.due_rule, '') IN (${rules.map(() => '?').join(',')})`;
    // Only active keys have a due date (refreshDue clears the others' before any query).
    const active = currentGroups(db).filter((g) => g.state === 'active');
    const unflagged = active.filter((g) => !flagged.has(groupKey(groupTuple(g))));
    const inGroups = (groups: readonly GroupRow[]) => {
      const on = GROUP_EXPRESSIONS.map((e, i) => `${e} = g.column${i + 1}`).join(' AND ');
      let count = 0;
      // Counted in the index, no set of rowids to merge. At most 1,000 groups (10,000
      // parameters) per VALUES list: SQLite binds at most 32,766.
      for (let i = 0; i < groups.length; i += 1_000) {
        const chunk = groups.slice(i, i + 1_000).map(groupTuple);
        count += sql(db, `SELECT count(*) FROM (VALUES ${chunk.map(() => `(${new Array(10).fill('?').join(',')})`).join(', ')}) g CROSS JOIN keys k INDEXED BY keys_by_group WHERE ${on} AND ${isOverdue}`, 'pluck')
          .get(...chunk.flat(), overdue.overdue!.at, ...rules) as number;
      }
      return count;
    };
    const keysIn = (groups: readonly GroupRow[]) => groups.reduce((a, g) => a + g.n, 0);
    if (keysIn(unflagged) * 2 <= keysIn(active)) n += inGroups(unflagged);
    else {
      // Most active keys are in unflagged groups (a warning filter): every overdue key from the
      // per-day counts (inventory_due_days, whole days before today's, then today's from
      // keys_by_due), less those of the flagged groups, again counted in the index.
      const today = overdue.overdue!.at.slice(0, 10);
      const marks = rules.map(() => '?').join(',');
      const days = sql(db, `SELECT coalesce(sum(n), 0) FROM inventory_due_days WHERE rule IN (${marks}) AND day < ?`, 'pluck').get(...rules, today) as number;
      const todays = sql(db, `SELECT count(*) FROM keys k WHERE coalesce(k.due_at, '9999') >= ? AND ${isOverdue}`, 'pluck').get(today, overdue.overdue!.at, ...rules) as number;
      n += days + todays - inGroups(active.filter((g) => flagged.has(groupKey(groupTuple(g)))));
    }
    // The analysis keys outside the flagged groups that are overdue too were counted twice.
    if (outside.count) n -= sql(db, `SELECT count(*) FROM keys k WHERE k.rowid IN (SELECT value FROM json_each(?)) AND ${isOverdue}`, 'pluck').get(outside.json, overdue.overdue!.at, ...rules) as number;
  }
  return n;
}

/** The ids of every key matching a filter, up to `max + 1` (so the caller can tell "too many"). */
export function matchingIds(db: Db, filter: ParsedInventoryFilter, now: Date, max: number): string[] {
  refreshDue(db, now);
  const w = keysWhere(filter, filterContext(db, now));
  return sql(db, `SELECT k.id FROM keys k ${w.sql} LIMIT ?`, 'pluck').all(...w.params, max + 1) as string[];
}

/** Below this many matches, the filter's own index finds them and they are sorted; above, walking the sort's index is cheaper. */
const WALK_ABOVE = 2_000;
/** Filters whose (column, created_at) index already serves the default sort. */
const CREATED_INDEXED = ['states', 'algorithms', 'sizes', 'stores', 'purposes', 'owners'] as const;

/**
 * Whether to walk the sort's index (checking each row against the filter) rather than collect
 * every match through the filter's index and sort them. Sorting costs in proportion to the
 * matches; walking in proportion to total/matches × page. SQLite's planner cannot know the
 * count of an arbitrary filter, we can (inventory_groups or one covering count).
 */
/** The filter each sort's index also serves (a range or equality on its leading column). */
const SAME_INDEX: Record<InventorySortField, string> = {
  dueAt: 'due',
  createdAt: 'ageDays',
  owner: 'owners',
  state: 'states',
  algorithm: 'algorithms',
  size: 'sizes',
  store: 'stores',
  purpose: 'purposes',
  name: 'search',
};

function shouldWalk(q: ParsedQuery, matches: number, walkAbove = WALK_ABOVE): boolean {
  if (matches <= walkAbove) return false;
  const used = Object.entries(q.filter).filter(([, v]) => v !== undefined);
  // Due dates sorted by due date, an age range by creation, …: one range of the same index.
  if (used.length === 1 && used[0]![0] === SAME_INDEX[q.sort.field] && q.sort.field !== 'name') return false;
  // One owner by name: keys_by_owner_name (migration 0009) holds that owner's keys in name order.
  if (q.sort.field === 'name' && used.length === 1 && used[0]![0] === 'owners' && Array.isArray(used[0]![1]) && used[0]![1].length === 1) return false;
  if (q.sort.field === 'createdAt' && used.length === 1) {
    const [name, value] = used[0]!;
    if ((CREATED_INDEXED as readonly string[]).includes(name) && Array.isArray(value) && value.length === 1 && !(name === 'stores' && String(value[0]).startsWith('token:'))) return false;
  }
  return used.length > 0;
}

/**
 * A filter of a few values on one column whose index also holds the sort order (owners by name:
 * keys_by_owner_name; state, algorithm, size, store, purpose or owner by creation date): the
 * name of that filter and its values, else null. Such a page is a merge of one ordered index
 * range per value (mergePage) — bounded by values × page, however correlated filter and sort are.
 * Also a search of a few owners' keys by name (name 'search', the owners as values): one range
 * of keys_by_owner_name per owner, and the search's other alternatives.
 */
function mergeable(q: ParsedQuery): { name: string; values: unknown[] } | null {
  const used = Object.entries(q.filter).filter(([, v]) => v !== undefined);
  if (q.sort.field === 'name' && used.length === 2 && q.filter.search && q.filter.owners && q.filter.owners.length <= 8) return { name: 'search', values: q.filter.owners };
  if (used.length !== 1) return null;
  const [name, value] = used[0]!;
  if (!Array.isArray(value) || value.length < 2 || value.length > 8) return null;
  if (q.sort.field === 'name' && name === 'owners') return { name, values: value };
  if (q.sort.field === 'createdAt' && (CREATED_INDEXED as readonly string[]).includes(name) && !(name === 'stores' && value.some((x) => String(x).startsWith('token:')))) return { name, values: value };
  return null;
}

/** The page as a merge of one index range per value: each arm reads at most a page, SQLite orders the union (same collation as the sort). */
function mergePage(db: Db, q: ParsedQuery, ctx: FilterContext, m: { name: string; values: unknown[] }, from: readonly unknown[] | null): KeyRow[] {
  const order = orderBy(q.sort.field, q.sort.direction);
  const d = q.sort.direction === 'asc' ? 'ASC' : 'DESC';
  const outer = SORT_COLUMNS[q.sort.field].map((c, i) => `c${i}${c.includes('COLLATE NOCASE') ? ' COLLATE NOCASE' : ''} ${d}`).join(', ');
  const arms: string[] = [];
  const params: unknown[] = [];
  const after = (cond: string[]) => {
    if (!from) return;
    const a = afterCursor(q.sort.field, q.sort.direction, from);
    cond.push(a.sql);
    params.push(...a.params);
  };
  if (m.name === 'search') {
    // Some owners' keys found by a search, by name: per owner, the range of keys_by_owner_name
    // whose names start with the text; then the keys its other alternatives (tags, fingerprint,
    // KCV) find for those owners. UNION drops a key both find.
    const [lo, hi] = nocaseRange(q.filter.search!);
    for (const owner of m.values as Array<string | null>) {
      const cond = ["coalesce(k.owner, '') COLLATE NOCASE = ?", 'k.name COLLATE NOCASE >= ?', 'k.name COLLATE NOCASE < ?'];
      params.push(owner ?? '', lo, hi);
      after(cond);
      arms.push(`SELECT * FROM (SELECT ${ROW_COLUMNS}, ${cursorSelect(q.sort.field)} FROM keys k INDEXED BY keys_by_owner_name WHERE ${cond.join(' AND ')} ORDER BY ${order} LIMIT ${q.limit + 1})`);
    }
    const others = searchOthers(q.filter.search!, m.values as Array<string | null>);
    const cond = [`k.id IN (${others.sql})`];
    params.push(...others.params);
    after(cond);
    arms.push(`SELECT * FROM (SELECT ${ROW_COLUMNS}, ${cursorSelect(q.sort.field)} FROM keys k WHERE ${cond.join(' AND ')} ORDER BY ${order} LIMIT ${q.limit + 1})`);
    return sql(db, `${arms.join(' UNION ')} ORDER BY ${outer} LIMIT ${q.limit + 1}`).all(...params) as KeyRow[];
  }
  for (const value of m.values) {
    const w = keysWhere({ [m.name]: [value] } as ParsedInventoryFilter, ctx);
    const cond = [w.sql.slice(6)];
    params.push(...w.params);
    if (from) {
      const a = afterCursor(q.sort.field, q.sort.direction, from);
      cond.push(a.sql);
      params.push(...a.params);
    }
    arms.push(`SELECT * FROM (SELECT ${ROW_COLUMNS}, ${cursorSelect(q.sort.field)} FROM keys k WHERE ${cond.join(' AND ')} ORDER BY ${order} LIMIT ${q.limit + 1})`);
  }
  return sql(db, `${arms.join(' UNION ALL ')} ORDER BY ${outer} LIMIT ${q.limit + 1}`).all(...params) as KeyRow[];
}

/** Group columns the inventory sorts by, as inventory_groups names them and as the sort expression reads them. */
const GROUP_SORTS: Partial<Record<InventorySortField, { column: string; expression: string }>> = {
  state: { column: 'state', expression: 'k.state' },
  algorithm: { column: 'algorithm', expression: 'k.algorithm' },
  size: { column: 'size', expression: 'k.size' },
  store: { column: 'store', expression: 'k.store' },
  purpose: { column: 'purpose', expression: "coalesce(k.purpose, '')" },
};

/** For a group-only filter sorted by a group column: the values of that column that have matches. */
function sortValues(db: Db, q: ParsedQuery): { expression: string; values: unknown[] } | undefined {
  const g = GROUP_SORTS[q.sort.field];
  if (!g || !groupOnly(q.filter)) return undefined;
  const w = groupWhere(q.filter);
  return { expression: g.expression, values: sql(db, `SELECT DISTINCT g.${g.column} FROM inventory_groups g ${w.sql}`, 'pluck').all(...w.params) };
}

const cached = new WeakSet<Db>();
/**
 * A 64 MiB page cache for the vault connection (SQLite's default is 2 MiB): pages are decrypted
 * once and stay, which makes an inventory page several times faster at a million keys.
 */
export function inventoryCache(db: Db): void {
  if (cached.has(db)) return;
  db.pragma('cache_size = -65536');
  cached.add(db);
}

const ROW_COLUMNS = `k.rowid AS rid, k.id, k.name, k.algorithm, k.family, k.size, k.curve, k.state, k.store, k.token_serial, k.purpose, k.owner, k.origin, k.created_by,
  k.created_at, k.due_at, k.due_rule, k.tags, k.fingerprint, k.kcv`;
/** Rows of the sort's index read per step of a walk, and the most read before giving up on it. */
const WALK_STEP = 2_500;
const WALK_BUDGET = 5_000;
/**
 * Candidates per step for a filter matching `density` of the keys: about 1.5 pages' worth of
 * matches. Each candidate that passes the index costs a row read (~5 µs when not cached), so a
 * filter matching 73 % of the keys reads ~200 rows instead of 2,500.
 */
function walkStep(density: number | undefined, limit: number): number {
  if (!density || density <= 0) return WALK_STEP;
  return Math.max(64, Math.min(WALK_STEP, Math.ceil((1.5 * (limit + 1)) / density)));
}

/**
 * The first page by walking the sort's index: candidates in sort order from the index alone
 * (covering, cheap), then the filter checked on those rows only; step by step until the page is
 * full. Returns null when WALK_BUDGET candidates gave too few matches — the filter is correlated
 * with the sort order (listing team-risk's keys by name, whose names start with "risk-") — so
 * that the caller sorts the matches instead; the walk's cost stays bounded either way.
 */
function walkPage(db: Db, q: ParsedQuery, ctx: FilterContext, from: readonly unknown[] | null, step = WALK_STEP, budget = (WALK_BUDGET / WALK_STEP) * step, start?: Clause): KeyRow[] | null {
  const check = keysWhere(q.filter, { ...ctx, walkSortIndex: true });
  const sv = sortValues(db, q);
  const order = orderBy(q.sort.field, q.sort.direction);
  const found: KeyRow[] = [];
  let after = from;
  for (let seen = 0; seen < budget; seen += step) {
    const cond: string[] = [];
    const params: unknown[] = [];
    if (after) {
      const a = afterCursor(q.sort.field, q.sort.direction, after);
      cond.push(a.sql);
      params.push(...a.params);
    }
    if (sv) {
      const c = exprIn(sv.expression, sv.values, true);
      cond.push(c.sql);
      params.push(...c.params);
    }
    if (start) {
      cond.push(start.sql);
      params.push(...start.params);
    }
    const candidates = sql(db, `SELECT k.rowid AS rid, ${cursorSelect(q.sort.field)} FROM keys k ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`)
      .all(...params, step) as Array<{ rid: number; c0: unknown; c1: unknown; c2?: unknown }>;
    if (candidates.length) {
      const position = new Map(candidates.map((c, i) => [c.rid, i]));
      const rows = sql(db, `SELECT ${ROW_COLUMNS}, ${cursorSelect(q.sort.field)} FROM keys k WHERE k.rowid IN (SELECT value FROM json_each(?))${check.sql ? ` AND ${check.sql.slice(6)}` : ''}`)
        .all(JSON.stringify(candidates.map((c) => c.rid)), ...check.params) as KeyRow[];
      rows.sort((a, b) => position.get(a.rid)! - position.get(b.rid)!);
      found.push(...rows);
    }
    if (found.length > q.limit) return found.slice(0, q.limit + 1);
    if (candidates.length < step) return found;
    const last = candidates[candidates.length - 1]!;
    after = last.c2 === undefined ? [last.c0, last.c1] : [last.c0, last.c1, last.c2];
  }
  return null;
}

/**
 * The first page when the walk met too few matches (the filter is correlated with the sort:
 * team-risk's keys by name, whose names all start with "risk-"): the matching rowids are
 * collected through the filter's own index into a set, then the sort's index is walked — index
 * entries only, no table rows — probing that set, and only the page's rows are read. Bounded by
 * one pass over an index (~1 M entries) instead of reading and sorting every matching row.
 */
function intersectPage(db: Db, q: ParsedQuery, ctx: FilterContext, from: readonly unknown[] | null, start?: Clause): KeyRow[] {
  const used = Object.entries(q.filter).filter(([, v]) => v !== undefined);
  // A finding filter alone is a set of rowids already: probed as it is, not looked up in keys first.
  const branches = used.length === 1 && q.filter.finding?.present ? findingBranches(q.filter.finding, ctx) : null;
  const w = branches ? findingRowids(branches) : null;
  const k = w ? null : keysWhere(q.filter, ctx);
  const cond = [w ? `+k.rowid IN (${w.sql})` : `+k.rowid IN (SELECT k.rowid FROM keys k ${k!.sql})`];
  const params = [...(w ?? k!).params];
  if (start) {
    cond.push(start.sql);
    params.push(...start.params);
  }
  if (from) {
    const a = afterCursor(q.sort.field, q.sort.direction, from);
    cond.push(a.sql);
    params.push(...a.params);
  }
  const ids = sql(db, `SELECT k.rowid FROM keys k WHERE ${cond.join(' AND ')} ORDER BY ${orderBy(q.sort.field, q.sort.direction)} LIMIT ?`, 'pluck')
    .all(...params, q.limit + 1) as number[];
  const position = new Map(ids.map((id, i) => [id, i]));
  const rows = sql(db, `SELECT ${ROW_COLUMNS}, ${cursorSelect(q.sort.field)} FROM keys k WHERE k.rowid IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as KeyRow[];
  return rows.sort((a, b) => position.get(a.rid)! - position.get(b.rid)!);
}

/**
 * For a finding filter alone sorted by creation: where its matches start, as a condition on
 * created_at that the walk and the intersection begin from — overdue keys are the oldest, and
 * newest first both met none for most of the index (~0.27 s at a million keys). From small reads:
 * the newest (oldest) creation date in the overdue range of keys_by_due (index entries only;
 * every rule's overdue keys, so a bound for the filter's) and among the analysis alternatives'
 * few keys. undefined when it does not apply or an alternative is a set of groups (no cheap
 * bound); null when nothing matches.
 */
function createdStart(db: Db, q: ParsedQuery, ctx: FilterContext): Clause | null | undefined {
  const used = Object.entries(q.filter).filter(([, v]) => v !== undefined);
  if (q.sort.field !== 'createdAt' || used.length !== 1 || !q.filter.finding?.present) return undefined;
  const direction = q.sort.direction;
  const branches = findingBranches(q.filter.finding, ctx);
  if (branches.some((b) => b.keys !== undefined)) return undefined;
  const pick = direction === 'desc' ? 'max' : 'min';
  const found: string[] = [];
  for (const b of branches) {
    const v = b.overdue
      ? sql(db, `SELECT ${pick}(k.created_at) FROM keys k INDEXED BY keys_by_due WHERE coalesce(k.due_at, '9999') <= ?`, 'pluck').get(b.overdue.at)
      : sql(db, `SELECT ${pick}(k.created_at) FROM keys k WHERE ${b.sql}`, 'pluck').get(...b.params);
    if (typeof v === 'string') found.push(v);
  }
  if (!found.length) return null;
  found.sort();
  return direction === 'desc' ? { sql: 'k.created_at <= ?', params: [found[found.length - 1]!] } : { sql: 'k.created_at >= ?', params: [found[0]!] };
}

/** One page of the inventory: filtered, sorted and counted in SQL; finding counts for the page's rows only. */
/** `tuning` is for tests: a walk from the first match on, in small steps, or the intersection at once, so the small fixture takes every path. */
export function queryInventory(db: Db, q: ParsedQuery, now: Date, tuning: { walkAbove?: number; walkStep?: number; intersect?: boolean } = {}): InventoryPage {
  const t0 = performance.now();
  inventoryCache(db);
  const asOf = q.asOf ? new Date(instant(q.asOf)) : now;
  refreshDue(db, now);
  const ctx = filterContext(db, asOf);
  const cursor = q.cursor ? decodeCursor(q, q.cursor) : null;
  const total = q.withTotal || !cursor ? countMatches(db, q.filter, ctx) : null;
  let plan: Plan;
  const merge = mergeable(q);
  const density = total === null ? cursor?.density : total / ((sql(db, 'SELECT coalesce(sum(n), 0) FROM inventory_groups', 'pluck').get() as number) || 1);
  if (cursor && total === null) plan = cursor.plan;
  else if (!shouldWalk(q, total ?? 0, tuning.walkAbove)) plan = 'sort';
  else if (merge && !tuning.walkStep && !tuning.intersect) plan = 'merge';
  else {
    // A walk meets about matches/keys of its candidates: when its budget cannot fill a page
    // (10,000 critical keys in a million), go to the intersection at once instead of walking first.
    plan = tuning.intersect || ((density ?? 0) * WALK_BUDGET < q.limit + 1 && !tuning.walkStep) ? 'intersect' : 'walk';
  }
  let rows: KeyRow[] | null = null;
  const bound = (plan === 'walk' || plan === 'intersect') && q.offset === 0 ? createdStart(db, q, ctx) : undefined;
  if (bound === null) rows = [];
  const start = bound ?? undefined;
  if (rows === null && plan === 'walk' && q.offset === 0) {
    rows = tuning.walkStep ? walkPage(db, q, ctx, cursor?.values ?? null, tuning.walkStep, undefined, start) : walkPage(db, q, ctx, cursor?.values ?? null, walkStep(density, q.limit), WALK_BUDGET, start);
  }
  if (rows === null && plan === 'walk' && q.offset === 0) plan = 'intersect';
  if (rows === null && plan === 'intersect' && q.offset === 0) rows = intersectPage(db, q, ctx, cursor?.values ?? null, start);
  if (plan === 'merge' && merge && q.offset === 0) rows = mergePage(db, q, ctx, merge, cursor?.values ?? null);
  if (rows === null) {
    // Few matches, or a deep offset: the filter's index finds the matches, SQLite sorts them.
    const w = keysWhere(q.filter, { ...ctx, sortField: q.sort.field });
    const where = [w.sql];
    const params = [...w.params];
    if (cursor) {
      const after = afterCursor(q.sort.field, q.sort.direction, cursor.values);
      where.push(`${w.sql ? 'AND' : 'WHERE'} ${after.sql}`);
      params.push(...after.params);
    }
    rows = sql(db, `SELECT ${ROW_COLUMNS}, ${cursorSelect(q.sort.field)} FROM keys k ${where.join(' ')} ORDER BY ${orderBy(q.sort.field, q.sort.direction)} LIMIT ? OFFSET ?`).all(...params, q.limit + 1, q.offset) as KeyRow[];
  }
  const more = rows.length > q.limit;
  if (more) rows.pop();
  const ids = rows.map((r) => r.id);
  const findings = new Map<string, { n: number; worst: number }>();
  if (ids.length) {
    const marks = ids.map(() => '?').join(',');
    const rank = "min(CASE severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END)";
    for (const f of sql(db, `SELECT key_id, count(*) AS n, ${rank} AS worst FROM analysis_findings WHERE key_id IN (${marks}) GROUP BY key_id`).all(...ids) as Array<{ key_id: string; n: number; worst: number }>) {
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
  const nextCursor = more && last ? encodeCursor(q, last.c2 === undefined ? [last.c0, last.c1] : [last.c0, last.c1, last.c2], plan, density) : null;
  return { rows: out, total: q.withTotal ? total : null, nextCursor, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
}
