import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ActionIcon, Button, Code, EmptyState, Group, Loader, Modal, Pill, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useViewportSize } from '@mantine/hooks';
import type { InventoryRow, SavedView } from '../../src-shared/contract-inventory';
import { api, errorMessage } from '../api/client';
import { DeniedButton, ErrorAlert, PageTitle } from '../components/common';
import { IconKey, IconPlus, IconRefresh, IconSearch } from '../components/icons';
import { VirtualTable, type VirtualColumn } from '../components/VirtualTable';
import { formatDateTime, stateColor, stateLabel, storeLabel } from '../lib/format';
import {
  NO_SELECTION,
  filterChips,
  headerState,
  isEmptyFilter,
  isSelected,
  keysLabel,
  queryKey,
  rowAlgorithm,
  rowSize,
  severityName,
  toggleRow,
  toggleSort,
  withSearch,
  without,
  type Selection,
} from '../lib/inventory';
import { deniedReason } from '../lib/permissions';
import { severityColor } from '../lib/policy-view';
import { handleSessionError } from '../state/actions';
import { useInventoryPages } from '../state/inventory-pages';
import { openInventory } from '../state/inventory';
import { useApp } from '../state/store';
import { tokenLabels } from '../state/tokens';
import { InventoryBulk } from './InventoryBulk';
import { InventoryFilters } from './InventoryFilters';
import { useLoad } from '../state/load';

const ROW_PX = 40;

function StoreCell({ row, labels }: { row: InventoryRow; labels: ReadonlyMap<string, string> }) {
  if (row.store !== 'token' || !row.tokenSerial) return <>{storeLabel(row.store)}</>;
  return (
    <span style={{ whiteSpace: 'nowrap' }} title={`Token serial ${row.tokenSerial}`}>
      {storeLabel(row.store)}
      <span className="custos-vt-dim" style={{ fontSize: 'var(--mantine-font-size-xs)' }} data-testid="key-token-label">
        {' · '}
        {labels.get(row.tokenSerial) || `serial ${row.tokenSerial}`}
      </span>
    </span>
  );
}

/**
 * Looks like Mantine's light Badge, drawn as one span: the rows of a fast scroll are re-created
 * every frame, and a Badge computes its styles on each.
 */
function LightBadge({ color, label, testId, title }: { color: string; label: string; testId?: string; title?: string }) {
  return (
    <span className="custos-lb" data-c={color} data-testid={testId} title={title}>
      {label}
    </span>
  );
}

/** An empty cell: a dimmed dash (plain elements keep a million-row scroll cheap). */
const DASH = <span className="custos-vt-dim">—</span>;

function columns(labels: ReadonlyMap<string, string>): VirtualColumn<InventoryRow>[] {
  // The first five keep the order the earlier table had (name, algorithm, size, state, store).
  return [
    {
      id: 'name',
      label: 'Name',
      width: '2fr',
      sort: 'name',
      render: (r) => (
        <b title={r.name}>
          {r.name}
        </b>
      ),
    },
    { id: 'algorithm', label: 'Algorithm', width: '1fr', sort: 'algorithm', render: (r) => rowAlgorithm(r) },
    { id: 'size', label: 'Size / curve', width: '0.9fr', sort: 'size', render: (r) => rowSize(r) },
    { id: 'state', label: 'State', width: '1.3fr', sort: 'state', render: (r) => <LightBadge color={stateColor(r.state)} label={stateLabel(r.state)} testId="key-state" /> },
    { id: 'store', label: 'Store', width: '1.1fr', sort: 'store', cellTestId: 'key-store-cell', render: (r) => <StoreCell row={r} labels={labels} /> },
    { id: 'purpose', label: 'Purpose', width: '1fr', sort: 'purpose', render: (r) => (r.purpose ? r.purpose : DASH) },
    { id: 'owner', label: 'Owner', width: '1fr', sort: 'owner', render: (r) => r.owner ?? DASH },
    {
      id: 'findings',
      label: 'Findings',
      width: '0.8fr',
      render: (r) =>
        r.findings > 0 && r.worstSeverity ? (
          <LightBadge color={severityColor(r.worstSeverity)} label={`${r.findings} · ${severityName(r.worstSeverity)}`} title={`Worst: ${severityName(r.worstSeverity)}`} />
        ) : (
          DASH
        ),
    },
    {
      id: 'due',
      label: 'Rotation due',
      width: '1.1fr',
      sort: 'dueAt',
      render: (r) =>
        r.dueAt ? (
          <span title={r.dueRule ?? undefined}>{r.dueAt.slice(0, 10)}</span>
        ) : (
          DASH
        ),
    },
    {
      id: 'created',
      label: 'Created',
      width: '1fr',
      sort: 'createdAt',
      render: (r) => (
        <span title={`${formatDateTime(r.createdAt)} · ${r.ageDays} days old${r.tags.length ? ` · tags: ${r.tags.join(', ')}` : ''}`}>{r.createdAt.slice(0, 10)}</span>
      ),
    },
  ];
}

