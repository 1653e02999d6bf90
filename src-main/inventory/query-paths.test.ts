import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { INVENTORY_SORT_FIELDS, inventoryFilterSchema, inventoryPageSchema, inventoryQueryInputSchema, type InventoryQueryInput, type InventorySortField } from '../../src-shared/contract-inventory.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import type { Db } from '../vault/database.js';
import { filterContext, queryInventory } from './query.js';
import { keysWhere, orderBy } from './filter-sql.js';
import { FIXTURE_NOW, insertFixture } from './test-fixture.js';

/**
 * The query paths added for the million-key goals, against plain SQL on the eleven-key fixture:
 * a search of some owners' keys (count from the name ranges of keys_by_owner_name plus the other
 * alternatives; pages as one range per owner), the any-finding count (overdue keys outside the
 * flagged groups read from keys_by_group), and the plans of every single-filter page.
 */

let dir: ReturnType<typeof tempDir>;
let v: UnlockedVault;
const now = FIXTURE_NOW;

beforeAll(async () => {
  dir = tempDir('custos-inventory-paths-');
  v = await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => now });
  insertFixture(v);
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

/** The filter evaluated row by row (every condition behind +, no index, no count shortcut), in the sort's order. */
function plainSql(filter: InventoryQueryInput['filter'], field: InventorySortField, direction: 'asc' | 'desc'): string[] {
  const w = keysWhere(inventoryFilterSchema.parse(filter ?? {}), { ...filterContext(v.db, now), walkSortIndex: true });
  return v.db.prepare(`SELECT k.id FROM keys k ${w.sql} ORDER BY ${orderBy(field, direction)}`).pluck().all(...w.params) as string[];
}

/** Every page with cursors of `limit`, the first with its total. */
function pages(input: InventoryQueryInput, tuning: Parameters<typeof queryInventory>[3] = {}): { ids: string[]; total: number | null } {
  const ids: string[] = [];
  let total: number | null = null;
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const p = inventoryPageSchema.parse(queryInventory(v.db, inventoryQueryInputSchema.parse({ ...input, cursor, withTotal: i === 0 }), now, tuning));
    if (i === 0) total = p.total;
    ids.push(...p.rows.map((r) => r.id));
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return { ids, total };
}

