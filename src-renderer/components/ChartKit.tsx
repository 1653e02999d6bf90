import type { ReactNode } from 'react';
import { Group, Paper, Stack, Text, UnstyledButton, useComputedColorScheme, useMantineTheme } from '@mantine/core';
import type { InventoryFilter } from '../../src-shared/contract-inventory';
import type { Datum } from '../lib/dashboard';

/** Categories without a meaning of their own (algorithms, stores, purposes) cycle through these. */
const CATEGORY_COLORS = ['indigo', 'teal', 'orange', 'grape', 'cyan', 'lime', 'pink', 'yellow', 'blue', 'red'] as const;

export interface ChartColors {
  ink: string;
  grid: string;
  surface: string;
  cursor: string;
  /** A Mantine colour name at the shade that reads on this scheme's background. */
  fill(name: string): string;
  category(i: number): string;
  datum(d: Datum, i: number): string;
}

/** Chart colours for the current light or dark scheme, from the Mantine theme (no hard-coded hex). */
export function useChartColors(): ChartColors {
  const theme = useMantineTheme();
  const scheme = useComputedColorScheme('light', { getInitialValueInEffect: false });
  const dark = scheme === 'dark';
  const fill = (name: string) => (name === 'dark' ? (dark ? theme.colors.gray[6]! : theme.colors.dark[6]!) : (theme.colors[name] ?? theme.colors.gray)[dark ? 7 : 6]!);
  return {
    ink: dark ? theme.colors.dark[1]! : theme.colors.gray[7]!,
    grid: dark ? theme.colors.dark[4]! : theme.colors.gray[3]!,
    surface: dark ? theme.colors.dark[6]! : theme.white,
    cursor: dark ? 'rgba(255,255,255,0.06)' : 'rgba(0,0,0,0.05)',
    fill,
    category: (i) => fill(CATEGORY_COLORS[i % CATEGORY_COLORS.length]!),
    datum: (d, i) => fill(d.color ?? CATEGORY_COLORS[i % CATEGORY_COLORS.length]!),
  };
}

/** A titled panel around one chart; `empty` replaces the chart when there is nothing to draw. */
export function ChartCard({ title, subtitle, children, testId, empty, right }: { title: string; subtitle?: string; children: ReactNode; testId: string; empty?: ReactNode; right?: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId} h="100%">
      <Stack gap="xs" h="100%">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Text fw={700} size="sm" component="h3" m={0}>
              {title}
            </Text>
            {subtitle && (
              <Text size="xs" c="dimmed">
                {subtitle}
              </Text>
            )}
          </div>
          {right}
        </Group>
        {empty ?? children}
      </Stack>
    </Paper>
  );
}

/**
 * The chart's elements as buttons: what a keyboard or screen-reader user drills down with (the
 * drawn shapes are clickable too). Each says its count.
 */
export function ChartLegend({ data, colorOf, onDrill, testId }: { data: readonly Datum[]; colorOf: (d: Datum, i: number) => string; onDrill: (f: InventoryFilter) => void; testId: string }) {
  return (
    <Stack gap={2} role="list" aria-label="Drill down">
      {data.map((d, i) => (
        <UnstyledButton
          key={d.id}
          role="listitem"
          onClick={() => d.filter && onDrill(d.filter)}
          disabled={!d.filter}
          data-testid={`${testId}-item`}
          data-id={d.id}
          data-label={d.label}
          data-count={d.count}
          aria-label={`${d.label}: ${d.count.toLocaleString('en')} keys${d.filter ? ', show them' : ''}`}
          px={6}
          py={2}
          style={{ borderRadius: 'var(--mantine-radius-sm)', cursor: d.filter ? 'pointer' : 'default' }}
          className="custos-legend-item"
        >
          <Group gap={8} wrap="nowrap" justify="space-between">
            <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
              <span aria-hidden style={{ width: 10, height: 10, borderRadius: 2, background: colorOf(d, i), flexShrink: 0 }} />
              <Text size="xs" truncate="end">
                {d.label}
              </Text>
            </Group>
            <Text size="xs" fw={600} style={{ fontVariantNumeric: 'tabular-nums' }}>
              {d.count.toLocaleString('en')}
            </Text>
          </Group>
        </UnstyledButton>
      ))}
    </Stack>
  );
}
