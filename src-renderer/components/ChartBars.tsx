import { Box } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { InventoryFilter } from '../../src-shared/contract-inventory';
import { chartSummary, type Datum } from '../lib/dashboard';
import { useChartColors } from './ChartKit';

/** Vertical bars (months, severities); a bar opens the inventory on its keys. */
export function ChartBars({ data, onDrill, testId, label, height = 200, color = 'indigo' }: { data: readonly Datum[]; onDrill: (f: InventoryFilter) => void; testId: string; label: string; height?: number; color?: string }) {
  const colors = useChartColors();
  return (
    <Box role="img" aria-label={`${label}: ${chartSummary(data)}`} h={height} data-testid={`${testId}-chart`}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={[...data]} margin={{ top: 18, right: 4, bottom: 0, left: -18 }}>
          <CartesianGrid vertical={false} stroke={colors.grid} />
          <XAxis dataKey="label" tick={{ fill: colors.ink, fontSize: 11 }} stroke={colors.grid} interval={0} angle={data.length > 8 ? -35 : 0} textAnchor={data.length > 8 ? 'end' : 'middle'} height={data.length > 8 ? 48 : 24} />
          <YAxis allowDecimals={false} tick={{ fill: colors.ink, fontSize: 11 }} stroke={colors.grid} />
          <Tooltip
            cursor={{ fill: colors.cursor }}
            contentStyle={{ background: colors.surface, borderColor: colors.grid, borderRadius: 6, fontSize: 12 }}
            labelStyle={{ color: colors.ink }}
            itemStyle={{ color: colors.ink }}
            isAnimationActive={false}
          />
          <Bar dataKey="count" name="Keys" isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={40}>
            {data.map((d) => (
              <Cell key={d.id} fill={colors.fill(d.color ?? color)} cursor={d.filter && d.count > 0 ? 'pointer' : 'default'} onClick={() => d.filter && d.count > 0 && onDrill(d.filter)} />
            ))}
            <LabelList dataKey="count" position="top" fill={colors.ink} fontSize={11} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}
