import { useCallback, useLayoutEffect, useRef, useState } from 'react';
import type { InventoryFilter, InventoryRow } from '../../src-shared/contract-inventory';
import { api, errorMessage } from '../api/client';
import { PAGE_CACHE, PAGE_SIZE, cleanFilter, type Sort } from '../lib/inventory';
import { PageCache, pagesFor } from '../lib/inventory-window';
import { handleSessionError } from './actions';

/** Requests to the core at once while scrolling; later pages wait for a slot (and may no longer be wanted). */
const MAX_IN_FLIGHT = 3;

export interface InventoryPages {
  /** Matching keys (null until the first page says). */
  total: number | null;
  rowAt(index: number): InventoryRow | undefined;
  /** The table reports the rows in view; their pages are fetched. */
  onRange(first: number, last: number): void;
  /** How long the core took for the last page (ms). */
  tookMs: number | null;
  loading: boolean;
  failure: string | null;
  /** Changes whenever a page arrives (for memoised children). */
  version: number;
}

/**
 * Pages of the inventory for a filter and sort, fetched as the table scrolls — never the whole
 * inventory. The first page brings the exact count; later pages skip it. A new query (or `reload`)
 * drops every page; a response for an older query is ignored.
 */
export function useInventoryPages(filter: InventoryFilter, sort: Sort, reload: number): InventoryPages {
  const cache = useRef(new PageCache<InventoryRow>(PAGE_CACHE));
  const generation = useRef(0);
  const inFlight = useRef(new Set<number>());
  const wanted = useRef<number[]>([]);
  const totalRef = useRef<number | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [tookMs, setTookMs] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const queryRef = useRef({ filter: cleanFilter(filter), sort });
  /** The rows the table last reported in view (also before the count is known). */
  const lastRange = useRef<[number, number]>([0, 0]);

  /** The rows in view first, then one page either side. */
  const want = useCallback((first: number, last: number) => {
    const count = totalRef.current;
    if (count === null) return;
    const inView = pagesFor(first, last, PAGE_SIZE, count);
    const around = pagesFor(first - PAGE_SIZE, last + PAGE_SIZE, PAGE_SIZE, count).filter((p) => !inView.includes(p));
    wanted.current = [...inView, ...around];
  }, []);

  const pump = useCallback(() => {
    const gen = generation.current;
    for (const page of wanted.current) {
      if (inFlight.current.size >= MAX_IN_FLIGHT) return;
      if (cache.current.has(page) || inFlight.current.has(page)) continue;
      inFlight.current.add(page);
      const { filter: f, sort: s } = queryRef.current;
      api.call('inventory.query', { filter: f, sort: s, offset: page * PAGE_SIZE, limit: PAGE_SIZE, withTotal: false }).then(
        (r) => {
          if (gen !== generation.current) return;
          inFlight.current.delete(page);
          cache.current.set(page, r.rows);
          setTookMs(r.tookMs);
          setVersion((v) => v + 1);
          pump();
        },
        (err: unknown) => {
          if (gen !== generation.current) return;
          inFlight.current.delete(page);
          if (handleSessionError(err)) return;
          setFailure(errorMessage(err));
        },
      );
    }
  }, []);

  // A layout effect, so the first page is asked for before the navigation badges' passive effects
  // (the core answers in order; a drill-down should not wait behind the task list).
  useLayoutEffect(() => {
    const gen = ++generation.current;
    queryRef.current = { filter: cleanFilter(filter), sort };
    cache.current.clear();
    inFlight.current.clear();
    wanted.current = [];
    totalRef.current = null;
    setTotal(null);
    setLoading(true);
    setFailure(null);
    inFlight.current.add(0);
    api.call('inventory.query', { filter: queryRef.current.filter, sort, offset: 0, limit: PAGE_SIZE, withTotal: true }).then(
      (r) => {
        if (gen !== generation.current) return;
        inFlight.current.delete(0);
        cache.current.set(0, r.rows);
        totalRef.current = r.total ?? r.rows.length;
        setTotal(totalRef.current);
        setTookMs(r.tookMs);
        setLoading(false);
        setVersion((v) => v + 1);
        // The table may have reported its rows before the count was known.
        want(...lastRange.current);
        pump();
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        inFlight.current.delete(0);
        setLoading(false);
        if (handleSessionError(err)) return;
        setFailure(errorMessage(err));
      },
    );
    // The filter object changes identity on every render of the owner; its content is the key.
  }, [JSON.stringify(cleanFilter(filter)), sort.field, sort.direction, reload, pump, want]);

  const onRange = useCallback(
    (first: number, last: number) => {
      lastRange.current = [first, last];
      want(first, last);
      pump();
    },
    [pump, want],
  );

  const rowAt = useCallback((index: number) => cache.current.row(index, PAGE_SIZE), []);

  return { total, rowAt, onRange, tookMs, loading, failure, version };
}
