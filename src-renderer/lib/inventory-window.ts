/*
 * The arithmetic behind the million-row table: how a scrollbar that browsers cap at a few tens of
 * millions of pixels maps onto rows that would need more, which pages of rows a visible window
 * needs, and a small page cache that keeps only the pages near the viewport. Pure, so it is tested
 * without a DOM.
 */

/**
 * Tallest scroll content we let the browser lay out. Chromium refuses elements above ~33.5 M px and
 * Firefox above ~17.9 M px; 10 M px keeps every engine exact while 1,000,000 rows of 36 px would
 * need 36 M px.
 */
export const MAX_SCROLL_PX = 10_000_000;

export interface ScrollScale {
  /** Height of the spacer the browser scrolls (≤ MAX_SCROLL_PX). */
  spacerPx: number;
  /** Height the rows would really need (count × row height). */
  contentPx: number;
  /**
   * Virtual offset per real scroll pixel; 1 when the rows fit. The last real pixel maps to the last
   * virtual pixel, so the bottom row is reachable exactly.
   */
  ratio: number;
}

export function scrollScale(count: number, rowPx: number, viewportPx: number, max = MAX_SCROLL_PX): ScrollScale {
  const contentPx = Math.max(0, count * rowPx);
  if (contentPx <= max) return { spacerPx: contentPx, contentPx, ratio: 1 };
  const realRange = max - viewportPx;
  const virtualRange = contentPx - viewportPx;
  return { spacerPx: max, contentPx, ratio: realRange > 0 ? virtualRange / realRange : 1 };
}

/** Where the rows are drawn inside the spacer: a row's virtual start minus the virtual offset, plus the real scroll. */
export function rowTop(rowStartPx: number, virtualOffsetPx: number, scale: ScrollScale): number {
  return virtualOffsetPx / scale.ratio + (rowStartPx - virtualOffsetPx);
}

/** Page indexes (page size `pageSize`) that hold rows `first`..`last` (inclusive), within `count` rows. */
export function pagesFor(first: number, last: number, pageSize: number, count: number): number[] {
  if (count <= 0 || last < first) return [];
  const lo = Math.max(0, Math.floor(Math.max(0, first) / pageSize));
  const hi = Math.min(Math.floor((count - 1) / pageSize), Math.floor(Math.max(0, last) / pageSize));
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) out.push(p);
  return out;
}

/**
 * Pages of rows already fetched, most recently used last. Bounded: scrolling through a million
 * keys keeps at most `capacity` pages (the renderer never holds the inventory).
 */
export class PageCache<T> {
  private readonly pages = new Map<number, T[]>();
  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.pages.size;
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** The rows of a page, marking it as recently used. */
  get(page: number): T[] | undefined {
    const rows = this.pages.get(page);
    if (rows) {
      this.pages.delete(page);
      this.pages.set(page, rows);
    }
    return rows;
  }

  set(page: number, rows: T[]): void {
    this.pages.delete(page);
    this.pages.set(page, rows);
    while (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
  }

  /** The row at a global index, or undefined while its page is not here. Does not touch recency. */
  row(index: number, pageSize: number): T | undefined {
    return this.pages.get(Math.floor(index / pageSize))?.[index % pageSize];
  }

  clear(): void {
    this.pages.clear();
  }
}

/** The next row index for a navigation key, clamped to the rows; null for other keys. */
export function moveIndex(current: number, key: string, count: number, pageRows: number): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  switch (key) {
    case 'ArrowDown':
      return Math.min(last, current + 1);
    case 'ArrowUp':
      return Math.max(0, current - 1);
    case 'PageDown':
      return Math.min(last, current + Math.max(1, pageRows));
    case 'PageUp':
      return Math.max(0, current - Math.max(1, pageRows));
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}

/**
 * The real scrollTop that brings row `index` fully into view with the least movement, or null when
 * it is already in view. (The virtualizer's own scrollToIndex clamps to the element's real scroll
 * height, which the scaled scrollbar makes too small.)
 */
export function scrollTopForIndex(index: number, rowPx: number, viewportPx: number, virtualOffsetPx: number, scale: ScrollScale): number | null {
  const top = index * rowPx;
  const bottom = top + rowPx;
  let target: number;
  if (top < virtualOffsetPx) target = top;
  else if (bottom > virtualOffsetPx + viewportPx) target = bottom - viewportPx;
  else return null;
  const maxVirtual = Math.max(0, scale.contentPx - viewportPx);
  return Math.min(Math.max(0, target), maxVirtual) / scale.ratio;
}
