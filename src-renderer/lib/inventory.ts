/*
 * The inventory's view model: the filter the core runs (src-shared/contract-inventory.ts), the
 * chips that show it, sorting by header, search, selection of many keys and what a bulk action
 * targets. Pure; the screen (screens/Inventory.tsx) only draws it.
 */
import type { InventoryFilter, InventoryRow, InventorySortField, Severity } from '../../src-shared/contract-inventory';
import { ALGORITHMS, inventoryAlgorithmLabel, type AlgorithmId, type KeyState } from '../../src-shared/keys';
import { stateLabel, storeLabel } from './format';

export type Sort = { field: InventorySortField; direction: 'asc' | 'desc' };
export type FilterField = keyof InventoryFilter;

/** Rows per request to the core (the contract allows up to 200). */
export const PAGE_SIZE = 100;
/** Pages kept in the renderer while scrolling: at most this × PAGE_SIZE rows. */
export const PAGE_CACHE = 40;

/** Clicking a header: the same field flips direction; a new field starts ascending (dates: newest first). */
export function toggleSort(sort: Sort, field: InventorySortField): Sort {
  if (sort.field === field) return { field, direction: sort.direction === 'asc' ? 'desc' : 'asc' };
  return { field, direction: field === 'createdAt' ? 'desc' : 'asc' };
}

/** Drops empty lists, empty strings and empty ranges, so `{}` is the whole inventory and keys compare. */
export function cleanFilter(filter: InventoryFilter): InventoryFilter {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter) as [string, unknown][]) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'string' && v.trim() === '') continue;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const inner = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== '' && !(Array.isArray(x) && x.length === 0)));
      const meaningful = Object.keys(inner).filter((x) => x !== 'present');
      if (meaningful.length === 0) continue;
      out[k] = inner;
      continue;
    }
    out[k] = typeof v === 'string' ? v.trim() : v;
  }
  return out as InventoryFilter;
}

export function isEmptyFilter(filter: InventoryFilter): boolean {
  return Object.keys(cleanFilter(filter)).length === 0;
}

/** A stable text for a filter and sort: equal queries give equal keys (object key order ignored). */
export function queryKey(filter: InventoryFilter, sort: Sort): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify([canon(cleanFilter(filter)), sort.field, sort.direction]);
}

/** The free-text search set (or cleared) on a filter. */
export function withSearch(filter: InventoryFilter, text: string): InventoryFilter {
  const q = text.trim().slice(0, 128);
  const { search: _drop, ...rest } = filter;
  void _drop;
  return q ? { ...rest, search: q } : rest;
}

export function without(filter: InventoryFilter, field: FilterField): InventoryFilter {
  const next = { ...filter };
  delete next[field];
  return next;
}

export function algorithmName(id: string): string {
  const label = inventoryAlgorithmLabel(id); // generated and inventory-only algorithms (src-shared/keys.ts)
  return label === id ? id.toUpperCase() : label;
}

export function purposeName(p: string | null): string {
  return p === null || p === 'none' ? 'No purpose' : p;
}

export function storeName(selector: string, tokenLabels?: ReadonlyMap<string, string>): string {
  if (selector.startsWith('token:')) {
    const serial = selector.slice(6);
    const label = tokenLabels?.get(serial);
    return label ? `Token ${label}` : `Token ${serial}`;
  }
  if (selector === 'token') return 'Any token';
  if (selector === 'vault' || selector === 'external') return storeLabel(selector);
  return selector;
}

