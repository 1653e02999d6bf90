import type { ParsedInventoryFilter, InventorySortField } from '../../src-shared/contract-inventory.js';

/**
 * Turns an inventory filter into a WHERE clause over `keys k`, and a sort field into the ORDER BY
 * columns of the index that serves it. Pure: the policy part of a finding filter (which groups
 * of keys a rule fires for) is computed by the caller and passed in.
 *
 * Every condition is written so that an index of migration 0006 (or 0001) can serve it:
 * nullable columns through their coalesce(…) expression indexes, names through the NOCASE index
 * with a range instead of LIKE, fingerprints and tags as prefix ranges.
 */

export interface Clause {
  sql: string;
  params: unknown[];
}

/** The ten attributes of inventory_groups, as expressions over `keys k` (same order as the table's key). */
export const GROUP_EXPRESSIONS = [
  'k.algorithm',
  'k.family',
  'k.size',
  "coalesce(k.curve, '')",
  'k.usage_mask',
  "coalesce(k.purpose, '')",
  'k.store',
  "coalesce(k.token_serial, '')",
  'k.extractable',
  'k.state',
] as const;

export type GroupTuple = [string, string, number, string, number, string, string, string, number, string];

/** What the policy says about a finding filter: the groups whose static findings match, and matching cryptoperiod rules. */
export interface PolicyMatch {
  groups: GroupTuple[];
  /** How many keys those groups hold (inventory_groups.n): counted without touching the keys. */
  keys: number;
  /** Cryptoperiod rule ids: keys with that due_rule and a due date on or before `now` match. */
  cryptoperiodRules: string[];
  /** Every group of active keys (the only keys with a due date): keys_by_group ranges for the overdue keys. */
  activeGroups?: GroupTuple[];
}

export interface FilterContext {
  now: Date;
  /**
   * Write every condition so that no index serves it (SQLite's unary +): the query then walks
   * the sort's index and checks each row, which for a broad filter finds the first page after a
   * few hundred rows instead of sorting every match. query.ts decides from the match count.
   */
  walkSortIndex?: boolean;
  /**
   * When walking an index sorted by a group column (state, algorithm, size, store, purpose):
   * the values of that column that have matches at all (from inventory_groups), so the walk
   * skips whole runs of the index without a match (all AES keys when listing external keys by
   * algorithm) instead of checking them row by row.
   */
  sortValues?: { expression: string; values: unknown[] };
  /** The sort of the statement the clause goes into (see exprIn). */
  sortField?: InventorySortField;
  /** Called only when the filter has a `finding` part. */
  policyMatch?: (finding: NonNullable<ParsedInventoryFilter['finding']>) => PolicyMatch;
}

const DAY = 86_400_000;
/** Sorts after every character a name can hold, for the upper end of a prefix range. */
const TOP = String.fromCodePoint(0x10ffff);

