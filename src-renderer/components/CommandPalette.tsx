import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { Badge, Group, Kbd, Loader, Modal, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { InventoryRow } from '../../src-shared/contract-inventory';
import { api } from '../api/client';
import { algorithmName } from '../lib/inventory';
import { isPaletteShortcut, keySearchText, looksLikeFingerprint, matchScreens, moveHighlight, type PaletteScreen } from '../lib/palette';
import { IconKey, IconSearch } from './icons';
import { loadWhileLive } from '../state/load';

const KEY_RESULTS = 8;
const OPEN_EVENT = 'custos:open-palette';

/** Opens the palette from a button (the header's search field look-alike). */
export function openPalette(): void {
  window.dispatchEvent(new Event(OPEN_EVENT));
}

type Entry<V> = { kind: 'screen'; screen: PaletteScreen<V> & { icon?: ReactNode } } | { kind: 'key'; key: InventoryRow };

/**
 * Ctrl+K / Cmd+K anywhere in the console: type to jump to a screen, or to a key by name,
 * fingerprint or KCV prefix (the core searches; the renderer never holds the inventory).
 */
export function CommandPalette<V>({
  screens,
  onScreen,
  onKey,
}: {
  screens: readonly (PaletteScreen<V> & { icon?: ReactNode })[];
  onScreen: (view: V) => void;
  onKey: (id: string) => void;
}) {
  const [opened, setOpened] = useState(false);
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text, 150);
  const [keys, setKeys] = useState<InventoryRow[]>([]);
  const [searching, setSearching] = useState(false);
  const [highlight, setHighlight] = useState(0);
  const listId = useId();
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (!isPaletteShortcut(e)) return;
      e.preventDefault();
      setOpened((o) => !o);
    };
    const onOpen = () => setOpened(true);
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener(OPEN_EVENT, onOpen);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener(OPEN_EVENT, onOpen);
    };
  }, []);

  useEffect(() => {
    if (!opened) return;
    const search = keySearchText(debounced);
    if (search === null) {
      setKeys([]);
      return;
    }
    setSearching(true);
    // The inventory's indexed prefix search (name, tag, fingerprint, KCV); no count needed.
    return loadWhileLive(
      () => api.call('inventory.query', { filter: { search }, sort: { field: 'name', direction: 'asc' }, limit: KEY_RESULTS, withTotal: false }),
      (r) => {
        setKeys(r.rows);
        setSearching(false);
      },
      // A failed search finds nothing; the screens stay reachable.
      () => {
        setSearching(false);
        setKeys([]);
      },
    );
  }, [debounced, opened]);

  const entries: Entry<V>[] = useMemo(
    () => [...matchScreens(screens, text).map((screen) => ({ kind: 'screen' as const, screen })), ...keys.map((key) => ({ kind: 'key' as const, key }))],
    [screens, text, keys],
  );

  useEffect(() => setHighlight(0), [text, keys]);

  useEffect(() => {
    listRef.current?.querySelector(`[data-index="${highlight}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [highlight]);

  const close = () => {
    setOpened(false);
    setText('');
    setKeys([]);
  };

  const choose = (entry: Entry<V> | undefined) => {
    if (!entry) return;
    close();
    if (entry.kind === 'screen') onScreen(entry.screen.view);
    else onKey(entry.key.id);
  };

  const optionId = (i: number) => `${listId}-option-${i}`;

  return (
    <Modal
      opened={opened}
      onClose={close}
      title="Go to a screen or a key"
      size="lg"
      yOffset="10vh"
      data-testid="command-palette"
    >
      <Stack gap="sm">
        <TextInput
          data-autofocus
          aria-label="Screen, key name or fingerprint prefix"
          placeholder="Screen, key name, fingerprint or KCV prefix"
          leftSection={<IconSearch size={16} />}
          rightSection={searching ? <Loader size="xs" /> : null}
          value={text}
          maxLength={128}
          onChange={(e) => setText(e.currentTarget.value)}
          role="combobox"
          aria-expanded
          aria-controls={listId}
          aria-activedescendant={entries.length ? optionId(highlight) : undefined}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              choose(entries[highlight]);
              return;
            }
            const next = moveHighlight(highlight, e.key, entries.length);
            if (next !== null && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
              e.preventDefault();
              setHighlight(next);
            }
          }}
        />
        <Stack gap={2} id={listId} role="listbox" aria-label="Results" ref={listRef} mah="50vh" style={{ overflowY: 'auto' }}>
          {entries.map((entry, i) => {
            const active = i === highlight;
            return (
              <UnstyledButton
                key={entry.kind === 'screen' ? `s-${String(entry.screen.label)}` : `k-${entry.key.id}`}
                id={optionId(i)}
                role="option"
                aria-selected={active}
                data-index={i}
                data-testid={entry.kind === 'screen' ? 'palette-screen' : 'palette-key'}
                tabIndex={-1}
                px="sm"
                py={6}
                onMouseEnter={() => setHighlight(i)}
                onClick={() => choose(entry)}
                style={{
                  borderRadius: 'var(--mantine-radius-sm)',
                  background: active ? 'var(--mantine-primary-color-light)' : undefined,
                  color: active ? 'var(--mantine-primary-color-light-color)' : undefined,
                }}
              >
                {entry.kind === 'screen' ? (
                  <Group gap="sm" wrap="nowrap">
                    {entry.screen.icon}
                    <Text size="sm" fw={600}>
                      {entry.screen.label}
                    </Text>
                    <Badge size="xs" variant="default" ml="auto">
                      Screen
                    </Badge>
                  </Group>
                ) : (
                  <Group gap="sm" wrap="nowrap">
                    <IconKey size={16} />
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      <Text size="sm" fw={600} truncate="end">
                        {entry.key.name}
                      </Text>
                      <Text size="xs" c="dimmed" className="custos-mono" truncate="end">
                        {algorithmName(entry.key.algorithm)} · {entry.key.fingerprint ?? entry.key.kcv ?? entry.key.id}
                      </Text>
                    </Stack>
                    <Badge size="xs" variant="default" ml="auto">
                      Key
                    </Badge>
                  </Group>
                )}
              </UnstyledButton>
            );
          })}
          {entries.length === 0 && !searching && (
            <Text size="sm" c="dimmed" px="sm" py="xs" data-testid="palette-empty">
              {looksLikeFingerprint(text)
                ? 'No screen, and no key whose fingerprint or KCV starts with that.'
                : 'No screen or key by that name. Keys are found by the start of their name, fingerprint or KCV.'}
            </Text>
          )}
        </Stack>
        <Group gap="xs" justify="flex-end">
          <Text size="xs" c="dimmed">
            <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> to move, <Kbd size="xs">Enter</Kbd> to open, <Kbd size="xs">Esc</Kbd> to close
          </Text>
        </Group>
      </Stack>
    </Modal>
  );
}