const SEVERITY_NAMES: Record<Severity, string> = { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' };
export function severityName(s: Severity): string {
  return SEVERITY_NAMES[s];
}

function day(s: string): string {
  return s.slice(0, 10);
}

function rangeText(r: { from?: string; to?: string }): string {
  if (r.from && r.to) return `${day(r.from)} – before ${day(r.to)}`;
  if (r.from) return `from ${day(r.from)}`;
  if (r.to) return `before ${day(r.to)}`;
  return 'any time';
}

function list<T>(items: readonly T[], name: (t: T) => string): string {
  return items.map(name).join(' or ');
}

export interface Chip {
  field: FilterField;
  label: string;
}

/** One readable chip per filter field, in a fixed order (search first). */
export function filterChips(filter: InventoryFilter, tokenLabels?: ReadonlyMap<string, string>): Chip[] {
  const f = cleanFilter(filter);
  const chips: Chip[] = [];
  if (f.search) chips.push({ field: 'search', label: `Starts with “${f.search}”` });
  if (f.states) chips.push({ field: 'states', label: `State: ${list(f.states, (s) => stateLabel(s as KeyState))}` });
  if (f.algorithms) chips.push({ field: 'algorithms', label: `Algorithm: ${list(f.algorithms, algorithmName)}` });
  if (f.sizes) chips.push({ field: 'sizes', label: `Size: ${list(f.sizes, (n) => `${n} bits`)}` });
  if (f.stores) chips.push({ field: 'stores', label: `Store: ${list(f.stores, (s) => storeName(s, tokenLabels))}` });
  if (f.purposes) chips.push({ field: 'purposes', label: `Purpose: ${list(f.purposes, purposeName)}` });
  if (f.owners) chips.push({ field: 'owners', label: `Owner: ${list(f.owners, (o) => o ?? 'nobody')}` });
  if (f.tags) chips.push({ field: 'tags', label: `Tag: ${list(f.tags, (t) => t)}` });
  if (f.finding) {
    const parts: string[] = [];
    if (f.finding.severities) parts.push(list(f.finding.severities, severityName));
    if (f.finding.rules) parts.push(list(f.finding.rules, (r) => r));
    const what = parts.length ? parts.join(', ') : 'any';
    chips.push({ field: 'finding', label: f.finding.present === false ? `No finding: ${what}` : `Finding: ${what}` });
  }
  if (f.ageDays) {
    const { min, max } = f.ageDays;
    const label = min !== undefined && max !== undefined ? `${min}–${max} days` : min !== undefined ? `at least ${min} days` : `under ${max} days`;
    chips.push({ field: 'ageDays', label: `Age: ${label}` });
  }
  if (f.due) chips.push({ field: 'due', label: `Rotation due: ${rangeText(f.due)}` });
  if (f.dueRules) chips.push({ field: 'dueRules', label: `Cryptoperiod: ${list(f.dueRules, (r) => r)}` });
  if (f.certificateNotAfter) chips.push({ field: 'certificateNotAfter', label: `Certificate expires: ${rangeText(f.certificateNotAfter)}` });
  if (f.origins) chips.push({ field: 'origins', label: `Origin: ${list(f.origins, (o) => o)}` });
  return chips;
}

/** "RSA 2048", "EC P-256", or the size for algorithms the console does not know. */
export function rowAlgorithm(row: Pick<InventoryRow, 'algorithm'>): string {
  return algorithmName(row.algorithm);
}

export function rowSize(row: Pick<InventoryRow, 'size' | 'curve'>): string {
  return row.curve ?? `${row.size} bits`;
}

/* ---------------- Selection ---------------- */

/**
 * Which keys are selected: listed ids, or every key matching the current filter (a million keys
 * cannot be listed; the core resolves the filter). A new filter clears the selection.
 */
export type Selection = { all: false; ids: ReadonlySet<string>; anchor: number | null } | { all: true; total: number };

export const NO_SELECTION: Selection = { all: false, ids: new Set(), anchor: null };

export function selectedCount(sel: Selection): number {
  return sel.all ? sel.total : sel.ids.size;
}

/**
 * Ticks or unticks one row; with `range` (Shift) every loaded row between the last ticked row and
 * this one takes this row's new state. In "all matching" mode rows cannot be unticked one by one.
 */
export function toggleRow(sel: Selection, id: string, index: number, range: boolean, idAt: (i: number) => string | undefined): Selection {
  if (sel.all) return sel;
  const ids = new Set(sel.ids);
  const on = !ids.has(id);
  if (range && sel.anchor !== null) {
    const [lo, hi] = sel.anchor < index ? [sel.anchor, index] : [index, sel.anchor];
    for (let i = lo; i <= hi; i++) {
      const other = idAt(i);
      if (other === undefined) continue;
      if (on) ids.add(other);
      else ids.delete(other);
    }
  } else if (on) ids.add(id);
  else ids.delete(id);
  return { all: false, ids, anchor: index };
}

export function isSelected(sel: Selection, id: string): boolean {
  return sel.all ? true : sel.ids.has(id);
}

export function headerState(sel: Selection, total: number): 'all' | 'some' | 'none' {
  if (sel.all) return 'all';
  if (sel.ids.size === 0) return 'none';
  return sel.ids.size >= total ? 'all' : 'some';
}

/** What a bulk action applies to, or an explanation of why it cannot run. */
export function bulkTarget(sel: Selection, filter: InventoryFilter, bulkMax: number): { target: { ids: string[] } | { filter: InventoryFilter } } | { refused: string } {
  if (sel.all) {
    if (sel.total > bulkMax) return { refused: `${sel.total.toLocaleString('en')} keys match; one action changes at most ${bulkMax.toLocaleString('en')}. Narrow the filter first.` };
    return { target: { filter: cleanFilter(filter) } };
  }
  if (sel.ids.size === 0) return { refused: 'Select keys first.' };
  return { target: { ids: [...sel.ids] } };
}

/** Tags typed by a person: split on commas and spaces, lower-cased, without repeats. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

const TAG = /^[a-z0-9][a-z0-9._:/-]{0,47}$/;
export function badTags(tags: readonly string[]): string[] {
  return tags.filter((t) => !TAG.test(t));
}

/** Known generated algorithms for the filter picker, plus whatever the aggregates report. */
export function algorithmOptions(seen: readonly string[]): { value: string; label: string }[] {
  const ids = new Set<string>([...(Object.keys(ALGORITHMS) as AlgorithmId[]), ...seen]);
  return [...ids].map((id) => ({ value: id, label: algorithmName(id) })).sort((a, b) => a.label.localeCompare(b.label));
}

/** "1,234 keys", "1 key". */
export function keysLabel(n: number): string {
  return `${n.toLocaleString('en')} ${n === 1 ? 'key' : 'keys'}`;
}
