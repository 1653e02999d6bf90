import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  INVENTORY_SORT_FIELDS,
  inventoryAggregatesSchema,
  inventoryFilterSchema,
  inventoryPageSchema,
  inventoryQueryInputSchema,
  type InventoryQueryInput,
  type InventorySortField,
} from '../../src-shared/contract-inventory.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { activePolicy, policyKeys, rotationTasks } from '../app/policy-service.js';
import { forEachFinding } from '../policy/index.js';
import { SEVERITY_RANK } from '../policy/model.js';
import { filterContext, queryInventory } from './query.js';
import { keysWhere } from './filter-sql.js';
import { refreshDue } from './due.js';
import { builtinPolicyDir, loadComposition } from '../policy/index.js';

const storedOrDefault = () => loadComposition(join(builtinPolicyDir(), 'compositions', 'default.json'));
import { inventoryAggregates } from './aggregates.js';
import { FIXTURE, FIXTURE_NOW, insertFixture } from './test-fixture.js';

let dir: ReturnType<typeof tempDir>;
let v: UnlockedVault;
const now = FIXTURE_NOW;

beforeAll(async () => {
  dir = tempDir('custos-inventory-');
  v = await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => now });
  insertFixture(v);
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

function page(input: InventoryQueryInput) {
  return inventoryPageSchema.parse(queryInventory(v.db, inventoryQueryInputSchema.parse(input), now));
}
/** Names matching a filter, sorted, from a full page (the fixture is small). */
function names(filter: InventoryQueryInput['filter']): string[] {
  const p = page({ filter, limit: 200 });
  expect(p.total, JSON.stringify(filter)).toBe(p.rows.length);
  return p.rows.map((r) => r.name).sort();
}

