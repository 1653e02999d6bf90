import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import type { AuditListFilter } from './log.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

beforeEach(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  v.db.transaction(() => {
    for (let i = 0; i < 300; i++) {
      const operation = i % 50 === 0 ? 'key.generate' : i % 3 ? 'key.sign' : 'key.encrypt';
      v.audit.append({ actor: i % 4 ? 'alice' : 'Bob', operation, keyId: `k${i % 5}`, keyVersion: 1, outcome: i % 7 ? 'success' : 'refused', details: { i } });
    }
  })();
});
afterEach(() => {
  v.close();
  dir.cleanup();
});

/** The plan SQLite chooses for the query list() builds for this filter. */
function planOf(filter: AuditListFilter): string {
  const prepare = v.db.prepare.bind(v.db);
  let last = '';
  v.db.prepare = ((text: string) => {
    last = text;
    return prepare(text);
  }) as typeof v.db.prepare;
  try {
    v.audit.list(filter);
  } finally {
    v.db.prepare = prepare;
  }
  const params = { limit: filter.limit, keyId: filter.keyId, actor: filter.actor, operation: filter.operation, outcome: filter.outcome, from: filter.from, to: filter.to, beforeSeq: filter.beforeSeq };
  const named = Object.fromEntries(Object.entries(params).filter(([k, x]) => x !== undefined && last.includes(`@${k}`)));
  return (v.db.prepare(`EXPLAIN QUERY PLAN ${last}`).all(named) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

describe('audit indexes (schema 10): usage records cost no operation or actor index page', () => {
  it('has no actor index and an operation index that leaves usage records out', () => {
    const indexes = v.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events'").all() as Array<{ name: string; sql: string }>;
    expect(indexes.map((i) => i.name).sort()).toEqual(['audit_by_key', 'audit_by_operation', 'audit_by_time']);
    expect(indexes.find((i) => i.name === 'audit_by_operation')!.sql).toContain("WHERE operation NOT IN ('key.sign', 'key.encrypt', 'key.decrypt')");
  });

  it('finds a rare operation through the partial index and a usage operation by walking back from the head', () => {
    expect(planOf({ operation: 'key.generate', limit: 10 })).toContain('USING INDEX audit_by_operation');
    expect(planOf({ operation: 'key.sign', limit: 10 })).not.toContain('audit_by_operation');
    expect(planOf({ keyId: 'k1', operation: 'key.sign', limit: 10 })).toContain('audit_by_key');
  });

  it('lists exactly the events a full scan finds, for every kind of filter', () => {
    const all = [...v.audit.iterate()].reverse();
    const filters: AuditListFilter[] = [
      { operation: 'key.generate', limit: 1000 },
      { operation: 'key.sign', limit: 1000 },
      { operation: 'key.encrypt', limit: 7, beforeSeq: 200 },
      { actor: 'bob', limit: 1000 },
      { actor: 'BOB', operation: 'key.generate', limit: 1000 },
      { keyId: 'k2', operation: 'key.decrypt', limit: 1000 },
      { outcome: 'refused', operation: 'key.sign', limit: 1000 },
    ];
    for (const f of filters) {
      const want = all
        .filter((e) => (!f.operation || e.operation === f.operation) && (!f.actor || e.actor?.toLowerCase() === f.actor.toLowerCase()) && (!f.keyId || e.keyId === f.keyId) && (!f.outcome || e.outcome === f.outcome) && (!f.beforeSeq || e.seq < f.beforeSeq))
        .slice(0, f.limit)
        .map((e) => e.seq);
      expect(v.audit.list(f).map((e) => e.seq), JSON.stringify(f)).toEqual(want);
    }
    expect(v.audit.list({ operation: 'key.generate', limit: 1000 })).toHaveLength(6);
  });
});