describe('inventory query paths at a million keys, against plain SQL', () => {
  it.each([
    [{ search: 'web', owners: ['team-web'] }, 2],
    [{ search: 'WEB-tls', owners: ['TEAM-WEB', 'team-pki'] }, 2],
    [{ search: 'prod', owners: ['team-web', 'team-pki'] }, 3],
    [{ search: 'ab:12', owners: ['team-web', null] }, 1],
    [{ search: 'c0ffee', owners: ['team-data'] }, 1],
    [{ search: 'dek', owners: ['team-data', 'team-ops'] }, 2],
    [{ search: 'root', owners: [null] }, 0],
  ] as Array<[InventoryQueryInput['filter'], number]>)('finds a search of some owners’ keys (name ranges per owner, then tags, fingerprints, KCVs): %j', (filter, count) => {
    for (const field of ['name', 'createdAt', 'owner'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const expected = plainSql(filter, field, direction);
        expect(expected.length, JSON.stringify(filter)).toBe(count);
        // Default plan (the fixture's few matches are sorted), and the million-key plans (merge by name, walk otherwise).
        for (const tuning of [{}, { walkAbove: 0 }]) {
          const got = pages({ filter, sort: { field, direction }, limit: 2 }, tuning);
          expect(got.total, `${JSON.stringify(filter)} ${field} ${direction}`).toBe(count);
          expect(got.ids, `${JSON.stringify(filter)} ${field} ${direction} ${JSON.stringify(tuning)}`).toEqual(expected);
        }
      }
    }
  });

  it.each([
    [{}],
    [{ severities: ['warning'] }],
    [{ severities: ['info', 'warning'] }],
    [{ rules: ['sp800-57.private-authentication'] }],
    [{ rules: ['sp800-57.private-authentication', 'rsa-roca', 'cert-expiring'] }],
    [{ rules: ['sp800-57.private-authentication', 'sp800-57.private-signature', 'rsa-roca'] }],
    [{ rules: ['no-such-rule'] }],
    [{ severities: ['critical', 'warning'], present: false }],
  ] as Array<[NonNullable<InventoryQueryInput['filter']>['finding']]>)('counts and pages a finding filter as plain SQL does (overdue keys outside flagged groups from keys_by_group): %j', (finding) => {
    for (const field of ['name', 'createdAt'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const expected = plainSql({ finding }, field, direction);
        expect(pages({ filter: { finding }, sort: { field, direction }, limit: 3 }).total).toBe(expected.length);
        for (const tuning of [{}, { walkAbove: 0 }, { walkAbove: 0, intersect: true }]) {
          expect(pages({ filter: { finding }, sort: { field, direction }, limit: 3 }, tuning).ids, `${field} ${direction} ${JSON.stringify(tuning)}`).toEqual(expected);
        }
      }
    }
  });

  it('recounts a finding filter after a write that moves a key with an analysis finding out of and back into a flagged group', () => {
    const count = () => pages({ filter: { finding: {} }, limit: 1 }).total;
    const flaggedKeys = () => filterContext(v.db, now).policyMatch!({ present: true }).keys;
    const columns = 'algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state';
    const original = v.db.prepare(`SELECT ${columns} FROM keys WHERE name = 'ext-rsa'`).raw().get() as unknown[];
    // ext-rsa (its own rsa-roca finding) takes the group of dek-old, which no policy rule flags.
    const moveTo = (values: unknown[]) => v.db.prepare(`UPDATE keys SET (${columns}) = (${values.map(() => '?').join(', ')}) WHERE name = 'ext-rsa'`).run(...values);
    const before = count();
    const flaggedBefore = flaggedKeys();
    expect(before).toBe(plainSql({ finding: {} }, 'name', 'asc').length);
    try {
      moveTo(v.db.prepare(`SELECT ${columns} FROM keys WHERE name = 'dek-old'`).raw().get() as unknown[]);
      // The move matters: a stale "outside the flagged groups" part would miss ext-rsa.
      expect(flaggedKeys()).toBe(flaggedBefore - 1);
      expect(count()).toBe(plainSql({ finding: {} }, 'name', 'asc').length);
      expect(count()).toBe(before);
      // Into dek-1's group (active, unflagged): ext-rsa is then overdue there too (a 2022 data
      // encryption key) and must still count once.
      moveTo(v.db.prepare(`SELECT ${columns} FROM keys WHERE name = 'dek-1'`).raw().get() as unknown[]);
      expect(pages({ filter: { finding: {} }, limit: 200 }).ids).toContain(v.db.prepare("SELECT id FROM keys WHERE name = 'ext-rsa'").pluck().get());
      expect(v.db.prepare("SELECT due_at < ? FROM keys WHERE name = 'ext-rsa'").pluck().get(now.toISOString())).toBe(1);
      expect(count()).toBe(plainSql({ finding: {} }, 'name', 'asc').length);
    } finally {
      moveTo(original);
    }
    expect(flaggedKeys()).toBe(flaggedBefore);
    expect(count()).toBe(before);
  });

  it('counts overdue keys once when most active keys are outside the flagged groups and a flagged one is overdue too', () => {
    // {critical, warning}: root-ca's group is flagged (baseline.storage.ca), the other active keys'
    // are not; made 26 years old, root-ca is overdue as well.
    const finding = { severities: ['critical', 'warning'] as Array<'critical' | 'warning'> };
    const created = v.db.prepare("SELECT created_at FROM keys WHERE name = 'root-ca'").pluck().get() as string;
    const age = (at: string) => {
      v.db.prepare("UPDATE keys SET created_at = ? WHERE name = 'root-ca'").run(at);
      v.db.prepare("UPDATE key_versions SET generated_at = ?, activation_at = ? WHERE key_id = (SELECT id FROM keys WHERE name = 'root-ca')").run(at, at);
    };
    try {
      age('2000-01-01T00:00:00.000Z');
      const got = pages({ filter: { finding }, limit: 1 });
      expect(v.db.prepare("SELECT due_at < ? FROM keys WHERE name = 'root-ca'").pluck().get(now.toISOString())).toBe(1);
      expect(got.total).toBe(plainSql({ finding }, 'name', 'asc').length);
    } finally {
      age(created);
    }
    expect(pages({ filter: { finding }, limit: 1 }).total).toBe(plainSql({ finding }, 'name', 'asc').length);
  });

  it('pages any single filter by any sort from indexes: no statement scans the keys table', () => {
    const filters: Array<InventoryQueryInput['filter']> = [
      { states: ['active'] },
      { algorithms: ['ec-p256'] },
      { sizes: [256] },
      { stores: ['token:SER1'] },
      { stores: ['external'] },
      { purposes: ['tls-server'] },
      { owners: ['team-web'] },
      { owners: ['team-web', 'team-data'] },
      { tags: ['prod'] },
      { finding: {} },
      { finding: { severities: ['critical'] } },
      { ageDays: { max: 400 } },
      { due: { from: '2026-01-01', to: '2028-01-01' } },
      { certificateNotAfter: { to: '2026-07-01' } },
      { search: 'web' },
      { search: 'web', owners: ['team-web'] },
    ];
    const sorted: string[] = [];
    for (const filter of filters) {
      for (const field of INVENTORY_SORT_FIELDS) {
        for (const tuning of [{}, { walkAbove: 0 }]) {
          const statements = recording(v.db, () => pages({ filter, sort: { field, direction: 'asc' }, limit: 2 }, tuning));
          for (const s of statements) {
            const plan = (v.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as Array<{ detail: string }>).map((r) => r.detail);
            // "SCAN k" / "SCAN keys" without an index is a read of every key.
            const where = `${JSON.stringify(filter)} by ${field} ${JSON.stringify(tuning)}: ${s.sql}\n${plan.join('\n')}`;
            expect(plan.filter((d) => /^SCAN (k|keys)$/.test(d)), where).toEqual([]);
            // At a million keys (walkAbove 0), a page is read in the sort's index order: SQLite sorts
            // only a merge's few arms (UNION) — never the matches of a filter.
            if ('walkAbove' in tuning && /ORDER BY/.test(s.sql) && !/UNION/.test(s.sql)) sorted.push(...plan.filter((d) => d.includes('TEMP B-TREE FOR ORDER BY')).map(() => where));
          }
        }
      }
    }
    expect(sorted).toEqual([]);
  });
});

/** The statements `fn` runs on `db` (SQL and parameters), for EXPLAIN QUERY PLAN. */
function recording(db: Db, fn: () => unknown): Array<{ sql: string; params: unknown[] }> {
  const seen: Array<{ sql: string; params: unknown[] }> = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const st = prepare(sql);
    const proxy: typeof st = new Proxy(st, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if ((prop === 'all' || prop === 'get' || prop === 'iterate') && /^\s*SELECT/i.test(sql) && /\bkeys k\b/.test(sql)) seen.push({ sql, params: args });
          const r = (value as (...a: unknown[]) => unknown).apply(target, args);
          return r === target ? proxy : r;
        };
      },
    });
    return proxy;
  }) as typeof db.prepare;
  try {
    fn();
  } finally {
    db.prepare = prepare;
  }
  return seen;
}
