import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { openEncryptedDatabase, type Db } from './database.js';
import { sql, STATEMENT_CACHE_SIZE } from './statements.js';

let dir: { path: string; cleanup: () => void };
let db: Db;
beforeEach(() => {
  dir = tempDir();
  db = openEncryptedDatabase(join(dir.path, 'x.db'), randomBytes(32), { create: true, cipher: 'aegis-256' });
  db.exec("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
});
afterEach(() => {
  db.close();
  dir.cleanup();
});

describe('sql', () => {
  it('prepares a text once per row mode, and each mode keeps its own row shape', () => {
    const text = 'SELECT a, b FROM t ORDER BY a';
    const objects = sql(db, text);
    expect(sql(db, text)).toBe(objects);
    const plucked = sql(db, text, 'pluck');
    const raw = sql(db, text, 'raw');
    expect(plucked).not.toBe(objects);
    expect(objects.all()).toEqual([{ a: 1, b: 'one' }, { a: 2, b: 'two' }]);
    expect(plucked.all()).toEqual([1, 2]);
    expect(raw.all()).toEqual([[1, 'one'], [2, 'two']]);
    // Asking for one mode never changes what another call site gets.
    expect(sql(db, text).get()).toEqual({ a: 1, b: 'one' });
  });

  it('keeps at most STATEMENT_CACHE_SIZE statements, dropping the least recently used', () => {
    const first = sql(db, 'SELECT 0 AS n');
    const kept = sql(db, 'SELECT 1 AS n');
    for (let i = 2; i < STATEMENT_CACHE_SIZE + 1; i++) {
      sql(db, `SELECT ${i} AS n`);
      // Used again and again: never the least recently used.
      expect(sql(db, 'SELECT 1 AS n')).toBe(kept);
    }
    expect(sql(db, 'SELECT 1 AS n')).toBe(kept);
    const again = sql(db, 'SELECT 0 AS n');
    expect(again).not.toBe(first);
    expect(again.get()).toEqual({ n: 0 });
  });
});
