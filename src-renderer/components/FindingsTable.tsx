import { Anchor, Badge, Table, Text } from '@mantine/core';
import type { AnalysisFindingRow } from '../../src-shared/contract-analysis';
import { SEVERITY_COLORS, SEVERITY_LABELS } from '../lib/analysis';
import { formatDateTime } from '../lib/format';
import { useApp } from '../state/store';

/** Findings of analysis as a table: severity, what, which key or certificate, the detail. */
export function FindingsTable({ items, showKey = true, testId = 'findings-table' }: { items: AnalysisFindingRow[]; showKey?: boolean; testId?: string }) {
  const navigate = useApp((s) => s.navigate);
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped highlightOnHover verticalSpacing="xs" data-testid={testId} aria-label="Findings">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Finding</Table.Th>
            {showKey && <Table.Th>Key or certificate</Table.Th>}
            <Table.Th>Detail</Table.Th>
            <Table.Th>Found</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((f) => (
            <Table.Tr key={f.id} data-testid="finding-row" data-rule={f.rule} data-severity={f.severity}>
              <Table.Td>
                <Badge color={SEVERITY_COLORS[f.severity]} variant="light" className="custos-badge">
                  {SEVERITY_LABELS[f.severity]}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {f.title}
                </Text>
                <Text size="xs" c="dimmed" className="custos-mono">
                  {f.rule}
                </Text>
              </Table.Td>
              {showKey && (
                <Table.Td>
                  {f.keyId ? (
                    <Anchor component="button" type="button" size="sm" onClick={() => navigate({ name: 'key', id: f.keyId! })} data-testid="finding-key">
                      {f.keyName ?? f.keyId}
                    </Anchor>
                  ) : (
                    <Text size="sm">{f.certificateSubject ?? '—'}</Text>
                  )}
                </Table.Td>
              )}
              <Table.Td>
                <Text size="sm">{f.detail ?? ''}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="dimmed" title={f.foundAt}>
                  {formatDateTime(f.foundAt)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
