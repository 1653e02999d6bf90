import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { UnlockedVault } from '../vault/vault.js';
import { KeyRepository } from './repository.js';

// applyDue runs at unlock and every minute on the core's queue: at a million keys a scan there
// held the queue ~1.8 s each time. Its two questions that scanned must be index lookups.

let root: string;
let v: UnlockedVault;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'custos-due-plans-'));
  v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  v.close();
  rmSync(root, { recursive: true, force: true });
});

/** The query plan of every statement `run` prepares (the repository's own SQL, not a copy). */
function plansOf(run: (repo: KeyRepository) => unknown): string {
  const seen: string[] = [];
  const prepare = v.db.prepare.bind(v.db);
  const spy = vi.spyOn(v.db, 'prepare').mockImplementation((sql: string) => {
    seen.push(sql);
    return prepare(sql);
  });
  try {
    run(new KeyRepository(v.db));
  } finally {
    spy.mockRestore();
  }
  return seen.map((sql) => (v.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => '2026-01-01')) as Array<{ detail: string }>).map((r) => r.detail).join(' | ')).join(' || ');
}

describe('the minutely lifecycle work reads indexes, not the inventory', () => {
  it('keys that rotate by themselves: the partial index of automatic rotation', () => {
    const p = plansOf((repo) => repo.autoRotating());
    expect(p).toContain('USING INDEX keys_auto_rotation');
    expect(p).not.toMatch(/SCAN keys/);
  });

  it('versions past their process-stop date: a range of the process-stop index', () => {
    const p = plansOf((repo) => repo.dueProcessStops('2026-01-01T00:00:00.000Z'));
    expect(p).toContain('USING INDEX key_versions_by_process_stop');
    expect(p).not.toMatch(/SCAN key_versions/);
  });
});
