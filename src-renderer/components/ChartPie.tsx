import { Box, Group } from '@mantine/core';
import { Cell, Pie, PieChart, Tooltip } from 'recharts';
import type { InventoryFilter } from '../../src-shared/contract-inventory';
import { chartSummary, topSlices, type Datum } from '../lib/dashboard';
import { ChartLegend, useChartColors } from './ChartKit';

/** A donut with its legend; a slice or a legend entry opens the inventory on that slice's keys. */
export function ChartPie({ data, onDrill, testId, label }: { data: readonly Datum[]; onDrill: (f: InventoryFilter) => void; testId: string; label: string }) {
  const colors = useChartColors();
  const slices = topSlices(data);
  const size = 150;
  return (
    <Group gap="md" wrap="nowrap" align="center">
      <Box role="img" aria-label={`${label}: ${chartSummary(slices)}`} w={size} h={size} style={{ flexShrink: 0 }} data-testid={`${testId}-chart`}>
        <PieChart width={size} height={size}>
          <Pie
            data={slices}
            dataKey="count"
            nameKey="label"
            innerRadius={size * 0.28}
            outerRadius={size * 0.48}
            paddingAngle={slices.length > 1 ? 1 : 0}
            isAnimationActive={false}
            stroke={colors.surface}
          >
            {slices.map((d, i) => (
              <Cell key={d.id} fill={colors.datum(d, i)} cursor={d.filter ? 'pointer' : 'default'} onClick={() => d.filter && onDrill(d.filter)} />
            ))}
          </Pie>
          <Tooltip
            contentStyle={{ background: colors.surface, borderColor: colors.grid, borderRadius: 6, fontSize: 12 }}
            itemStyle={{ color: colors.ink }}
            isAnimationActive={false}
          />
        </PieChart>
      </Box>
      <Box style={{ flex: 1, minWidth: 0 }}>
        <ChartLegend data={slices} colorOf={colors.datum} onDrill={onDrill} testId={testId} />
      </Box>
    </Group>
  );
}
