import { useEffect, useState, type ReactNode } from 'react';
import { Badge, Button, Center, Code, DataList, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { AuditEvent } from '../../src-shared/audit';
import type { KeyDetail as KeyDetailData } from '../../src-shared/keys';
import { api, errorMessage, isApiError } from '../api/client';
import { CopyAction, ErrorAlert, PageTitle, StateBadge } from '../components/common';
import { IconArrowLeft } from '../components/icons';
import { algorithmLabel, formatDateTime, formatDetails, storeLabel } from '../lib/format';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

const OUTCOME_COLORS: Record<AuditEvent['outcome'], string> = { success: 'green', refused: 'orange', failed: 'red' };

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue data-testid={testId}>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

/** One key: its metadata, its public part, and what happened to it. */
export function KeyDetail({ id }: { id: string }) {
  const navigate = useApp((s) => s.navigate);
  const [key, setKey] = useState<KeyDetailData | null>(null);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [failure, setFailure] = useState<{ title: string; message: string } | null>(null);
  const [auditFailure, setAuditFailure] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.call('keys.get', { id }).then(
      (k) => live && setKey(k),
      (err: unknown) => {
        if (!live || handleSessionError(err)) return;
        setFailure({
          title: isApiError(err, 'E_NOT_FOUND') ? 'This key does not exist' : 'The key could not be read',
          message: errorMessage(err),
        });
      },
    );
    api.call('audit.list', { keyId: id, limit: 200 }).then(
      (r) => live && setEvents(r.items),
      (err: unknown) => {
        if (!live || handleSessionError(err)) return;
        setAuditFailure(errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, [id]);

  const back = (
    <Group>
      <Button variant="subtle" leftSection={<IconArrowLeft size={16} />} onClick={() => navigate({ name: 'inventory' })} px="xs">
        Back to inventory
      </Button>
    </Group>
  );

  if (failure) {
    return (
      <Stack gap="md">
        {back}
        <ErrorAlert title={failure.title} message={failure.message} />
      </Stack>
    );
  }
  if (!key) {
    return (
      <Stack gap="md">
        {back}
        <Center py="xl">
          <Loader aria-label="Loading key" />
        </Center>
      </Stack>
    );
  }

  return (
    <Stack gap="lg">
      {back}
      <Group gap="sm" align="center">
        <PageTitle>{key.name}</PageTitle>
        <StateBadge state={key.state} testId="key-state" />
      </Group>

      <Paper withBorder p="md" radius="md">
        <DataList labelWidth={190} withDivider data-testid="key-fields">
          <Field label="ID" testId="key-id">
            <Group gap={4} wrap="nowrap">
              <Text className="custos-mono" size="sm">
                {key.id}
              </Text>
              <CopyAction value={key.id} label="Copy key ID" compact />
            </Group>
          </Field>
          <Field label="Name">{key.name}</Field>
          <Field label="Algorithm" testId="key-algorithm">
            {algorithmLabel(key.algorithm)}
          </Field>
          <Field label="Size">{key.size} bits</Field>
          <Field label="Curve">{key.curve ?? '—'}</Field>
          <Field label="State">
            <StateBadge state={key.state} />
          </Field>
          <Field label="Store" testId="key-store">
            {storeLabel(key.store)}
          </Field>
          <Field label="Version">{key.version}</Field>
          <Field label="Created">
            <span title={key.createdAt}>{formatDateTime(key.createdAt)}</span>
          </Field>
          <Field label="Created by">{key.createdBy}</Field>
          {key.fingerprint && (
            <Field label="Fingerprint (SHA-256)">
              <Group gap={4} wrap="nowrap" align="flex-start">
                <Text className="custos-mono" size="sm" data-testid="key-fingerprint">
                  {key.fingerprint}
                </Text>
                <CopyAction value={key.fingerprint} label="Copy fingerprint" compact />
              </Group>
            </Field>
          )}
          {key.kcv && (
            <Field label="Key check value (KCV)">
              <Group gap={4} wrap="nowrap">
                <Text className="custos-mono" size="sm" data-testid="key-kcv">
                  {key.kcv}
                </Text>
                <CopyAction value={key.kcv} label="Copy KCV" compact />
              </Group>
            </Field>
          )}
        </DataList>
      </Paper>

      {key.publicKeyPem && (
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={3} fz="lg">
              Public key
            </Title>
            <CopyAction value={key.publicKeyPem} label="Copy public key" />
          </Group>
          <Code block className="custos-pem" data-testid="public-key-pem">
            {key.publicKeyPem.trim()}
          </Code>
        </Stack>
      )}

      <Stack gap="xs">
        <Title order={3} fz="lg">
          Audit history
        </Title>
        {auditFailure && <ErrorAlert title="The audit history could not be read" message={auditFailure} />}
        {!events && !auditFailure && <Loader size="sm" aria-label="Loading audit history" />}
        {events && events.length === 0 && (
          <Text c="dimmed" size="sm">
            No audit events for this key.
          </Text>
        )}
        {events && events.length > 0 && (
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label="Key audit history" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Operation</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.map((ev) => (
                  <Table.Tr key={ev.seq} data-testid="audit-row">
                    <Table.Td>{ev.seq}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }} title={ev.time}>
                      {formatDateTime(ev.time)}
                    </Table.Td>
                    <Table.Td>{ev.actor ?? '—'}</Table.Td>
                    <Table.Td>
                      <Code>{ev.operation}</Code>
                    </Table.Td>
                    <Table.Td>{ev.keyVersion ?? '—'}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light" color={OUTCOME_COLORS[ev.outcome]} className="custos-badge">
                        {ev.outcome}
                      </Badge>
                    </Table.Td>
                    <Table.Td maw={420}>
                      <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                        {formatDetails(ev.details) || '—'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Stack>
  );
}