describe('inventory filters (known answers on an eleven-key vault)', () => {
  it.each([
    [{}, FIXTURE.map((k) => k.name).sort()],
    [{ states: ['active'] }, ['Web-TLS-2', 'demo-client', 'dek-1', 'ext-rsa', 'hsm-sign', 'root-ca', 'web-tls-1']],
    [{ states: ['destroyed', 'compromised'] }, ['compromised-1', 'ssh-gone']],
    [{ algorithms: ['rsa-2048'] }, ['compromised-1', 'ext-rsa']],
    [{ sizes: [256] }, ['Web-TLS-2', 'demo-client', 'dek-1', 'web-tls-1']],
    [{ algorithms: ['ec-p256'], sizes: [256] }, ['Web-TLS-2', 'demo-client', 'web-tls-1']],
    [{ stores: ['token'] }, ['compromised-1', 'hsm-sign']],
    [{ stores: ['token:SER1'] }, ['hsm-sign']],
    [{ stores: ['external', 'token:SER2'] }, ['compromised-1', 'ext-rsa']],
    [{ stores: ['vault'] }, ['Web-TLS-2', 'demo-client', 'dek-1', 'dek-old', 'pre', 'root-ca', 'ssh-gone', 'web-tls-1']],
    [{ purposes: ['tls-server'] }, ['Web-TLS-2', 'ext-rsa', 'web-tls-1']],
    [{ purposes: ['none', 'ssh'] }, ['pre', 'ssh-gone']],
    [{ owners: ['TEAM-WEB'] }, ['Web-TLS-2', 'demo-client', 'web-tls-1']],
    [{ owners: [null] }, ['ext-rsa', 'pre']],
    [{ tags: ['prod'] }, ['demo-client', 'root-ca', 'web-tls-1']],
    [{ tags: ['gdpr', 'staging'] }, ['Web-TLS-2', 'dek-1']],
    [{ origins: ['demo'] }, ['demo-client']],
    [{ origins: ['discovered'] }, ['ext-rsa']],
    [{ ageDays: { max: 31 } }, ['pre']],
    [{ ageDays: { max: 32 } }, ['dek-1', 'pre']],
    [{ ageDays: { min: 1500 } }, ['dek-old', 'ext-rsa', 'ssh-gone']],
    [{ ageDays: { min: 31, max: 365 } }, ['dek-1', 'demo-client', 'hsm-sign']],
    [{ ageDays: { min: 32, max: 366 } }, ['compromised-1', 'demo-client', 'hsm-sign']],
    [{ due: { to: '2026-06-01' } }, ['Web-TLS-2', 'ext-rsa']],
    [{ due: { from: '2027-01-01', to: '2027-12-31' } }, ['root-ca', 'web-tls-1']],
    [{ due: { from: '2028-01-01' } }, ['demo-client', 'dek-1', 'hsm-sign']],
    [{ dueRules: ['sp800-57.private-signature.ca'] }, ['root-ca']],
    [{ certificateNotAfter: { to: '2026-07-01' } }, ['demo-client']],
    [{ certificateNotAfter: { from: '2026-07-01' } }, []],
    [{ finding: { rules: ['rsa-roca'] } }, ['ext-rsa']],
    [{ finding: { rules: ['cert-expiring'] } }, ['demo-client']],
    [{ finding: { severities: ['critical'], rules: ['rsa-roca', 'cert-expiring'] } }, ['ext-rsa']],
    [{ finding: { rules: ['baseline.storage.ca'] } }, ['root-ca']],
    [{ search: 'web' }, ['Web-TLS-2', 'web-tls-1']],
    [{ search: 'WEB-TLS-1' }, ['web-tls-1']],
    [{ search: 'gdp' }, ['dek-1']],
    [{ search: 'AB:12:00' }, ['web-tls-1']],
    [{ search: 'c0ff' }, ['dek-1']],
    [{ search: 'zzz' }, []],
    [{ states: ['active'], tags: ['prod'], owners: ['team-web'], search: 'web' }, ['web-tls-1']],
  ] as Array<[InventoryQueryInput['filter'], string[]]>)('%j', (filter, expected) => {
    expect(names(filter)).toEqual([...expected].sort());
    // The same answer when the query walks the sort's index instead of using the filter's.
    const parsed = inventoryFilterSchema.parse(filter ?? {});
    for (const walkSortIndex of [false, true]) {
      const w = keysWhere(parsed, { ...filterContext(v.db, now), walkSortIndex });
      const got = (v.db.prepare(`SELECT k.name FROM keys k ${w.sql} ORDER BY k.name`).pluck().all(...w.params) as string[]).sort();
      expect(got, `walk ${walkSortIndex}`).toEqual([...expected].sort());
    }
  });

  it('inverts a finding filter with present: false', () => {
    const bad = names({ finding: { severities: ['critical', 'error'] } });
    const rest = names({ finding: { severities: ['critical', 'error'], present: false } });
    expect([...bad, ...rest].sort()).toEqual(FIXTURE.map((k) => k.name).sort());
    expect(bad).toContain('ext-rsa');
    expect(bad).toContain('root-ca');
  });

  it('caches the due date each active key has in the task list, and nothing for other keys', () => {
    const rows = page({ limit: 200 }).rows;
    const due = new Map(rows.map((r) => [r.name, r.dueAt]));
    expect(due.get('web-tls-1')).toBe('2027-01-15T10:00:00.000Z');
    expect(due.get('root-ca')).toBe('2027-06-01T00:00:00.000Z');
    expect(due.get('dek-old')).toBeNull();
    expect(due.get('pre')).toBeNull();
    const tasks = rotationTasks(v.db, now, 365_000);
    expect(new Map(rows.filter((r) => r.dueAt).map((r) => [r.id, r.dueAt]))).toEqual(new Map(tasks.map((t) => [t.keyId, t.dueAt])));
  });

  it('recomputes every due date after a policy change, and only stale keys otherwise', () => {
    expect(refreshDue(v.db, now)).toBe(0);
    v.db.prepare("UPDATE keys SET purpose = purpose WHERE name = 'dek-1'").run();
    expect(refreshDue(v.db, now)).toBe(1);
    const composition = v.db.prepare("SELECT v FROM settings WHERE k = 'policy-composition'").pluck().get() as string | undefined;
    v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v").run(composition ?? JSON.stringify(storedOrDefault()));
    expect(v.db.prepare('SELECT all_stale FROM inventory_meta').pluck().get()).toBe(1);
    expect(refreshDue(v.db, now)).toBe(7);
    if (composition === undefined) v.db.prepare("DELETE FROM settings WHERE k = 'policy-composition'").run();
    expect(refreshDue(v.db, now)).toBe(composition === undefined ? 7 : 0);
  });

  it('returns rows with tags, age, origin and finding counts', () => {
    const r = page({ filter: { search: 'demo-client' } }).rows[0]!;
    expect(r).toMatchObject({ name: 'demo-client', tags: ['prod'], origin: 'demo', ageDays: 120, findings: 0, owner: 'team-web', store: 'vault' });
    expect(page({ filter: { search: 'ext-rsa' } }).rows[0]).toMatchObject({ findings: 1, worstSeverity: 'critical', origin: 'discovered' });
  });
});

