import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_PX, PageCache, moveIndex, pagesFor, rowTop, scrollScale, scrollTopForIndex } from './inventory-window';

describe('scroll scale for a million rows', () => {
  it('is exact when the rows fit in the browser scroll height', () => {
    expect(scrollScale(1000, 36, 600)).toEqual({ spacerPx: 36_000, contentPx: 36_000, ratio: 1 });
  });

  it('compresses a million rows into the cap and still reaches the last row', () => {
    const s = scrollScale(1_000_000, 36, 600);
    expect(s.spacerPx).toBe(MAX_SCROLL_PX);
    expect(s.contentPx).toBe(36_000_000);
    // The last real scroll position maps to the last virtual one.
    const lastReal = s.spacerPx - 600;
    expect(lastReal * s.ratio).toBeCloseTo(s.contentPx - 600, 3);
    // The last row is drawn inside the spacer, at the bottom of the viewport.
    const virtualOffset = lastReal * s.ratio;
    const top = rowTop((1_000_000 - 1) * 36, virtualOffset, s);
    expect(top + 36).toBeCloseTo(s.spacerPx, 3);
  });

  it('draws the first row at the top when not scrolled', () => {
    const s = scrollScale(1_000_000, 36, 600);
    expect(rowTop(0, 0, s)).toBe(0);
    expect(rowTop(36, 0, s)).toBe(36);
  });
});

describe('pages for a visible window', () => {
  it('lists the pages that hold the rows, within the count', () => {
    expect(pagesFor(0, 19, 100, 1000)).toEqual([0]);
    expect(pagesFor(95, 130, 100, 1000)).toEqual([0, 1]);
    expect(pagesFor(990, 1010, 100, 1000)).toEqual([9]);
    expect(pagesFor(0, 10, 100, 0)).toEqual([]);
    expect(pagesFor(-5, 3, 100, 50)).toEqual([0]);
  });
});

describe('page cache', () => {
  it('keeps at most its capacity, dropping the least recently used page', () => {
    const c = new PageCache<string>(2);
    c.set(0, ['a0', 'a1']);
    c.set(1, ['b0', 'b1']);
    c.get(0); // 0 is now the most recent
    c.set(2, ['c0', 'c1']);
    expect(c.has(0)).toBe(true);
    expect(c.has(1)).toBe(false);
    expect(c.has(2)).toBe(true);
    expect(c.size).toBe(2);
    expect(c.row(5, 2)).toBe('c1');
    expect(c.row(2, 2)).toBeUndefined();
    c.clear();
    expect(c.size).toBe(0);
  });
});

describe('keyboard movement', () => {
  it('moves by one, by a page, to the ends, and stays within the rows', () => {
    expect(moveIndex(0, 'ArrowUp', 10, 5)).toBe(0);
    expect(moveIndex(0, 'ArrowDown', 10, 5)).toBe(1);
    expect(moveIndex(8, 'PageDown', 10, 5)).toBe(9);
    expect(moveIndex(8, 'PageUp', 10, 5)).toBe(3);
    expect(moveIndex(4, 'End', 10, 5)).toBe(9);
    expect(moveIndex(4, 'Home', 10, 5)).toBe(0);
    expect(moveIndex(4, 'a', 10, 5)).toBeNull();
    expect(moveIndex(0, 'ArrowDown', 0, 5)).toBeNull();
  });
});

describe('scrolling a row into view', () => {
  it('moves the least, and not at all when the row is in view', () => {
    const s = scrollScale(1000, 40, 400);
    expect(scrollTopForIndex(5, 40, 400, 0, s)).toBeNull();
    expect(scrollTopForIndex(10, 40, 400, 0, s)).toBe(40); // row 10 ends at 440: scroll by one row
    expect(scrollTopForIndex(2, 40, 400, 200, s)).toBe(80);
  });

  it('reaches the last of a million rows through the scaled scrollbar', () => {
    const s = scrollScale(1_000_000, 40, 400);
    const real = scrollTopForIndex(999_999, 40, 400, 0, s)!;
    expect(real).toBeCloseTo(s.spacerPx - 400, 3);
    // Drawn at that position, the last row's bottom is the viewport's bottom.
    expect(rowTop(999_999 * 40, real * s.ratio, s) + 40 - real).toBeCloseTo(400, 3);
  });
});
