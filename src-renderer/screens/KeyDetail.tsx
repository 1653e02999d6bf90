import { useEffect, useState, type ReactNode } from 'react';
import { Badge, Button, Center, Code, DataList, Group, Loader, Paper, Stack, Text, Timeline, Title } from '@mantine/core';
import type { AuditEvent } from '../../src-shared/audit';
import type { KeyDetail as KeyDetailData } from '../../src-shared/keys';
import { api, errorMessage, isApiError } from '../api/client';
import { CopyAction, ErrorAlert, PageTitle, StateBadge } from '../components/common';
import { IconAlert, IconArrowLeft, IconCheck } from '../components/icons';
import { OUTCOME_COLORS, algorithmLabel, formatDateTime, formatDetails, storeLabel } from '../lib/format';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

const TIMELINE_LIMIT = 200;

/** What happened to the key, oldest first: its life as a vertical timeline. */
function KeyTimeline({ events }: { events: AuditEvent[] }) {
  const ordered = [...events].reverse();
  return (
    <Stack gap="xs">
      {events.length >= TIMELINE_LIMIT && (
        <Text size="xs" c="dimmed">
          The latest {TIMELINE_LIMIT} events; the Audit page has all of them (filter by this key ID).
        </Text>
      )}
      <Timeline active={ordered.length - 1} bulletSize={22} lineWidth={2} aria-label="Key audit history" role="list" data-testid="key-timeline">
        {ordered.map((ev) => (
          <Timeline.Item
            key={ev.seq}
            role="listitem"
            data-testid="audit-row"
            color={OUTCOME_COLORS[ev.outcome]}
            bullet={ev.outcome === 'success' ? <IconCheck size={12} /> : <IconAlert size={12} />}
            title={
              <Group gap="xs" wrap="wrap">
                <Code>{ev.operation}</Code>
                {ev.outcome !== 'success' && (
                  <Badge size="xs" variant="light" color={OUTCOME_COLORS[ev.outcome]} className="custos-badge">
                    {ev.outcome}
                  </Badge>
                )}
              </Group>
            }
          >
            <Text size="xs" c="dimmed" title={ev.time}>
              #{ev.seq} · {formatDateTime(ev.time)} · {ev.actor ?? 'nobody signed in'}
              {ev.keyVersion !== null ? ` · version ${ev.keyVersion}` : ''}
            </Text>
            {formatDetails(ev.details) && (
              <Text size="xs" mt={2} style={{ wordBreak: 'break-all' }}>
                {formatDetails(ev.details)}
              </Text>
            )}
          </Timeline.Item>
        ))}
      </Timeline>
    </Stack>
  );
}

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
    api.call('audit.list', { keyId: id, limit: TIMELINE_LIMIT }).then(
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
        {events && events.length > 0 && <KeyTimeline events={events} />}
      </Stack>
    </Stack>
  );
}