function marks(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/**
 * `expr IN (…)` for an indexed expression (coalesce(purpose, ''), the owner). When the same
 * expression leads the ORDER BY, a single value is bound twice: for `IN (?)` or `= ?` SQLite
 * sorts every match in a temporary b-tree (all 100,000 code-signing keys to list them by
 * purpose), while for a list of two or more it walks the index in order. Otherwise (the order is
 * the index's next column) the single value must stay an equality. See query-paths.test.ts.
 */
export function exprIn(expr: string, values: readonly unknown[], leadsOrder = false): Clause {
  const list = values.length === 1 && leadsOrder ? [values[0], values[0]] : [...values];
  return { sql: `${expr} IN (${marks(list.length)})`, params: list };
}

/** An ISO date or instant as the instant string the columns hold (toISOString format). */
export function instant(s: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00.000Z` : new Date(s).toISOString();
}

/** The columns whose filters inventory_groups can answer alone (counts without touching keys). */
export function groupOnly(f: ParsedInventoryFilter): boolean {
  const allowed = new Set(['states', 'algorithms', 'sizes', 'stores', 'purposes']);
  return Object.entries(f).every(([k, v]) => v === undefined || allowed.has(k));
}

/** Conditions shared by keys and inventory_groups (only the column prefix differs). */
function groupConditions(f: ParsedInventoryFilter, p: string, where: string[], params: unknown[], nullable: (col: string) => string, sortField?: InventorySortField): void {
  if (f.states) {
    where.push(`${p}state IN (${marks(f.states.length)})`);
    params.push(...f.states);
  }
  if (f.algorithms) {
    where.push(`${p}algorithm IN (${marks(f.algorithms.length)})`);
    params.push(...f.algorithms);
  }
  if (f.sizes) {
    where.push(`${p}size IN (${marks(f.sizes.length)})`);
    params.push(...f.sizes);
  }
  if (f.stores) {
    const ors: string[] = [];
    const plain = f.stores.filter((s) => !s.startsWith('token:'));
    if (plain.length) {
      ors.push(`${p}store IN (${marks(plain.length)})`);
      params.push(...plain);
    }
    const serials = f.stores.filter((s) => s.startsWith('token:')).map((s) => s.slice(6));
    if (serials.length) {
      ors.push(`(${p}store = 'token' AND ${nullable('token_serial')} IN (${marks(serials.length)}))`);
      params.push(...serials);
    }
    where.push(`(${ors.join(' OR ')})`);
  }
  if (f.purposes) {
    const c = exprIn(nullable('purpose'), f.purposes.map((x) => (x === 'none' ? '' : x)), sortField === 'purpose');
    where.push(c.sql);
    params.push(...c.params);
  }
}

/** WHERE for inventory_groups (g.), for filters groupOnly() accepts. */
export function groupWhere(f: ParsedInventoryFilter): Clause {
  const where: string[] = ['g.n > 0'];
  const params: unknown[] = [];
  groupConditions(f, 'g.', where, params, (c) => `g.${c}`);
  return { sql: `WHERE ${where.join(' AND ')}`, params };
}

/** A case-insensitive prefix as a NOCASE range [lo, hi). */
export function nocaseRange(prefix: string): [string, string] {
  const lo = prefix.toLowerCase();
  return [lo, lo + TOP];
}

/** The search text as a hex prefix (colons and spaces removed), or null when it is not hex. */
export function hexPrefix(search: string): string | null {
  const h = search.replace(/[:\s]/g, '').toLowerCase();
  return /^[0-9a-f]{1,64}$/.test(h) ? h : null;
}

/** WHERE over `keys k` for any filter. */
export function keysWhere(f: ParsedInventoryFilter, ctx: FilterContext): Clause {
  const where: string[] = [];
  const params: unknown[] = [];
  // Conditions written for the walk already (kept as they are, after the others).
  const raw: string[] = [];
  const rawParams: unknown[] = [];
  groupConditions(f, 'k.', where, params, (c) => `coalesce(k.${c}, '')`, ctx.sortField);
  if (f.owners) {
    const c = ownersIn(f.owners, ctx.sortField === 'owner');
    where.push(c.sql);
    params.push(...c.params);
  }
  if (f.tags) {
    if (ctx.walkSortIndex) {
      // keys.tags (',a,b,') answers per row without materialising every tagged id.
      raw.push(`(${f.tags.map(() => 'instr(k.tags, ?) > 0').join(' OR ')})`);
      rawParams.push(...f.tags.map((t) => `,${t},`));
    } else {
      where.push(`k.id IN (SELECT key_id FROM key_tags WHERE tag IN (${marks(f.tags.length)}))`);
      params.push(...f.tags);
    }
  }
  if (f.origins) {
    const ors: string[] = [];
    const plain = f.origins.filter((o) => o !== 'demo');
    if (plain.length) {
      ors.push(`k.origin IN (${marks(plain.length)})`);
      params.push(...plain);
    }
    if (f.origins.includes('demo')) ors.push(`k.created_by = 'demo'`);
    where.push(`(${ors.join(' OR ')})`);
  }
  if (f.ageDays) {
    const now = ctx.now.getTime();
    if (f.ageDays.min !== undefined) {
      where.push('k.created_at <= ?');
      params.push(new Date(now - f.ageDays.min * DAY).toISOString());
    }
    if (f.ageDays.max !== undefined) {
      where.push('k.created_at > ?');
      params.push(new Date(now - f.ageDays.max * DAY).toISOString());
    }
  }
  if (f.due) {
    // Keys without a due date sort as '9999' in the index; any range below that excludes them.
    where.push("coalesce(k.due_at, '9999') >= ?");
    params.push(f.due.from ? instant(f.due.from) : '');
    where.push("coalesce(k.due_at, '9999') < ?");
    params.push(f.due.to ? instant(f.due.to) : '9999');
  }
  if (f.dueRules) {
    where.push(`k.due_rule IN (${marks(f.dueRules.length)})`);
    params.push(...f.dueRules);
  }
  if (f.certificateNotAfter) {
    const c: string[] = [];
    if (f.certificateNotAfter.from) {
      c.push('c.not_after >= ?');
      params.push(instant(f.certificateNotAfter.from));
    }
    if (f.certificateNotAfter.to) {
      c.push('c.not_after < ?');
      params.push(instant(f.certificateNotAfter.to));
    }
    where.push(`k.fingerprint IN (SELECT c.spki_fingerprint FROM certificates c${c.length ? ` WHERE ${c.join(' AND ')}` : ''})`);
  }
  if (f.finding) {
    const branches = findingBranches(f.finding, ctx);
    if (ctx.walkSortIndex) {
      // Checked per row of the walk: each alternative is a probe of a small materialised set.
      where.push(`${f.finding.present ? '' : 'NOT '}(${branches.map((b) => b.sql).join(' OR ')})`);
      for (const b of branches) params.push(...b.params);
    } else {
      // The matching rowids, each alternative through its own index (an OR over keys would read
      // every row): ~10,000 critical keys at a million in a few ms instead of ~100.
      const u = findingRowids(branches);
      where.push(`k.rowid ${f.finding.present ? '' : 'NOT '}IN (${u.sql})`);
      params.push(...u.params);
    }
  }
  if (f.search) {
    const [lo, hi] = nocaseRange(f.search);
    const hex = hexPrefix(f.search);
    if (ctx.walkSortIndex) {
      // Checked per row while walking the sort's index: no union of every match to build first.
      const ors = ['(k.name COLLATE NOCASE >= ? AND k.name COLLATE NOCASE < ?)', 'instr(k.tags, ?) > 0'];
      rawParams.push(lo, hi, `,${lo}`);
      if (hex) {
        ors.push('(k.fingerprint >= ? AND k.fingerprint < ?)', '(k.kcv >= ? AND k.kcv < ?)');
        rawParams.push(hex, hex + 'g', hex, hex + 'g');
      }
      raw.push(`(${ors.join(' OR ')})`);
    } else {
      const u = searchIds(f.search, f.owners);
      where.push(`k.id IN (${u.sql})`);
      params.push(...u.params);
    }
  }
  if (ctx.walkSortIndex && ctx.sortValues) {
    const c = exprIn(ctx.sortValues.expression, ctx.sortValues.values, true);
    raw.push(c.sql);
    rawParams.push(...c.params);
  }
  const conditions = [...(ctx.walkSortIndex ? where.map(unindexed) : where), ...raw];
  return { sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params: [...params, ...rawParams] };
}

/** The same condition with every column of `keys k` behind a unary + (no index can serve it; values and collations are unchanged). */
function unindexed(c: string): string {
  return c.replace(/(?<![\w.+])k\./g, '+k.');
}

/** One alternative of a finding filter: a condition over `keys k`, and optionally a faster SELECT of the rowids it matches. */
export interface FindingBranch extends Clause {
  rowids?: Clause;
  /** For the policy alternative: how many keys it matches (from inventory_groups). */
  keys?: number;
  /** For the cryptoperiod alternative: its rules and the instant a due date must not pass. */
  overdue?: { rules: string[]; at: string };
}

/**
 * The rowids matching any of the alternatives, each through its own index. Inside `IN (…)` the
 * duplicates do no harm and UNION ALL skips the sorted merge UNION pays for (~10 ms for 10,000
 * rowids); `distinct` for counting them.
 */
export function findingRowids(branches: readonly FindingBranch[], distinct = false): Clause {
  const parts = branches.map((b) => b.rowids ?? { sql: `SELECT k.rowid FROM keys k WHERE ${b.sql}`, params: b.params });
  return { sql: parts.map((p) => p.sql).join(distinct ? ' UNION ' : ' UNION ALL '), params: parts.flatMap((p) => p.params) };
}

/**
 * The alternatives of a finding filter, each a condition over `keys k`: analysis findings on the
 * key, analysis findings on a certificate for it, policy findings of its group, and cryptoperiod
 * overruns. Uncorrelated subqueries: SQLite materialises each once, then either probes it per
 * row or, when small, drives the query from it through an index.
 */
export function findingBranches(finding: NonNullable<ParsedInventoryFilter['finding']>, ctx: FilterContext): FindingBranch[] {
  const out: FindingBranch[] = [];
  const fc: string[] = [];
  const fp: unknown[] = [];
  if (finding.rules) {
    fc.push(`af.rule IN (${marks(finding.rules.length)})`);
    fp.push(...finding.rules);
  }
  if (finding.severities) {
    fc.push(`af.severity IN (${marks(finding.severities.length)})`);
    fp.push(...finding.severities);
  }
  const extra = fc.length ? ` AND ${fc.join(' AND ')}` : '';
  // Per row of a walk, one seek of analysis_findings_by_key beats building the set of every
  // finding key (~7,000 at a million keys) for each step's statement.
  out.push({
    sql: ctx.walkSortIndex
      ? `EXISTS (SELECT 1 FROM analysis_findings af WHERE af.key_id = k.id${extra})`
      : `k.id IN (SELECT af.key_id FROM analysis_findings af WHERE af.key_id IS NOT NULL${extra})`,
    params: fp,
  });
  // Findings on a certificate count for the key the certificate certifies.
  out.push({ sql: `(k.fingerprint IS NOT NULL AND k.fingerprint IN (SELECT c.spki_fingerprint FROM analysis_findings af JOIN certificates c ON c.id = af.certificate_id WHERE 1${extra}))`, params: fp });
  const pm = ctx.policyMatch?.(finding);
  if (pm && pm.groups.length) {
    // The exact test is the row value; the per-column IN lists are implied by it and give the
    // planner an index (purpose, store, algorithm, …) to find the candidates with.
    const narrow: string[] = [];
    const params: unknown[] = [];
    GROUP_EXPRESSIONS.forEach((e, i) => {
      const values = [...new Set(pm.groups.map((g) => g[i]))];
      if (values.length <= 8 && (e === "coalesce(k.purpose, '')" || e === 'k.algorithm' || e === 'k.store' || e === 'k.state' || e === 'k.size')) {
        narrow.push(`${e} IN (${marks(values.length)})`);
        params.push(...values);
      }
    });
    for (const g of pm.groups) params.push(...g);
    // As a rowid source: one seek of keys_by_group (migration 0009) per group, index entries only.
    const values = `VALUES ${pm.groups.map(() => `(${marks(10)})`).join(', ')}`;
    const on = GROUP_EXPRESSIONS.map((e, i) => `${e} = g.column${i + 1}`).join(' AND ');
    out.push({
      sql: `(${[...narrow, `(${GROUP_EXPRESSIONS.join(', ')}) IN (${values})`].join(' AND ')})`,
      params,
      keys: pm.keys,
      rowids: { sql: `SELECT k.rowid FROM (${values}) g CROSS JOIN keys k INDEXED BY keys_by_group WHERE ${on}`, params: pm.groups.flat() },
    });
  }
  if (pm && pm.cryptoperiodRules.length) {
    out.push({
      sql: `(coalesce(k.due_rule, '') IN (${marks(pm.cryptoperiodRules.length)}) AND coalesce(k.due_at, '9999') <= ?)`,
      params: [...pm.cryptoperiodRules, ctx.now.toISOString()],
      overdue: { rules: pm.cryptoperiodRules, at: ctx.now.toISOString() },
      // The overdue keys from the index alone: per active group, the range of keys_by_group
      // (v11: due date and rule after the group) — ~80,000 rowids at a million keys without
      // reading a row; at most 1,000 groups per VALUES list (SQLite's parameter limit). Without
      // the groups, the overdue range of keys_by_due (a row read per key for its rule).
      rowids: pm.activeGroups?.length
        ? overdueInGroups(pm.activeGroups, pm.cryptoperiodRules, ctx.now.toISOString())
        : {
            sql: `SELECT k.rowid FROM keys k INDEXED BY keys_by_due WHERE coalesce(k.due_at, '9999') <= ? AND coalesce(k.due_rule, '') IN (${marks(pm.cryptoperiodRules.length)})`,
            params: [ctx.now.toISOString(), ...pm.cryptoperiodRules],
          },
    });
  }
  return out;
}

/** Rowids of overdue keys under these cryptoperiod rules in these groups, from keys_by_group alone. */
export function overdueInGroups(groups: readonly GroupTuple[], rules: readonly string[], at: string): Clause {
  const on = GROUP_EXPRESSIONS.map((e, i) => `${e} = g.column${i + 1}`).join(' AND ');
  const parts: string[] = [];
  const params: unknown[] = [];
  for (let i = 0; i < groups.length; i += 1_000) {
    const chunk = groups.slice(i, i + 1_000);
    parts.push(
      `SELECT k.rowid FROM (VALUES ${chunk.map(() => `(${marks(10)})`).join(', ')}) g CROSS JOIN keys k INDEXED BY keys_by_group WHERE ${on} AND coalesce(k.due_at, '9999') <= ? AND coalesce(k.due_rule, '') IN (${marks(rules.length)})`,
    );
    params.push(...chunk.flat(), at, ...rules);
  }
  return { sql: parts.join(' UNION ALL '), params };
}

/**
 * The alternatives of a search as one query of key ids (name, tag, fingerprint, KCV prefixes),
 * each served by its index: ids, not rowids, because keys_by_name and key_tags hold the id, so the
 * two big alternatives never touch the table. With `owners` (the filter names them too), the name
 * alternative is one range of keys_by_owner_name per owner — team-risk's keys starting "risk-" —
 * instead of every key whose name starts so; the others are narrowed to those owners as well.
 */
export function searchIds(search: string, owners?: readonly (string | null)[]): Clause {
  const names = searchNames(search, owners);
  const rest = searchOthers(search, owners);
  return { sql: `${names.sql} UNION ${rest.sql}`, params: [...names.params, ...rest.params] };
}

/** The name alternative of a search: one range of keys_by_name, or of keys_by_owner_name per owner. Ids. */
export function searchNames(search: string, owners?: readonly (string | null)[]): Clause {
  const [lo, hi] = nocaseRange(search);
  if (!owners) return { sql: 'SELECT id FROM keys WHERE name COLLATE NOCASE >= ? AND name COLLATE NOCASE < ?', params: [lo, hi] };
  const o = ownersIn(owners);
  return { sql: `SELECT k.id FROM keys k INDEXED BY keys_by_owner_name WHERE ${o.sql} AND k.name COLLATE NOCASE >= ? AND k.name COLLATE NOCASE < ?`, params: [...o.params, lo, hi] };
}

/** The owner condition as keys_by_owner_name indexes it. */
export function ownersIn(owners: readonly (string | null)[], leadsOrder = false): Clause {
  return exprIn("coalesce(k.owner, '') COLLATE NOCASE", owners.map((o) => o ?? ''), leadsOrder);
}

/** The alternatives of a search other than the name (tag, fingerprint, KCV prefixes), of these owners' keys only when given: ids. */
export function searchOthers(search: string, owners?: readonly (string | null)[]): Clause {
  const [lo, hi] = nocaseRange(search);
  const hex = hexPrefix(search);
  const o = owners ? ownersIn(owners) : null;
  const parts = [o ? `SELECT k.id FROM key_tags t JOIN keys k ON k.id = t.key_id WHERE t.tag >= ? AND t.tag < ? AND ${o.sql}` : 'SELECT key_id FROM key_tags WHERE tag >= ? AND tag < ?'];
  const params: unknown[] = [lo, hi, ...(o?.params ?? [])];
  if (hex) {
    const and = o ? ` AND ${o.sql}` : '';
    parts.push(`SELECT k.id FROM keys k WHERE k.fingerprint >= ? AND k.fingerprint < ?${and}`, `SELECT k.id FROM keys k WHERE k.kcv >= ? AND k.kcv < ?${and}`);
    params.push(hex, hex + 'g', ...(o?.params ?? []), hex, hex + 'g', ...(o?.params ?? []));
  }
  return { sql: parts.join(' UNION '), params };
}

/** ORDER BY columns per sort field: the leading column, then the index's tiebreakers. */
export const SORT_COLUMNS: Readonly<Record<InventorySortField, readonly string[]>> = {
  name: ['k.name COLLATE NOCASE', 'k.id'],
  createdAt: ['k.created_at', 'k.id'],
  state: ['k.state', 'k.created_at', 'k.rowid'],
  algorithm: ['k.algorithm', 'k.created_at', 'k.rowid'],
  store: ['k.store', 'k.created_at', 'k.rowid'],
  size: ['k.size', 'k.created_at', 'k.rowid'],
  purpose: ["coalesce(k.purpose, '')", 'k.created_at', 'k.rowid'],
  owner: ["coalesce(k.owner, '') COLLATE NOCASE", 'k.created_at', 'k.rowid'],
  dueAt: ["coalesce(k.due_at, '9999')", 'k.created_at', 'k.rowid'],
};

/** The SELECT expressions that give a row's cursor values (same order as SORT_COLUMNS). */
export function cursorSelect(field: InventorySortField): string {
  return SORT_COLUMNS[field].map((c, i) => `${c.replace(' COLLATE NOCASE', '')} AS c${i}`).join(', ');
}

export function orderBy(field: InventorySortField, direction: 'asc' | 'desc'): string {
  const d = direction === 'asc' ? 'ASC' : 'DESC';
  return SORT_COLUMNS[field].map((c) => `${c} ${d}`).join(', ');
}

/**
 * Rows strictly after `values` in the sort order: the leading column as an index range, the
 * tiebreakers spelled out (a row-value comparison would not carry the NOCASE collation).
 */
export function afterCursor(field: InventorySortField, direction: 'asc' | 'desc', values: readonly unknown[]): Clause {
  const cols = SORT_COLUMNS[field];
  const gt = direction === 'asc' ? '>' : '<';
  const ge = direction === 'asc' ? '>=' : '<=';
  const params: unknown[] = [values[0]];
  let tail = '';
  // Build from the last column inward: c_n > v_n, then c_{n-1} > v_{n-1} OR (c_{n-1} = v_{n-1} AND tail).
  for (let i = cols.length - 1; i >= 1; i--) {
    const c = cols[i]!;
    if (!tail) {
      tail = `${c} ${gt} ?`;
      params.splice(1, 0, values[i]);
    } else {
      tail = `(${c} ${gt} ? OR (${c} = ? AND ${tail}))`;
      params.splice(1, 0, values[i], values[i]);
    }
  }
  const lead = cols[0]!;
  params.splice(1, 0, values[0]);
  return { sql: `${lead} ${ge} ? AND (${lead} ${gt} ? OR ${tail})`, params };
}
