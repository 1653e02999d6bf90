import { Box } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { InventoryFilter } from '../../src-shared/contract-inventory';
import { BUCKET_COLORS, type HistogramRow } from '../lib/dashboard';
import { useChartColors } from './ChartKit';

/** Rule titles are sentences; the axis shows their start (the tooltip has the whole title). */
function shortTitle(title: string): string {
  return title.length > 30 ? `${title.slice(0, 29)}…` : title;
}

/**
 * Active keys per cryptoperiod rule, stacked by how much of the period has elapsed (fresh → overdue).
 * A segment opens the inventory on those keys.
 */
export function ChartHistogram({
  rows,
  buckets,
  filterOf,
  onDrill,
  testId,
}: {
  rows: HistogramRow[];
  buckets: string[];
  filterOf: (row: number, bucket: number) => InventoryFilter | null;
  onDrill: (f: InventoryFilter) => void;
  testId: string;
}) {
  const colors = useChartColors();
  const height = Math.max(120, rows.length * 30 + 70);
  const summary = rows.map((r) => `${r.title}: ${buckets.map((b, i) => `${b} ${r[`b${i}`] ?? 0}`).join(', ')}`).join('; ');
  return (
    <Box role="img" aria-label={`Age against cryptoperiod. ${summary}`} h={height} data-testid={`${testId}-chart`}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid horizontal={false} stroke={colors.grid} />
          <XAxis type="number" allowDecimals={false} tick={{ fill: colors.ink, fontSize: 11 }} stroke={colors.grid} />
          <YAxis type="category" dataKey="title" width={190} tick={{ fill: colors.ink, fontSize: 11 }} tickFormatter={shortTitle} stroke={colors.grid} />
          <Tooltip
            cursor={{ fill: colors.cursor }}
            contentStyle={{ background: colors.surface, borderColor: colors.grid, borderRadius: 6, fontSize: 12 }}
            labelStyle={{ color: colors.ink }}
            itemStyle={{ color: colors.ink }}
            isAnimationActive={false}
          />
          <Legend wrapperStyle={{ fontSize: 11, color: colors.ink }} itemSorter="dataKey" />
          {buckets.map((b, bi) => (
            <Bar
              key={b}
              dataKey={`b${bi}`}
              name={`${b} of period`}
              stackId="age"
              fill={colors.fill(BUCKET_COLORS[Math.min(bi, BUCKET_COLORS.length - 1)]!)}
              isAnimationActive={false}
              cursor="pointer"
              onClick={(_: unknown, rowIndex: number) => {
                const f = filterOf(rowIndex, bi);
                if (f) onDrill(f);
              }}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}
