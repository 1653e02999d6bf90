import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import { Box, Checkbox, Text, UnstyledButton } from '@mantine/core';
import { elementScroll, observeElementOffset, useVirtualizer } from '@tanstack/react-virtual';
import { moveIndex, rowTop, scrollScale, scrollTopForIndex } from '../lib/inventory-window';
import './VirtualTable.css';
import { IconSort } from './icons';

export interface VirtualColumn<T> {
  id: string;
  label: string;
  /** A CSS grid track ("2fr", "120px", …). */
  width: string;
  /** The sort field this header sorts by; absent: not sortable. */
  sort?: string;
  render(row: T): ReactNode;
  cellTestId?: string;
}

export interface VirtualSelection<T> {
  isSelected(row: T): boolean;
  toggle(row: T, index: number, range: boolean): void;
  /** The header checkbox: 'all', 'some' or 'none' of the matching rows are selected. */
  all: 'all' | 'some' | 'none';
  toggleAll(): void;
}

interface Props<T> {
  label: string;
  columns: VirtualColumn<T>[];
  /** Rows matching the query (the core's count, not the rows held here). */
  count: number;
  /** The row at an index, or undefined while its page is being fetched. */
  rowAt(index: number): T | undefined;
  rowKey(row: T): string;
  /** Tells the owner which rows are in view (with overscan), so it fetches their pages. */
  onRange(first: number, last: number): void;
  onOpen(row: T): void;
  sort: { field: string; direction: 'asc' | 'desc' } | null;
  onSort(field: string): void;
  selection?: VirtualSelection<T>;
  /** Data attributes for a loaded row (e.g. data-testid, data-key-id). */
  rowAttributes?(row: T): Record<string, string>;
  height: number;
  rowHeight?: number;
  busy?: boolean;
  /** Shown instead of rows when the count is 0. */
  empty?: ReactNode;
  /** Changes when the query changes: the table scrolls back to the top. */
  resetKey?: string;
}

const HEADER_PX = 40;


interface RowProps<T> {
  index: number;
  row: T | undefined;
  columns: VirtualColumn<T>[];
  focusable: boolean;
  /** Undefined without selection; else whether this row is ticked. */
  selected: boolean | undefined;
  onToggle: (row: T, index: number, range: boolean) => void;
  onOpen: (row: T) => void;
  attributes?: (row: T) => Record<string, string>;
}

/**
 * One row. Memoised and keyed by index: scrolling re-renders only the rows whose data changed,
 * and a row that was focused while its page loaded keeps its element (and the focus).
 */
function RowView<T>({ index, row, columns, focusable, selected, onToggle, onOpen, attributes }: RowProps<T>) {
  // Selection cell: a div without a cell role, so the cells keep the column order of the headers.
  const select =
    selected === undefined ? null : (
      <div onClick={(e) => e.stopPropagation()}>
        {row ? (
          // A native checkbox: thirty Mantine checkboxes per frame cost more than the rest of the row.
          <input
            type="checkbox"
            tabIndex={-1}
            aria-label="Select this key"
            checked={selected}
            onChange={(e) => onToggle(row, index, (e.nativeEvent as MouseEvent).shiftKey === true)}
            className="custos-vt-check"
          />
        ) : null}
      </div>
    );
  if (!row) {
    return (
      <div role="row" aria-rowindex={index + 2} data-row-index={index} tabIndex={focusable ? 0 : -1} data-testid="row-loading" className="custos-vt-grid custos-vt-row">
        {select}
        {columns.map((c) => (
          <div key={c.id} role="cell">
            <div className="custos-vt-ph" />
          </div>
        ))}
      </div>
    );
  }
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-row-index={index}
      tabIndex={focusable ? 0 : -1}
      className="custos-row custos-vt-grid custos-vt-row"
      onClick={() => onOpen(row)}
      {...attributes?.(row)}
    >
      {select}
      {columns.map((c) => (
        <div key={c.id} role="cell" data-testid={c.cellTestId} className="custos-vt-cell">
          {c.render(row)}
        </div>
      ))}
    </div>
  );
}
const Row = memo(RowView) as typeof RowView;

