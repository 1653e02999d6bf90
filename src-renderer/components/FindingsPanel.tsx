import { useState } from 'react';
import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { AnalysisFindingRow } from '../../src-shared/contract-analysis';
import { api, errorMessage } from '../api/client';
import { FindingsTable } from './FindingsTable';
import { useLoad } from '../state/load';

/** The stored analysis findings of one key (its own, and those of its certificates), on the key's page. */
export function FindingsPanel({ keyId }: { keyId: string }) {
  const [items, setItems] = useState<AnalysisFindingRow[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useLoad(
    () => api.call('analysis.findings', { keyId, limit: 100 }),
    (r) => setItems(r.items),
    (err) => setFailure(errorMessage(err)),
    [keyId],
  );

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Analysis findings" data-testid="key-analysis-findings">
      <Stack gap="sm">
        <Group gap="xs">
          <Title order={3} fz="lg">
            Analysis findings
          </Title>
          {items && (
            <Badge variant="light" color={items.length ? 'red' : 'gray'} className="custos-badge" data-testid="key-analysis-findings-count">
              {items.length}
            </Badge>
          )}
        </Group>
        {failure && (
          <Text size="sm" c="red">
            The findings could not be read: {failure}
          </Text>
        )}
        {items && items.length === 0 && (
          <Text size="sm" c="dimmed">
            The last analysis found nothing wrong with this key (run one from the Analysis page).
          </Text>
        )}
        {items && items.length > 0 && <FindingsTable items={items} showKey={false} testId="key-analysis-findings-table" />}
      </Stack>
    </Paper>
  );
}