describe('inventory sorting and paging', () => {
  const key = (f: InventorySortField, r: ReturnType<typeof page>['rows'][number]): string | number =>
    ({ name: r.name.toLowerCase(), state: r.state, algorithm: r.algorithm, size: r.size, store: r.store, purpose: r.purpose ?? '', owner: (r.owner ?? '').toLowerCase(), createdAt: r.createdAt, dueAt: r.dueAt ?? '9999' })[f];

  it.each(INVENTORY_SORT_FIELDS.flatMap((f) => [[f, 'asc'] as const, [f, 'desc'] as const]))('sorts by %s %s and walks every key once with cursors of 3', (field, direction) => {
    const all = page({ sort: { field, direction }, limit: 200 }).rows;
    const keys = all.map((r) => key(field, r));
    const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(keys).toEqual(direction === 'asc' ? sorted : sorted.reverse());
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const p = page({ sort: { field, direction }, limit: 3, cursor, withTotal: i === 0 });
      walked.push(...p.rows.map((r) => r.id));
      if (i === 0) expect(p.total).toBe(FIXTURE.length);
      else expect(p.total).toBeNull();
      if (!p.nextCursor) break;
      cursor = p.nextCursor;
    }
    expect(walked).toEqual(all.map((r) => r.id));
  });

  it.each([
    [{}, 'name'],
    [{ states: ['active'] }, 'owner'],
    [{ owners: ['team-web'] }, 'name'],
    [{ tags: ['prod'] }, 'dueAt'],
    [{ stores: ['vault'] }, 'algorithm'],
    [{ purposes: ['tls-server', 'none'] }, 'purpose'],
    [{ search: 'web' }, 'createdAt'],
    [{ finding: { severities: ['critical', 'warning'] } }, 'state'],
  ] as Array<[InventoryQueryInput['filter'], InventorySortField]>)('walks the sort index (steps of 2, then the index intersection) to the same pages: %j by %s', (filter, field) => {
    for (const direction of ['asc', 'desc'] as const) {
      const q = inventoryQueryInputSchema.parse({ filter, sort: { field, direction }, limit: 2 });
      const expected = page({ filter, sort: { field, direction }, limit: 200 }).rows.map((r) => r.id);
      const walked: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 12; i++) {
        const p = inventoryPageSchema.parse(queryInventory(v.db, { ...q, cursor, withTotal: false }, now, { walkAbove: 0, walkStep: 2 }));
        walked.push(...p.rows.map((r) => r.id));
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      expect(walked).toEqual(expected);
    }
  });

  it.each([
    [{ finding: { severities: ['critical', 'warning'] } }, 'createdAt'],
    [{ finding: { severities: ['critical', 'error'] } }, 'name'],
    [{ finding: { rules: ['rsa-roca', 'baseline.storage.ca'] } }, 'size'],
    [{ finding: { severities: ['critical'], present: false } }, 'owner'],
    [{ owners: ['team-web', 'team-data'] }, 'name'],
    [{ states: ['active'] }, 'dueAt'],
  ] as Array<[InventoryQueryInput['filter'], InventorySortField]>)('finds the same pages through the intersection of filter and sort index: %j by %s', (filter, field) => {
    for (const direction of ['asc', 'desc'] as const) {
      const q = inventoryQueryInputSchema.parse({ filter, sort: { field, direction }, limit: 2 });
      const expected = page({ filter, sort: { field, direction }, limit: 200 }).rows.map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      const walked: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 12; i++) {
        const p = inventoryPageSchema.parse(queryInventory(v.db, { ...q, cursor, withTotal: i === 0 }, now, { walkAbove: 0, intersect: true }));
        if (i === 0) expect(p.total).toBe(expected.length);
        walked.push(...p.rows.map((r) => r.id));
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      expect(walked).toEqual(expected);
    }
  });

  it('counts a finding filter by group and by key alike (a key in a flagged group and with its own finding counts once)', () => {
    // root-ca: baseline.storage.ca (critical, by group); ext-rsa: rsa-roca (critical, its own); web-tls-1 and Web-TLS-2 share no finding.
    const findings: Array<NonNullable<InventoryQueryInput['filter']>['finding']> = [{ severities: ['critical'] }, { severities: ['critical', 'error', 'warning', 'info'] }, { rules: ['rsa-roca', 'baseline.storage.ca'] }, {}];
    for (const finding of findings) {
      const filter = inventoryFilterSchema.parse({ finding });
      const w = keysWhere(filter, { ...filterContext(v.db, now), walkSortIndex: true });
      const brute = v.db.prepare(`SELECT count(*) FROM keys k ${w.sql}`).pluck().get(...w.params);
      expect(page({ filter: { finding }, limit: 1 }).total, JSON.stringify(finding)).toBe(brute);
    }
    expect(names({ finding: { severities: ['critical'] } })).toEqual(['ext-rsa', 'root-ca']);
  });

  it.each([
    [{ owners: ['team-web', 'TEAM-DATA', null] }, 'name'],
    [{ states: ['active', 'deactivated'] }, 'createdAt'],
    [{ stores: ['vault', 'external'] }, 'createdAt'],
  ] as Array<[InventoryQueryInput['filter'], InventorySortField]>)('merges one ordered index range per value to the same pages: %j by %s', (filter, field) => {
    for (const direction of ['asc', 'desc'] as const) {
      const q = inventoryQueryInputSchema.parse({ filter, sort: { field, direction }, limit: 2 });
      const expected = page({ filter, sort: { field, direction }, limit: 200 }).rows.map((r) => r.id);
      expect(expected.length).toBeGreaterThan(3);
      const walked: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 12; i++) {
        const p = inventoryPageSchema.parse(queryInventory(v.db, { ...q, cursor, withTotal: i === 0 }, now, { walkAbove: 0 }));
        if (i === 0) expect(p.total).toBe(expected.length);
        walked.push(...p.rows.map((r) => r.id));
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      expect(walked).toEqual(expected);
    }
  });

  it('sees a key change in the next finding filter (the cached policy match is dropped on any write)', () => {
    const filter = { finding: { rules: ['baseline.storage.ca'] } };
    expect(names(filter)).toEqual(['root-ca']);
    v.db.prepare("UPDATE keys SET purpose = 'ca-root' WHERE name = 'web-tls-1'").run();
    try {
      expect(names(filter)).toEqual(['root-ca', 'web-tls-1']);
    } finally {
      v.db.prepare("UPDATE keys SET purpose = 'tls-server' WHERE name = 'web-tls-1'").run();
    }
    expect(names(filter)).toEqual(['root-ca']);
  });

  it('lists one owner by name from keys_by_owner_name, without sorting, in both directions', () => {
    const plan = (v.db.prepare("EXPLAIN QUERY PLAN SELECT k.id FROM keys k WHERE coalesce(k.owner, '') COLLATE NOCASE IN (?) ORDER BY k.name COLLATE NOCASE DESC, k.id DESC LIMIT 3").all('team-web') as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan).toContain('keys_by_owner_name');
    expect(plan).not.toContain('TEMP B-TREE');
    for (const direction of ['asc', 'desc'] as const) {
      const got: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 5; i++) {
        const p = page({ filter: { owners: ['TEAM-web'] }, sort: { field: 'name', direction }, limit: 1, cursor, withTotal: i === 0 });
        got.push(...p.rows.map((r) => r.name));
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      const expected = ['demo-client', 'web-tls-1', 'Web-TLS-2'];
      expect(got).toEqual(direction === 'asc' ? expected : [...expected].reverse());
    }
  });

  it('jumps with an offset, also after a cursor', () => {
    const all = page({ sort: { field: 'name', direction: 'asc' }, limit: 200 }).rows.map((r) => r.name);
    expect(page({ sort: { field: 'name', direction: 'asc' }, offset: 4, limit: 2 }).rows.map((r) => r.name)).toEqual(all.slice(4, 6));
    const first = page({ sort: { field: 'name', direction: 'asc' }, limit: 2 });
    expect(page({ sort: { field: 'name', direction: 'asc' }, cursor: first.nextCursor!, offset: 3, limit: 2 }).rows.map((r) => r.name)).toEqual(all.slice(5, 7));
  });

  it('refuses a cursor made for another filter or sort, or a damaged one', () => {
    const p = page({ sort: { field: 'name', direction: 'asc' }, limit: 2 });
    expect(() => page({ sort: { field: 'name', direction: 'desc' }, cursor: p.nextCursor! })).toThrow(/another filter or sort/);
    expect(() => page({ filter: { states: ['active'] }, sort: { field: 'name', direction: 'asc' }, cursor: p.nextCursor! })).toThrow(/another filter or sort/);
    expect(() => page({ cursor: 'not-a-cursor' })).toThrow(/another filter or sort/);
  });
});

