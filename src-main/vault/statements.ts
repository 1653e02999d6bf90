import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** How a statement returns rows: objects, arrays (raw), or the first column (pluck). */
export type RowMode = 'object' | 'raw' | 'pluck';

/** Statements kept per connection; the least recently used goes first. */
export const STATEMENT_CACHE_SIZE = 256;
const caches = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement, prepared once per connection and row mode. Preparing parses SQL every
 * time; on hot paths (an audit append per signature) that cost more than running the statement,
 * and the inventory builds its SQL per filter (0.1-0.3 ms to prepare a join; the same filter's
 * text comes back on every page). Bounded, because the inventory's texts vary with the filter.
 * The row mode is part of the key and set once: callers never call .raw()/.pluck() on what this
 * returns, or another call site with the same text would get rows of the wrong shape.
 */
export function sql(db: Db, text: string, mode: RowMode = 'object'): Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
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
