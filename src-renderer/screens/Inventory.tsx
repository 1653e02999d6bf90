import { useEffect, useState, type KeyboardEvent } from 'react';
import {
  Button,
  Center,
  Code,
  EmptyState,
  Group,
  Loader,
  NativeSelect,
  Pagination,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { KeySummary } from '../../src-shared/keys';
import { api, errorMessage } from '../api/client';
import { DeniedButton, ErrorAlert, PageTitle, StateBadge } from '../components/common';
import { IconKey, IconPlus, IconSearch, IconSort } from '../components/icons';
import { algorithmLabel, formatDateTime, pageCount, rangeLabel, sizeLabel, storeLabel } from '../lib/format';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { useApp, type SortField } from '../state/store';
import { tokenLabels } from '../state/tokens';

const PAGE_SIZES = ['10', '25', '50', '100'];

interface Column {
  label: string;
  sort: SortField | null;
}
const COLUMNS: Column[] = [
  { label: 'Name', sort: 'name' },
  { label: 'Algorithm', sort: 'algorithm' },
  { label: 'Size / curve', sort: null },
  { label: 'State', sort: 'state' },
  { label: 'Store', sort: 'store' },
  { label: 'Created', sort: 'createdAt' },
];

/** The keys of the vault: search, sort, page; a row opens the key. */
export function Inventory() {
  const query = useApp((s) => s.inventory);
  const setQuery = useApp((s) => s.setInventory);
  const cache = useApp((s) => s.inventoryCache);
  const setCache = useApp((s) => s.setInventoryCache);
  const navigate = useApp((s) => s.navigate);
  const role = useApp((s) => s.status?.user?.role ?? null);
  const generateDenied = deniedReason(role, 'keys.generate', 'generate keys');

  const [searchText, setSearchText] = useState(query.search);
  const [debouncedSearch] = useDebouncedValue(searchText.trim(), 250);
  const [data, setData] = useState<{ items: KeySummary[]; total: number } | null>(cache);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const tokenRevision = useApp((s) => s.tokenRevision);
  const [labels, setLabels] = useState<Map<string, string>>(new Map());
  const hasTokenKeys = data?.items.some((k) => k.store === 'token') ?? false;

  // Token keys show their token's label (read from the tokens present; the serial when it is absent).
  useEffect(() => {
    if (!hasTokenKeys) return;
    let live = true;
    void tokenLabels().then((m) => live && setLabels(m));
    return () => {
      live = false;
    };
  }, [hasTokenKeys, tokenRevision]);

  useEffect(() => {
    if (debouncedSearch !== query.search) setQuery({ search: debouncedSearch, offset: 0 });
  }, [debouncedSearch, query.search, setQuery]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .call('keys.list', {
        offset: query.offset,
        limit: query.limit,
        sort: query.sort,
        direction: query.direction,
        ...(query.search ? { search: query.search } : {}),
      })
      .then(
        (result) => {
          if (!live) return;
          // A page past the end (keys went away): go back to the last page that has keys.
          if (result.items.length === 0 && result.total > 0 && query.offset > 0) {
            setQuery({ offset: (pageCount(result.total, query.limit) - 1) * query.limit });
            return;
          }
          setData(result);
          setCache(result);
          setFailure(null);
          setLoading(false);
        },
        (err: unknown) => {
          if (!live || handleSessionError(err)) return;
          setFailure(errorMessage(err));
          setLoading(false);
        },
      );
    return () => {
      live = false;
    };
  }, [query, reload, setCache, setQuery]);

  const toggleSort = (field: SortField) => {
    if (query.sort === field) setQuery({ direction: query.direction === 'asc' ? 'desc' : 'asc', offset: 0 });
    else setQuery({ sort: field, direction: field === 'createdAt' ? 'desc' : 'asc', offset: 0 });
  };

  const open = (key: KeySummary) => navigate({ name: 'key', id: key.id });
  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, key: KeySummary) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(key);
    }
  };

  const page = Math.floor(query.offset / query.limit) + 1;
  const pages = data ? pageCount(data.total, query.limit) : 1;
  const emptyVault = data !== null && data.total === 0 && !query.search && !searchText.trim();

  return (
    <Stack gap="md">
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

      {failure && (
        <ErrorAlert title="The inventory could not be read" message={failure} onClose={() => setFailure(null)} />
      )}
      {failure && (
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
              ? `This vault holds no keys yet. ${generateDenied} When an operator generates one, it appears here.`
              : 'This vault holds no keys. Generate the first one: it starts in the Pre-active state, and you activate it when it is ready for use.'
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
          <Group justify="space-between" align="flex-end">
            <TextInput
              label="Search keys"
              placeholder="Name, fingerprint or KCV prefix"
              leftSection={<IconSearch size={16} />}
              value={searchText}
              onChange={(e) => setSearchText(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setSearchText('');
              }}
              w={340}
              maxLength={128}
              rightSection={loading && data ? <Loader size="xs" /> : null}
            />
            <Text size="sm" c="dimmed" aria-live="polite" data-testid="inventory-range">
              {data ? rangeLabel(query.offset, data.items.length, data.total) : ''}
            </Text>
          </Group>

          {!data ? (
            <Center py="xl">
              <Loader aria-label="Loading keys" />
            </Center>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table
                aria-label="Key inventory"
                highlightOnHover
                verticalSpacing="sm"
                striped={false}
                aria-busy={loading}
              >
                <Table.Thead>
                  <Table.Tr>
                    {COLUMNS.map((col) => {
                      const active = col.sort !== null && query.sort === col.sort;
                      return (
                        <Table.Th
                          key={col.label}
                          aria-sort={col.sort === null ? undefined : active ? (query.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                        >
                          {col.sort === null ? (
                            col.label
                          ) : (
                            <UnstyledButton className="custos-sort" onClick={() => toggleSort(col.sort as SortField)}>
                              {col.label}
                              <IconSort size={14} sortDirection={active ? query.direction : null} />
                            </UnstyledButton>
                          )}
                        </Table.Th>
                      );
                    })}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((key) => (
                    <Table.Tr
                      key={key.id}
                      className="custos-row"
                      tabIndex={0}
                      data-testid="key-row"
                      data-key-id={key.id}
                      onClick={() => open(key)}
                      onKeyDown={(e) => onRowKey(e, key)}
                    >
                      <Table.Td fw={600}>{key.name}</Table.Td>
                      <Table.Td>{algorithmLabel(key.algorithm)}</Table.Td>
                      <Table.Td>{sizeLabel(key)}</Table.Td>
                      <Table.Td>
                        <StateBadge state={key.state} testId="key-state" />
                      </Table.Td>
                      <Table.Td data-testid="key-store-cell">
                        {key.token ? (
                          <Text size="sm" span style={{ whiteSpace: 'nowrap' }} title={`Token serial ${key.token.serial}`}>
                            {storeLabel(key.store)}
                            <Text span size="xs" c="dimmed" data-testid="key-token-label">
                              {' · '}
                              {labels.get(key.token.serial) || `serial ${key.token.serial}`}
                            </Text>
                          </Text>
                        ) : (
                          storeLabel(key.store)
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" title={key.createdAt} style={{ whiteSpace: 'nowrap' }}>
                          {formatDateTime(key.createdAt)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  {data.items.length === 0 && (
                    <Table.Tr>
                      <Table.Td colSpan={COLUMNS.length}>
                        <Text c="dimmed" ta="center" py="md">
                          No key name, fingerprint or KCV starts with <Code>{query.search || searchText}</Code>.{' '}
                          <UnstyledButton
                            c="blue"
                            fz="inherit"
                            td="underline"
                            onClick={() => setSearchText('')}
                          >
                            Clear the search
                          </UnstyledButton>
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}

          {data && data.total > 0 && (
            <Group justify="space-between">
              <NativeSelect
                label="Rows per page"
                data={PAGE_SIZES}
                value={String(query.limit)}
                onChange={(e) => setQuery({ limit: Number(e.currentTarget.value), offset: 0 })}
                size="xs"
                w={120}
              />
              {pages > 1 && (
                <Pagination
                  total={pages}
                  value={page}
                  onChange={(p) => setQuery({ offset: (p - 1) * query.limit })}
                  aria-label="Inventory pages"
                  getItemProps={(p) => ({ 'aria-label': `Page ${p}`, 'aria-current': p === page ? 'page' : undefined })}
                  getControlProps={(control) => ({ 'aria-label': `${control} page` })}
                  withEdges
                />
              )}
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
