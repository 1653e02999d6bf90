import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

const caches = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement, prepared once per connection. Preparing parses SQL every time; on hot
 * paths (an audit append per signature) that cost more than running the statement.
 */
export function sql(db: Db, text: string): Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let s = cache.get(text);
  if (!s) {
    s = db.prepare(text);
    cache.set(text, s);
  }
  return s;
}

/** How a cached statement returns rows: objects, arrays (raw), or the first column (pluck). */
export type RowMode = 'object' | 'raw' | 'pluck';

/** Statements kept per connection by cachedStatement; the least recently used goes first. */
export const STATEMENT_CACHE_SIZE = 256;
const bounded = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement for SQL built at run time (the inventory's filters), from a bounded cache
 * per connection. Preparing a join over a filter costs 0.1-0.3 ms and a page of the inventory
 * prepared several; the same filter's text comes back on every page. The row mode is part of the
 * key and set once: callers must not change it (no .raw()/.pluck() on what this returns).
 */
export function cachedStatement(db: Db, text: string, mode: RowMode = 'object'): Statement {
  let cache = bounded.get(db);
  if (!cache) {
    cache = new Map();
    bounded.set(db, cache);
  }
  const key = `${mode}\u0000${text}`;
  let s = cache.get(key);
  if (s) {
    // Most recently used last: a Map iterates in insertion order.
    cache.delete(key);
  } else {
    s = db.prepare(text);
    if (mode === 'raw') s.raw(true);
    else if (mode === 'pluck') s.pluck(true);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, s);
  return s;
}