function SavedViews({ onSave, current }: { onSave: () => void; current: string }) {
  const [views, setViews] = useState<SavedView[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [chosen, setChosen] = useState<string | null>(null);

  useLoad(
    () => api.call('inventory.views.list', {}),
    setViews,
    (err) => setFailure(errorMessage(err)),
    [reload, current],
  );

  const view = views?.find((v) => v.id === chosen) ?? null;
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <Select
        label="Saved views"
        placeholder={views && views.length === 0 ? 'None saved yet' : 'Open a view'}
        data={(views ?? []).map((v) => ({ value: v.id, label: v.name }))}
        value={chosen}
        onChange={(id) => {
          setChosen(id);
          const v = views?.find((x) => x.id === id);
          if (v) openInventory(v.filter, { field: v.sort.field ?? 'createdAt', direction: v.sort.direction ?? 'desc' });
        }}
        error={failure ?? undefined}
        w={220}
        clearable
        data-testid="saved-views"
      />
      <Button variant="default" onClick={onSave} data-testid="save-view">
        Save view…
      </Button>
      {view && (
        <Button
          variant="subtle"
          color="red"
          onClick={() =>
            void api.call('inventory.views.delete', { id: view.id }).then(
              () => {
                setChosen(null);
                setReload((n) => n + 1);
              },
              (err: unknown) => !handleSessionError(err) && setFailure(errorMessage(err)),
            )
          }
        >
          Delete view
        </Button>
      )}
    </Group>
  );
}

/**
 * The keys of the vault, a million as smoothly as ten: the core filters, sorts and counts; the
 * table asks for the pages it shows. Filters by every metadata field, free-text prefix search,
 * sort by header, saved views, many keys selected and acted on at once; arrow keys and Enter.
 */