interface HeaderProps<T> {
  columns: VirtualColumn<T>[];
  sort: { field: string; direction: 'asc' | 'desc' } | null;
  onSort(field: string): void;
  /** Undefined without selection. */
  all: 'all' | 'some' | 'none' | undefined;
  onToggleAll: (() => void) | undefined;
}

/**
 * The header row, memoised: the table re-renders on every frame of a scroll, and the header's
 * Mantine components (checkbox, texts, sort buttons) resolving their styles each time were a
 * large part of a frame's script time.
 */
function HeaderView<T>({ columns, sort, onSort, all, onToggleAll }: HeaderProps<T>) {
  return (
    <div role="rowgroup">
      <div
        role="row"
        aria-rowindex={1}
        className="custos-vt-grid"
        style={{ height: HEADER_PX, borderBottom: '1px solid var(--mantine-color-default-border)', background: 'var(--mantine-color-default-hover)' }}
      >
        {all !== undefined && (
          <div>
            <Checkbox
              size="xs"
              aria-label="Select all matching keys"
              checked={all === 'all'}
              indeterminate={all === 'some'}
              onChange={() => onToggleAll?.()}
              data-testid="select-all"
            />
          </div>
        )}
        {columns.map((c) => {
          const sorted = c.sort !== undefined && sort?.field === c.sort;
          return (
            <div
              key={c.id}
              role="columnheader"
              aria-sort={c.sort === undefined ? undefined : sorted ? (sort!.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
              style={{ minWidth: 0 }}
            >
              {c.sort === undefined ? (
                <Text size="sm" fw={700} truncate="end">
                  {c.label}
                </Text>
              ) : (
                <UnstyledButton className="custos-sort" onClick={() => onSort(c.sort!)} fz="sm" maw="100%" title={c.label}>
                  <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>{c.label}</span>
                  <IconSort size={14} sortDirection={sorted ? sort!.direction : null} style={{ flexShrink: 0 }} />
                </UnstyledButton>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
const Header = memo(HeaderView) as typeof HeaderView;

/**
 * A table of any number of rows with a fixed row height. Only the rows in view exist in the DOM;
 * their pages come from the owner (which asks the core). Past a few hundred thousand rows the
 * browser's scroll height is capped, so the scrollbar is scaled (lib/inventory-window.ts) and
 * the virtualizer works in unscaled coordinates. ARIA table roles keep it readable: the header
 * cells are column headers with aria-sort, each row has its aria-rowindex among all rows.
 *
 * Keyboard: arrow keys, Page Up/Down, Home/End move between rows; Enter opens; Space selects.
 */
export function VirtualTable<T>(props: Props<T>) {
  const { columns, count, rowAt, onRange, onOpen, selection, height, rowHeight = 40 } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const bodyPx = Math.max(rowHeight, height - HEADER_PX);
  const scale = scrollScale(count, rowHeight, bodyPx);
  const scaleRef = useRef(scale);
  scaleRef.current = scale;
  const [active, setActive] = useState(0);
  const focusPending = useRef(false);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 8,
    // Let React batch a scroll's re-render with the frame instead of flushing it inside the
    // scroll event (the default), which made every scroll event a synchronous render.
    useFlushSync: false,
    initialRect: { width: 1000, height: bodyPx },
    // The element scrolls in real (scaled) pixels; the virtualizer thinks in row pixels.
    observeElementOffset: (instance, cb) => observeElementOffset(instance, (offset, scrolling) => cb(offset * scaleRef.current.ratio, scrolling)),
    // (Not used for keyboard moves, see focusRow: the virtualizer clamps to the real scroll height.)
    scrollToFn: (offset, options, instance) => elementScroll(offset / scaleRef.current.ratio, options, instance),
  });

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (last >= first) onRange(first, last);
  }, [first, last, onRange]);

  // A new query starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setActive(0);
  }, [props.resetKey]);

  useEffect(() => {
    if (active > count - 1 && count > 0) setActive(count - 1);
  }, [active, count]);

  useLayoutEffect(() => {
    if (!focusPending.current) return;
    const el = scrollRef.current?.querySelector<HTMLElement>(`[data-row-index="${active}"]`);
    if (el) {
      el.focus({ preventScroll: true });
      focusPending.current = false;
    }
  });

  const focusRow = useCallback(
    (index: number) => {
      setActive(index);
      focusPending.current = true;
      const el = scrollRef.current;
      const s = scaleRef.current;
      if (!el) return;
      const top = scrollTopForIndex(index, rowHeight, bodyPx, el.scrollTop * s.ratio, s);
      if (top !== null) el.scrollTop = top;
    },
    [rowHeight, bodyPx],
  );

  const indexOf = (target: EventTarget | null): number | null => {
    const el = (target as HTMLElement | null)?.closest?.('[data-row-index]');
    return el ? Number(el.getAttribute('data-row-index')) : null;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = indexOf(e.target) ?? active;
    if ((e.target as HTMLElement).tagName === 'INPUT' && e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    if (e.key === 'Enter') {
      const row = rowAt(at);
      if (row) {
        e.preventDefault();
        onOpen(row);
      }
      return;
    }
    if (e.key === ' ' && selection) {
      const row = rowAt(at);
      if (row) {
        e.preventDefault();
        selection.toggle(row, at, e.shiftKey);
      }
      return;
    }
    const next = moveIndex(at, e.key, count, Math.floor(bodyPx / rowHeight) - 1);
    if (next !== null) {
      e.preventDefault();
      focusRow(next);
    }
  };

  const grid = (selection ? 'minmax(0, 0.1fr) ' : '') + columns.map((c) => `minmax(0, ${c.width})`).join(' ');
  const tableVars = useMemo(() => ({ '--vt-cols': grid, '--vt-row': `${rowHeight}px` }) as CSSProperties, [grid, rowHeight]);
  const offset = virtualizer.scrollOffset ?? 0;
  // The rows in view are contiguous: one window, moved as a whole, holds them in normal flow.
  const windowTop = items.length ? rowTop(items[0]!.start, offset, scale) : 0;
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const onToggle = useCallback((row: T, index: number, range: boolean) => selectionRef.current?.toggle(row, index, range), []);
  const selectionToggleAll = useCallback(() => selectionRef.current?.toggleAll(), []);

  return (
    <Box
      role="table"
      aria-label={props.label}
      aria-rowcount={count + 1}
      aria-busy={props.busy ?? false}
      style={{ ...tableVars, border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)', overflow: 'hidden' }}
    >
      <Header columns={columns} sort={props.sort} onSort={props.onSort} all={selection?.all} onToggleAll={selection ? selectionToggleAll : undefined} />
      <div
        ref={scrollRef}
        role="rowgroup"
        data-testid="virtual-scroll"
        onKeyDown={onKeyDown}
        onFocus={(e) => {
          const i = indexOf(e.target);
          if (i !== null && i !== active) setActive(i);
        }}
        style={{ height: count === 0 ? 'auto' : bodyPx, overflowY: 'auto', position: 'relative', contain: count === 0 ? undefined : 'strict' }}
      >
        {count === 0 ? (
          <div role="row">
            <div role="cell" style={{ padding: 16 }}>
              {props.empty}
            </div>
          </div>
        ) : (
          <div style={{ height: scale.spacerPx, position: 'relative' }}>
            <div style={{ position: 'absolute', left: 0, right: 0, top: 0, transform: `translateY(${windowTop}px)` }}>
              {items.map((item) => {
                const row = rowAt(item.index);
                return (
                  <Row
                    key={item.index}
                    index={item.index}
                    row={row}
                    columns={columns}
                    focusable={item.index === active}
                    selected={selection ? (row ? selection.isSelected(row) : false) : undefined}
                    onToggle={onToggle}
                    onOpen={onOpen}
                    attributes={props.rowAttributes}
                  />
                );
              })}
            </div>
          </div>
        )}
      </div>
    </Box>
  );
}