describe('inventory aggregates (known answers, cross-checked with the policy engine)', () => {
  const agg = (asOf?: string, compareAsOf?: string) => inventoryAggregatesSchema.parse(inventoryAggregates(v.db, { now, asOf, compareAsOf }));

  it('counts keys by state, algorithm and size, store and purpose', () => {
    const a = agg();
    expect(a.total).toBe(11);
    expect(Object.fromEntries(a.byState.map((s) => [s.state, s.count]))).toEqual({ active: 7, deactivated: 1, destroyed: 1, 'pre-active': 1, compromised: 1 });
    expect(Object.fromEntries(a.byAlgorithm.map((s) => [`${s.algorithm}/${s.size}`, s.count]))).toEqual({ 'ec-p256/256': 3, 'rsa-2048/2048': 2, 'ed25519/255': 2, 'rsa-4096/4096': 1, 'ec-p384/384': 1, 'aes-256/256': 1, 'aes-128/128': 1 });
    expect(Object.fromEntries(a.byStore.map((s) => [s.label, s.count]))).toEqual({ Vault: 8, 'Token SER1': 1, 'Token SER2': 1, 'External (discovered)': 1 });
    expect(Object.fromEntries(a.byPurpose.map((s) => [s.purpose ?? 'none', s.count]))).toEqual({ 'tls-server': 3, 'data-encryption': 2, 'ca-root': 1, 'code-signing': 1, ssh: 1, none: 1, 'tls-client': 1, 'device-identity': 1 });
  });

  it('counts rotations due (overdue and per month), certificates expiring and analysis findings', () => {
    const a = agg();
    expect(a.rotationsDue.overdue.count).toBe(2);
    expect(a.rotationsDue.months.map((m) => m.month)).toEqual(['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03', '2027-04', '2027-05']);
    expect(a.rotationsDue.months.map((m) => m.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(a.certificates).toMatchObject({ total: 1, expired: 0, within30Days: 1, within90Days: 1 });
    expect(a.certificates.months[0]).toMatchObject({ month: '2026-06', count: 1 });
    expect(a.findings).toMatchObject({ total: 2, bySeverity: { critical: 1, warning: 1, error: 0, info: 0 } });
  });

  it('places each active key in its cryptoperiod histogram bucket', () => {
    const a = agg();
    const tls = a.ageHistogram.find((h) => h.ruleId === 'sp800-57.private-authentication')!;
    expect(tls.period).toBe('P2Y');
    // web-tls-1: 502 of 730 days (69 %); Web-TLS-2 and ext-rsa are past 150 %; demo-client: 120 days (16 %).
    expect(Object.fromEntries(tls.buckets.map((b) => [b.label, b.count]))).toEqual({ '0–25 %': 1, '25–50 %': 0, '50–75 %': 1, '75–100 %': 0, '100–150 %': 0, '> 150 %': 2 });
  });

  it.each(['2026-06-01', '2031-01-01', '2036-01-01'])('scores compliance as of %s exactly as a key-by-key evaluation does', (day) => {
    const a = agg(day === '2026-06-01' ? undefined : '2026-06-01', day);
    const score = day === '2026-06-01' ? a.compliance.today : a.compliance.compare!;
    // Oracle: the policy engine over every key, date-independent rules only, plus error/critical analysis findings.
    const worst = new Map<string, number>();
    const live = new Set(['pre-active', 'active', 'suspended', 'deactivated']);
    const keys = [...policyKeys(v.db)].filter((k) => live.has(k.state));
    forEachFinding(keys, activePolicy(v.db), new Date(`${day}T00:00:00Z`), (f) => {
      if (f.kind !== 'cryptoperiod') worst.set(f.keyId, Math.max(worst.get(f.keyId) ?? -1, SEVERITY_RANK[f.severity]));
    });
    const analysisBad = new Set(['ext-rsa']);
    const failing = keys.filter((k) => (worst.get(k.id) ?? -1) >= SEVERITY_RANK.error || analysisBad.has(k.name)).length;
    expect(score.judged).toBe(keys.length);
    expect(score.compliant).toBe(keys.length - failing);
    expect(score.score).toBe(Math.round(((keys.length - failing) / keys.length) * 1000) / 10);
    if (day === '2036-01-01') expect(score.compliant).toBeLessThan(agg().compliance.today.compliant);
  });

  it('gives every chart element a filter that lists exactly its keys', () => {
    const a = agg();
    const elements = [
      ...a.byState,
      ...a.byAlgorithm,
      ...a.byStore,
      ...a.byPurpose,
      a.rotationsDue.overdue,
      ...a.rotationsDue.months,
      ...a.ageHistogram.flatMap((h) => h.buckets),
      ...a.compliance.today.byRule,
    ];
    for (const e of elements) expect(page({ filter: e.filter, limit: 1 }).total, JSON.stringify(e)).toBe(e.count);
  });
});