export function Inventory() {
  const query = useApp((s) => s.inventory);
  const setQuery = useApp((s) => s.setInventory);
  const navigate = useApp((s) => s.navigate);
  const notify = useApp((s) => s.notify);
  const role = useApp((s) => s.status?.user?.role ?? null);
  const tokenRevision = useApp((s) => s.tokenRevision);
  const generateDenied = deniedReason(role, 'keys.generate', 'generate keys');
  const { filter, sort } = query;

  const [searchText, setSearchText] = useState(filter.search ?? '');
  const [reload, setReload] = useState(0);
  const [showFilters, setShowFilters] = useState(false);
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [labels, setLabels] = useState<Map<string, string>>(new Map());
  const [saving, setSaving] = useState(false);
  const [viewName, setViewName] = useState('');
  const [saveFailure, setSaveFailure] = useState<string | null>(null);
  const [savedRevision, setSavedRevision] = useState(0);

  const pages = useInventoryPages(filter, sort, reload);
  const key = queryKey(filter, sort);
  const total = pages.total ?? 0;

  // Typing sets the search 250 ms after the last key. A search set elsewhere (a drill-down, a saved
  // view, a removed chip, Clear all) cancels a pending one and shows in the field: a debounced value
  // that settled after such a change used to put the old text back over the new filter.
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const searchTimer = useRef<number | undefined>(undefined);
  const typedRef = useRef(searchText);
  const typeSearch = useCallback(
    (text: string) => {
      typedRef.current = text;
      setSearchText(text);
      window.clearTimeout(searchTimer.current);
      searchTimer.current = window.setTimeout(() => {
        const wanted = text.trim();
        if ((filterRef.current.search ?? '') !== wanted) setQuery({ filter: withSearch(filterRef.current, wanted) });
      }, 250);
    },
    [setQuery],
  );
  useEffect(() => {
    window.clearTimeout(searchTimer.current);
    if (typedRef.current.trim() === (filter.search ?? '')) return;
    typedRef.current = filter.search ?? '';
    setSearchText(typedRef.current);
  }, [filter.search]);
  useEffect(() => () => window.clearTimeout(searchTimer.current), []);
  const clearAll = () => {
    window.clearTimeout(searchTimer.current);
    typedRef.current = '';
    setSearchText('');
    setQuery({ filter: {} });
  };

  // A new query, a new selection.
  useEffect(() => setSelection(NO_SELECTION), [key, reload]);

  // Token keys show their token's label (the serial when the token is absent).
  // Without labels the serials show: nothing to report.
  useLoad(tokenLabels, setLabels, () => undefined, [tokenRevision]);

  // The table fills the window below its own top edge.
  const { height: vh } = useViewportSize();
  const tableTop = useRef<HTMLDivElement>(null);
  const [tableHeight, setTableHeight] = useState(480);
  useLayoutEffect(() => {
    const top = tableTop.current?.getBoundingClientRect().top ?? 300;
    setTableHeight(Math.max(280, Math.floor((vh || window.innerHeight) - top - 24)));
  }, [vh, showFilters, selection, pages.total, filter]);

  const cols = useMemo(() => columns(labels), [labels]);
  const rowAttributes = useCallback((r: InventoryRow) => ({ 'data-testid': 'key-row', 'data-key-id': r.id, 'data-fingerprint': r.fingerprint ?? r.kcv ?? '' }), []);
  const onOpen = useCallback((r: InventoryRow) => navigate({ name: 'key', id: r.id }), [navigate]);
  const onSort = useCallback((field: string) => setQuery({ sort: toggleSort(sort, field as typeof sort.field) }), [setQuery, sort]);

  const chips = filterChips(filter, labels);
  const emptyVault = pages.total === 0 && isEmptyFilter(filter) && !searchText.trim();

  const saveView = async () => {
    setSaveFailure(null);
    try {
      const v = await api.call('inventory.views.save', { name: viewName, filter, sort });
      notify({ color: 'green', title: 'View saved', message: `“${v.name}” is in Saved views for everyone using this vault.` });
      setSaving(false);
      setViewName('');
      setSavedRevision((n) => n + 1);
    } catch (err) {
      if (!handleSessionError(err)) setSaveFailure(errorMessage(err));
    }
  };

  const selectionProps = {
    isSelected: (r: InventoryRow) => isSelected(selection, r.id),
    toggle: (r: InventoryRow, index: number, range: boolean) => setSelection((s) => toggleRow(s, r.id, index, range, (i) => pages.rowAt(i)?.id)),
    all: headerState(selection, total),
    toggleAll: () => setSelection((s) => (s.all || (!s.all && s.ids.size > 0) ? NO_SELECTION : { all: true, total })),
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <div>
          <PageTitle>Key inventory</PageTitle>
          <Text size="sm" c="dimmed">
            Every key in this vault, with its algorithm, lifecycle state and where its material lives.
          </Text>
        </div>
        {generateDenied ? (
          <DeniedButton reason={generateDenied} leftSection={<IconPlus size={16} />}>
            New key
          </DeniedButton>
        ) : (
          <Button leftSection={<IconPlus size={16} />} onClick={() => navigate({ name: 'generate' })}>
            New key
          </Button>
        )}
      </Group>

      {pages.failure && <ErrorAlert title="The inventory could not be read" message={pages.failure} />}
      {pages.failure && (
        <Group>
          <Button variant="default" size="xs" onClick={() => setReload((n) => n + 1)}>
            Try again
          </Button>
        </Group>
      )}

      {emptyVault ? (
        <EmptyState
          icon={<IconKey size={28} />}
          title="No keys yet"
          description={
            generateDenied
              ? `This vault holds no keys yet. ${generateDenied} When an operator generates or imports one, it appears here.`
              : 'This vault holds no keys. Generate the first one (it starts Pre-active; you activate it when it is ready), discover the keys on a token, or fill a test vault with `custos demo seed --keys 10000`.'
          }
          data-testid="inventory-empty"
          py="xl"
        >
          {!generateDenied && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => navigate({ name: 'generate' })}>
              Generate your first key
            </Button>
          )}
        </EmptyState>
      ) : (
        <>
          <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
            <Group align="flex-end" gap="sm" wrap="wrap">
              <TextInput
                label="Search keys"
                placeholder="Name, tag, fingerprint or KCV prefix"
                leftSection={<IconSearch size={16} />}
                value={searchText}
                onChange={(e) => typeSearch(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') typeSearch('');
                }}
                w={300}
                maxLength={128}
                rightSection={pages.loading ? <Loader size="xs" /> : null}
              />
              <Button variant={showFilters ? 'light' : 'default'} onClick={() => setShowFilters((v) => !v)} aria-expanded={showFilters} data-testid="toggle-filters">
                Filters{chips.filter((c) => c.field !== 'search').length ? ` (${chips.filter((c) => c.field !== 'search').length})` : ''}
              </Button>
              <SavedViews current={String(savedRevision)} onSave={() => setSaving(true)} />
            </Group>
            <Text size="sm" c="dimmed" aria-live="polite" data-testid="inventory-count" data-total={pages.total ?? ''}>
              {pages.total === null ? 'Counting…' : keysLabel(pages.total)}
              {pages.tookMs !== null && pages.total !== null ? ` · ${Math.round(pages.tookMs)} ms in the core` : ''}
            </Text>
          </Group>

          {chips.length > 0 && (
            <Group gap={6} data-testid="filter-chips">
              {chips.map((c) => (
                <Pill key={c.field} withRemoveButton onRemove={() => setQuery({ filter: without(filter, c.field) })} removeButtonProps={{ 'aria-label': `Remove filter ${c.label}` }} data-testid="filter-chip">
                  {c.label}
                </Pill>
              ))}
              <Button size="compact-xs" variant="subtle" onClick={clearAll}>
                Clear all
              </Button>
            </Group>
          )}

          {showFilters && (
            <InventoryFilters
              key={key}
              filter={filter}
              tokenLabels={labels}
              onClose={() => setShowFilters(false)}
              onApply={(f) => {
                setQuery({ filter: f });
                setShowFilters(false);
              }}
            />
          )}

          {(selection.all || selection.ids.size > 0) && (
            <InventoryBulk
              selection={selection}
              filter={filter}
              total={total}
              onSelectAll={() => setSelection({ all: true, total })}
              onClear={() => setSelection(NO_SELECTION)}
              onDone={() => setReload((n) => n + 1)}
            />
          )}

          <div ref={tableTop}>
            <VirtualTable
              label="Key inventory"
              columns={cols}
              count={total}
              rowAt={pages.rowAt}
              rowKey={(r) => r.id}
              onRange={pages.onRange}
              onOpen={onOpen}
              sort={sort}
              onSort={onSort}
              selection={selectionProps}
              rowAttributes={rowAttributes}
              height={tableHeight}
              rowHeight={ROW_PX}
              busy={pages.loading}
              resetKey={`${key}|${reload}`}
              empty={
                pages.loading ? (
                  <Loader size="sm" aria-label="Loading keys" />
                ) : (
                  <Text c="dimmed" ta="center" py="md" data-testid="inventory-no-match">
                    {filter.search ? (
                      <>
                        No key name, tag, fingerprint or KCV starts with <Code>{filter.search}</Code>
                        {chips.length > 1 ? ' among the filtered keys' : ''}.{' '}
                      </>
                    ) : (
                      'No key matches these filters. '
                    )}
                    <Button size="compact-sm" variant="subtle" onClick={clearAll}>
                      Clear the search and filters
                    </Button>
                  </Text>
                )
              }
            />
          </div>
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              ↑ ↓ Page Up/Down Home End move · Enter opens · Space selects (Shift+Space a range) · Ctrl+K jumps to a key or screen
            </Text>
            <Tooltip label="Read the inventory again">
              <ActionIcon variant="subtle" aria-label="Reload the inventory" onClick={() => setReload((n) => n + 1)}>
                <IconRefresh size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </>
      )}

      <Modal opened={saving} onClose={() => setSaving(false)} title="Save this view">
        <Stack gap="sm">
          <Text size="sm">The filters and the sort, under a name everyone using this vault sees. A view with the same name is replaced.</Text>
          <TextInput label="View name" data-autofocus value={viewName} maxLength={64} onChange={(e) => setViewName(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && viewName.trim() && void saveView()} />
          {saveFailure && <ErrorAlert title="The view was not saved" message={saveFailure} />}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setSaving(false)}>
              Cancel
            </Button>
            <Button onClick={() => void saveView()} disabled={!viewName.trim()}>
              Save view
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

