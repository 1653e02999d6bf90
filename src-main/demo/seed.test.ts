import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import type { Db } from '../vault/database.js';
import { seedDemo } from './seed.js';

/**
 * The bulk path of the seed (triggers of migration 0006 set aside, secondary indexes dropped and
 * rebuilt, summaries added once) must leave exactly what the per-row path leaves: the same schema
 * and the same summary tables as a recomputation from the keys.
 */

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir('custos-seed-');
});
afterAll(() => dir.cleanup());

const NOW = new Date('2026-06-01T00:00:00.000Z');

async function vault(name: string): Promise<UnlockedVault> {
  return UnlockedVault.create(join(dir.path, name), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => NOW });
}

const schema = (db: Db) => db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name").all();
const groups = (db: Db) => db.prepare('SELECT * FROM inventory_groups WHERE n > 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10').all();
const recomputedGroups = (db: Db) =>
  db
    .prepare(
      `SELECT algorithm, family, size, coalesce(curve, '') AS curve, usage_mask, coalesce(purpose, '') AS purpose, store, coalesce(token_serial, '') AS token_serial, extractable, state, count(*) AS n
       FROM keys GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    )
    .all();
const dueDays = (db: Db) => db.prepare('SELECT rule, day, n FROM inventory_due_days WHERE n > 0 ORDER BY 1, 2').all();
const recomputedDueDays = (db: Db) =>
  db.prepare("SELECT coalesce(due_rule, '') AS rule, substr(due_at, 1, 10) AS day, count(*) AS n FROM keys WHERE due_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2").all();

describe('demo seed, bulk path', () => {
  it('leaves the schema, the group counts and the due-day counts exactly as the per-row path does, across two seeds', async () => {
    const bulk = await vault('bulk');
    const rows = await vault('rows');
    try {
      const before = schema(bulk.db);
      for (const [v, rebuildIndexes] of [[bulk, true], [rows, false]] as const) {
        seedDemo(v, { keys: 1500, actor: 'alice', batch: 500, now: NOW, seed: 3, rebuildIndexes });
        seedDemo(v, { keys: 700, actor: 'alice', batch: 500, now: NOW, seed: 4, rebuildIndexes });
      }
      expect(schema(bulk.db)).toEqual(before);
      expect(bulk.db.prepare('SELECT count(*) FROM keys').pluck().get()).toBe(2200);
      expect(groups(bulk.db)).toEqual(recomputedGroups(bulk.db));
      expect(dueDays(bulk.db)).toEqual(recomputedDueDays(bulk.db));
      expect(dueDays(bulk.db).length).toBeGreaterThan(100);
      // The same estate (ids aside) as the per-row path, whose triggers kept the summaries.
      expect(groups(bulk.db)).toEqual(groups(rows.db));
      expect(dueDays(bulk.db)).toEqual(dueDays(rows.db));
      expect(bulk.db.prepare('SELECT count(*) FROM inventory_stale').pluck().get()).toBe(0);
      // One audit event per batch, as before: 3 + 2.
      expect(bulk.audit.list({ operation: 'demo.seed', limit: 10 }).map((e) => e.details.keys)).toEqual([200, 500, 500, 500, 500]);
      expect((await bulk.verifyAudit()).ok).toBe(true);
      // The triggers are back: a key change after the seed is counted again.
      const id = bulk.db.prepare("SELECT id FROM keys WHERE state = 'active' LIMIT 1").pluck().get() as string;
      bulk.db.prepare("UPDATE keys SET state = 'suspended' WHERE id = ?").run(id);
      expect(groups(bulk.db)).toEqual(recomputedGroups(bulk.db));
    } finally {
      bulk.close();
      rows.close();
    }
  });

  it('rolls everything back, schema included, when a batch fails', async () => {
    const v = await vault('fail');
    try {
      const before = schema(v.db);
      let calls = 0;
      expect(() =>
        seedDemo(v, {
          keys: 1000,
          actor: 'alice',
          batch: 400,
          rebuildIndexes: true,
          onProgress: () => {
            if (++calls === 2) throw new Error('disk full (test)');
          },
        }),
      ).toThrow(/disk full/);
      expect(schema(v.db)).toEqual(before);
      expect(v.db.prepare('SELECT count(*) FROM keys').pluck().get()).toBe(0);
      expect(v.db.prepare("SELECT count(*) FROM audit_events WHERE operation = 'demo.seed'").pluck().get()).toBe(0);
      expect(groups(v.db)).toEqual([]);
    } finally {
      v.close();
    }
  });
});
