import { describe, expect, it } from 'vitest';
import { inventoryFilterSchema } from '../../src-shared/contract-inventory';
import {
  NO_SELECTION,
  badTags,
  bulkTarget,
  cleanFilter,
  filterChips,
  headerState,
  isEmptyFilter,
  isSelected,
  parseTags,
  queryKey,
  rowAlgorithm,
  rowSize,
  selectedCount,
  toggleRow,
  toggleSort,
  withSearch,
  without,
} from './inventory';

describe('inventory sorting and filters', () => {
  it('flips the direction on the same header, starts a new one ascending (dates newest first)', () => {
    expect(toggleSort({ field: 'name', direction: 'asc' }, 'name')).toEqual({ field: 'name', direction: 'desc' });
    expect(toggleSort({ field: 'name', direction: 'desc' }, 'algorithm')).toEqual({ field: 'algorithm', direction: 'asc' });
    expect(toggleSort({ field: 'name', direction: 'asc' }, 'createdAt')).toEqual({ field: 'createdAt', direction: 'desc' });
  });

  it('cleans empty parts so an empty form is the whole inventory, and the result passes the contract', () => {
    const f = cleanFilter({ states: [], search: '  ', tags: ['prod'], ageDays: {}, finding: { present: true }, due: { from: '2027-01-01' } });
    expect(f).toEqual({ tags: ['prod'], due: { from: '2027-01-01' } });
    expect(inventoryFilterSchema.safeParse(f).success).toBe(true);
    expect(isEmptyFilter({ states: [], search: '' })).toBe(true);
    expect(isEmptyFilter({ states: ['active'] })).toBe(false);
  });

  it('gives equal keys to equal queries whatever the key order', () => {
    const a = queryKey({ states: ['active'], algorithms: ['rsa-2048'] }, { field: 'name', direction: 'asc' });
    const b = queryKey({ algorithms: ['rsa-2048'], states: ['active'], tags: [] }, { field: 'name', direction: 'asc' });
    expect(a).toBe(b);
    expect(queryKey({}, { field: 'name', direction: 'desc' })).not.toBe(queryKey({}, { field: 'name', direction: 'asc' }));
  });

  it('sets and clears the search, and removes one field', () => {
    expect(withSearch({ states: ['active'] }, ' 3fa9 ')).toEqual({ states: ['active'], search: '3fa9' });
    expect(withSearch({ states: ['active'], search: 'x' }, '')).toEqual({ states: ['active'] });
    expect(withSearch({}, 'a'.repeat(300)).search).toHaveLength(128);
    expect(without({ states: ['active'], tags: ['a'] }, 'tags')).toEqual({ states: ['active'] });
  });

  it('says each filter in words', () => {
    const chips = filterChips(
      {
        search: 'pay',
        states: ['active', 'suspended'],
        algorithms: ['rsa-2048', 'rsa-1024'],
        stores: ['token:1234', 'vault'],
        purposes: ['none'],
        owners: [null, 'payments'],
        finding: { severities: ['critical'], present: true },
        ageDays: { min: 365 },
        due: { from: '2027-01-01', to: '2027-02-01' },
        certificateNotAfter: { to: '2027-01-01T00:00:00Z' },
      },
      new Map([['1234', 'HSM-A']]),
    );
    expect(chips.map((c) => c.label)).toEqual([
      'Starts with “pay”',
      'State: Active or Suspended',
      'Algorithm: RSA 2048 or RSA 1024',
      'Store: Token HSM-A or Vault',
      'Purpose: No purpose',
      'Owner: nobody or payments',
      'Finding: Critical',
      'Age: at least 365 days',
      'Rotation due: 2027-01-01 – before 2027-02-01',
      'Certificate expires: before 2027-01-01',
    ]);
    expect(chips[1]!.field).toBe('states');
  });

  it('names algorithms and sizes of rows, known or not', () => {
    expect(rowAlgorithm({ algorithm: 'ec-p384' })).toBe('EC P-384');
    expect(rowSize({ size: 384, curve: 'P-384' })).toBe('P-384');
    expect(rowSize({ size: 2048, curve: null })).toBe('2048 bits');
  });
});

describe('selecting many keys', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const idAt = (i: number) => ids[i];

  it('ticks one row, then a range with Shift, and unticks a range', () => {
    let s = toggleRow(NO_SELECTION, 'b', 1, false, idAt);
    expect(selectedCount(s)).toBe(1);
    s = toggleRow(s, 'd', 3, true, idAt);
    expect(['a', 'b', 'c', 'd', 'e'].filter((id) => isSelected(s, id))).toEqual(['b', 'c', 'd']);
    // Shift on a ticked row unticks the range from the last ticked row (d) to it.
    s = toggleRow(s, 'c', 2, true, idAt);
    expect(['a', 'b', 'c', 'd', 'e'].filter((id) => isSelected(s, id))).toEqual(['b']);
    expect(headerState(s, 5)).toBe('some');
    expect(headerState(NO_SELECTION, 5)).toBe('none');
  });

  it('targets listed ids, or the filter when every matching key is selected, within the bulk limit', () => {
    const s = toggleRow(NO_SELECTION, 'a'.repeat(32), 0, false, () => undefined);
    expect(bulkTarget(s, { states: ['active'] }, 50_000)).toEqual({ target: { ids: ['a'.repeat(32)] } });
    expect(bulkTarget({ all: true, total: 12 }, { states: ['active'], tags: [] }, 50_000)).toEqual({ target: { filter: { states: ['active'] } } });
    const refused = bulkTarget({ all: true, total: 100_000 }, {}, 50_000);
    expect('refused' in refused && refused.refused).toMatch(/100,000 keys match; one action changes at most 50,000/);
    expect(bulkTarget(NO_SELECTION, {}, 50_000)).toEqual({ refused: 'Select keys first.' });
    expect(headerState({ all: true, total: 3 }, 3)).toBe('all');
    // Rows cannot be unticked one by one while every matching key is selected.
    expect(toggleRow({ all: true, total: 3 }, 'a', 0, false, idAt)).toEqual({ all: true, total: 3 });
  });

  it('reads tags as a person types them', () => {
    expect(parseTags('Prod, pci  team:payments,prod')).toEqual(['prod', 'pci', 'team:payments']);
    expect(badTags(['prod', '-bad', 'ok/1'])).toEqual(['-bad']);
  });
});
