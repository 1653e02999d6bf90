import { Fragment, useEffect, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  CloseButton,
  Code,
  EmptyState,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import type { AuditEvent, AuditVerifyResult } from '../../src-shared/audit';
import type { ChannelOutput } from '../../src-shared/contract';
import { api } from '../api/client';
import { BusyLine, CopyAction, ErrorAlert, PageTitle, RowToggle, failureOf, type Failure } from '../components/common';
import { IconAlert, IconCheck, IconScroll } from '../components/icons';
import {
  EMPTY_AUDIT_FORM,
  KNOWN_OPERATIONS,
  activeFilterCount,
  exportCheckCommands,
  toAuditFilter,
  type AuditFilterForm,
  type AuditFormErrors,
} from '../lib/audit-query';
import { OUTCOME_COLORS, formatDateTime, formatDetails, groupHex } from '../lib/format';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';
import { loadWhileLive } from '../state/load';

const PAGE = 50;

type ExportResult = ChannelOutput<'audit.export'>;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

function HashLine({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <Text size="sm" className="custos-mono" data-testid={testId}>
        {value}
      </Text>
      <CopyAction value={value} label={label} compact />
    </Group>
  );
}

/** Everything an event says, for the expanded row. */
function EventDetails({ ev }: { ev: AuditEvent }) {
  const navigate = useApp((s) => s.navigate);
  const keys = Object.keys(ev.details).sort();
  return (
    <Stack gap="xs" py={4} data-testid="audit-details">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xs">
        <Fact label="Time (ISO 8601)">
          <Text size="sm" className="custos-mono">
            {ev.time}
          </Text>
        </Fact>
        <Fact label="Key">
          {ev.keyId ? (
            <Group gap={6}>
              <Text size="sm" className="custos-mono">
                {ev.keyId}
                {ev.keyVersion !== null ? ` v${ev.keyVersion}` : ''}
              </Text>
              <Anchor component="button" type="button" size="sm" onClick={() => navigate({ name: 'key', id: ev.keyId! })}>
                Open key
              </Anchor>
            </Group>
          ) : (
            <Text size="sm">—</Text>
          )}
        </Fact>
      </SimpleGrid>
      {keys.length > 0 ? (
        <Table withTableBorder={false} verticalSpacing={2} fz="sm" aria-label={`Details of event ${ev.seq}`}>
          <Table.Tbody>
            {keys.map((k) => (
              <Table.Tr key={k}>
                <Table.Td w={200} c="dimmed">
                  {k}
                </Table.Td>
                <Table.Td className="custos-mono">{ev.details[k] === null ? '—' : String(ev.details[k])}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No further details.
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xs">
        <Fact label="Previous hash">
          <Text size="xs" className="custos-mono">
            {ev.prevHash}
          </Text>
        </Fact>
        <Fact label="Hash">
          <Text size="xs" className="custos-mono">
            {ev.hash}
          </Text>
        </Fact>
      </SimpleGrid>
    </Stack>
  );
}

function VerifyPanel({ result, onClose }: { result: AuditVerifyResult; onClose: () => void }) {
  return (
    <Alert
      withCloseButton
      onClose={onClose}
      closeButtonLabel="Dismiss the verification result"
      color={result.ok ? 'green' : 'red'}
      variant="light"
      icon={result.ok ? <IconCheck /> : <IconAlert />}
      title={result.ok ? 'Chain intact' : 'Chain broken'}
      role={result.ok ? 'status' : 'alert'}
      data-testid="verify-result"
      data-ok={result.ok}
    >
      <Stack gap="xs">
        <Text size="sm">
          {result.ok
            ? `All ${result.events} events link up, each hash and MAC checks out, and the signed checkpoints match.`
            : `The trail does not verify from event #${result.firstBadSeq ?? '?'} on.`}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          <Fact label="Events">
            <Text size="sm" data-testid="verify-events">
              {result.events}
            </Text>
          </Fact>
          {!result.ok && (
            <Fact label="First bad event">
              <Text size="sm" fw={700} data-testid="verify-first-bad">
                #{result.firstBadSeq ?? '?'}
              </Text>
            </Fact>
          )}
        </SimpleGrid>
        {result.problem && (
          <Fact label="Problem">
            <Text size="sm" data-testid="verify-problem">
              {result.problem}
            </Text>
          </Fact>
        )}
        <Fact label="Head hash">
          <HashLine value={result.headHash} label="Copy head hash" testId="verify-head" />
        </Fact>
      </Stack>
    </Alert>
  );
}

function ExportPanel({ result, onClose }: { result: ExportResult; onClose: () => void }) {
  const commands = exportCheckCommands(result.path, result.publicKeyFingerprint);
  return (
    <Paper withBorder p="md" radius="md" data-testid="export-result">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <IconCheck size={18} />
            <Title order={3} fz="md">
              Audit bundle exported
            </Title>
          </Group>
          <CloseButton onClick={onClose} aria-label="Dismiss the export result" />
        </Group>
        <Fact label="File">
          <HashLine value={result.path} label="Copy path" testId="export-path" />
        </Fact>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          <Fact label="Events">
            <Text size="sm" data-testid="export-events">
              {result.events}
            </Text>
          </Fact>
          <Fact label="Size">
            <Text size="sm">{result.bytes.toLocaleString('en')} bytes</Text>
          </Fact>
        </SimpleGrid>
        <Fact label="Head hash">
          <HashLine value={result.headHash} label="Copy head hash" testId="export-head" />
        </Fact>
        <Fact label="Audit key fingerprint (SHA-256 of the public key)">
          <HashLine value={result.publicKeyFingerprint} label="Copy fingerprint" testId="export-fingerprint" />
          <Text size="xs" c="dimmed">
            Read it out in groups: {groupHex(result.publicKeyFingerprint)}. Keep it apart from the bundle: a forger could re-sign a whole
            bundle with a key of their own, but not match this fingerprint.
          </Text>
        </Fact>
        <Stack gap={4}>
          <Group justify="space-between">
            <Text size="sm" fw={600}>
              Check it on another machine
            </Text>
            <CopyAction value={commands} label="Copy commands" />
          </Group>
          <Code block className="custos-commands" data-testid="export-commands">
            {commands}
          </Code>
        </Stack>
      </Stack>
    </Paper>
  );
}

/** The auditor's workspace: filter the trail, read each event, verify the chain, export it. */
export function Audit() {
  const [form, setForm] = useState<AuditFilterForm>(EMPTY_AUDIT_FORM);
  const [errors, setErrors] = useState<AuditFormErrors>({});
  const [applied, setApplied] = useState<AuditFilterForm>(EMPTY_AUDIT_FORM);
  // Pages go backwards in time: each entry is the beforeSeq of a page (undefined = newest).
  const [pages, setPages] = useState<(number | undefined)[]>([undefined]);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());

  const [verifying, setVerifying] = useState(false);
  const [verifyResult, setVerifyResult] = useState<AuditVerifyResult | null>(null);
  const [verifyFailure, setVerifyFailure] = useState<Failure | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportResult, setExportResult] = useState<ExportResult | null>(null);
  const [exportFailure, setExportFailure] = useState<Failure | null>(null);

  const beforeSeq = pages[pages.length - 1];

  useEffect(() => {
    const built = toAuditFilter(applied, { limit: PAGE, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    if (!built.ok) return;
    setLoading(true);
    return loadWhileLive(
      () => api.call('audit.list', built.filter),
      (r) => {
        setEvents(r.items);
        setFailure(null);
        setLoading(false);
      },
      (err) => {
        setFailure(failureOf('The audit trail could not be read', err));
        setLoading(false);
      },
    );
  }, [applied, beforeSeq]);

  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    const built = toAuditFilter(form, { limit: PAGE });
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setApplied({ ...form });
    setPages([undefined]);
    setExpanded(new Set());
  };

  const clear = () => {
    setForm(EMPTY_AUDIT_FORM);
    setErrors({});
    setApplied(EMPTY_AUDIT_FORM);
    setPages([undefined]);
    setExpanded(new Set());
  };

  const field = (name: keyof AuditFilterForm) => ({
    value: form[name],
    error: errors[name],
    onChange: (e: { currentTarget: { value: string } }) => {
      const value = e.currentTarget.value;
      setForm((f) => ({ ...f, [name]: value }));
    },
  });

  const toggle = (seq: number) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });

  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, seq: number) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(seq);
    }
  };

  const verify = async () => {
    setVerifying(true);
    setVerifyFailure(null);
    setVerifyResult(null);
    try {
      setVerifyResult(await api.call('audit.verify'));
    } catch (err) {
      if (!handleSessionError(err)) setVerifyFailure(failureOf('The chain could not be verified', err));
    } finally {
      setVerifying(false);
    }
  };

  const exportBundle = async () => {
    setExporting(true);
    setExportFailure(null);
    setExportResult(null);
    try {
      setExportResult(await api.call('audit.export'));
    } catch (err) {
      if (!handleSessionError(err)) setExportFailure(failureOf('The audit trail was not exported', err));
    } finally {
      setExporting(false);
    }
  };

  const filters = activeFilterCount(applied);
  const older = events && events.length === PAGE ? events[events.length - 1]!.seq : null;
  const first = events?.[0];
  const last = events?.[events.length - 1];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <PageTitle>Audit trail</PageTitle>
          <Text size="sm" c="dimmed">
            Every act on this vault, newest first, each event chained to the one before by its hash. Times are UTC.
          </Text>
        </div>
        <Group gap="sm">
          <Button variant="default" onClick={() => void verify()} loading={verifying} leftSection={<IconCheck size={16} />}>
            Verify chain
          </Button>
          <Button onClick={() => void exportBundle()} loading={exporting} leftSection={<IconScroll size={16} />}>
            Export
          </Button>
        </Group>
      </Group>

      {verifying && <BusyLine>Verifying every hash, MAC and checkpoint of the chain…</BusyLine>}
      {verifyFailure && <ErrorAlert title={verifyFailure.title} message={verifyFailure.message} code={verifyFailure.code} onClose={() => setVerifyFailure(null)} />}
      {verifyResult && <VerifyPanel result={verifyResult} onClose={() => setVerifyResult(null)} />}
      {exporting && <BusyLine>Signing a checkpoint and writing the bundle…</BusyLine>}
      {exportFailure && <ErrorAlert title={exportFailure.title} message={exportFailure.message} code={exportFailure.code} onClose={() => setExportFailure(null)} />}
      {exportResult && <ExportPanel result={exportResult} onClose={() => setExportResult(null)} />}

      <Paper withBorder p="md" radius="md">
        <form onSubmit={apply} noValidate aria-label="Audit filters">
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
              <TextInput type="datetime-local" label="From (UTC)" {...field('from')} />
              <TextInput type="datetime-local" label="To (UTC)" {...field('to')} />
              <NativeSelect
                label="Outcome"
                data={[
                  { value: '', label: 'Any outcome' },
                  { value: 'success', label: 'Success' },
                  { value: 'refused', label: 'Refused' },
                  { value: 'failed', label: 'Failed' },
                ]}
                {...field('outcome')}
              />
              <TextInput label="User" placeholder="Any user" autoComplete="off" {...field('actor')} />
              <TextInput label="Key ID" placeholder="32 hex characters" autoComplete="off" {...field('keyId')} />
              <TextInput label="Operation" placeholder="e.g. user.add" autoComplete="off" list="custos-audit-operations" {...field('operation')} />
            </SimpleGrid>
            <datalist id="custos-audit-operations">
              {KNOWN_OPERATIONS.map((op) => (
                <option key={op} value={op} />
              ))}
            </datalist>
            <Group justify="space-between">
              <Text size="sm" c="dimmed" data-testid="audit-filter-state">
                {filters === 0 ? 'Showing every event.' : `${filters} filter${filters === 1 ? '' : 's'} applied.`}
              </Text>
              <Group gap="sm">
                <Button variant="default" onClick={clear}>
                  Clear filters
                </Button>
                <Button type="submit">Apply filters</Button>
              </Group>
            </Group>
          </Stack>
        </form>
      </Paper>

      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {!events && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading audit events" />
        </Center>
      )}
      {events && events.length === 0 && (
        <EmptyState
          icon={<IconScroll size={28} />}
          title={filters > 0 || pages.length > 1 ? 'No events match' : 'No events yet'}
          description={
            filters > 0
              ? 'No event matches these filters. Widen the time range, or clear a filter (operation names are exact, e.g. user.add).'
              : 'Nothing older on this page.'
          }
          data-testid="audit-empty"
          py="lg"
        >
          {filters > 0 && (
            <Button variant="light" onClick={clear}>
              Clear filters
            </Button>
          )}
        </EmptyState>
      )}
      {events && events.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-label="Audit events" verticalSpacing="xs" highlightOnHover aria-busy={loading}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  <span className="custos-visually-hidden">Details</span>
                </Table.Th>
                <Table.Th>#</Table.Th>
                <Table.Th>Time</Table.Th>
                <Table.Th>User</Table.Th>
                <Table.Th>Operation</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Details</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((ev) => {
                const open = expanded.has(ev.seq);
                return (
                  <Fragment key={ev.seq}>
                    <Table.Tr
                      className="custos-row"
                      tabIndex={0}
                      data-testid="audit-row"
                      data-seq={ev.seq}
                      aria-expanded={open}
                      onClick={() => toggle(ev.seq)}
                      onKeyDown={(e) => onRowKey(e, ev.seq)}
                    >
                      <Table.Td>
                        <RowToggle open={open} label={`${open ? 'Hide' : 'Show'} details of event ${ev.seq}`} onToggle={() => toggle(ev.seq)} />
                      </Table.Td>
                      <Table.Td>{ev.seq}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }} title={ev.time}>
                        {formatDateTime(ev.time)}
                      </Table.Td>
                      <Table.Td data-testid="audit-actor">{ev.actor ?? '—'}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Code data-testid="audit-operation">{ev.operation}</Code>
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        {ev.keyId ? (
                          <Text size="sm" ff="monospace" title={ev.keyId}>
                            {ev.keyId.slice(0, 8)}
                            {ev.keyVersion !== null ? ` v${ev.keyVersion}` : ''}
                          </Text>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Badge size="sm" variant="light" color={OUTCOME_COLORS[ev.outcome]} className="custos-badge" data-testid="audit-outcome">
                          {ev.outcome}
                        </Badge>
                      </Table.Td>
                      <Table.Td maw={360}>
                        <Text size="xs" c="dimmed" truncate="end">
                          {formatDetails(ev.details) || '—'}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                    {open && (
                      <Table.Tr className="custos-audit-details">
                        <Table.Td />
                        <Table.Td colSpan={7}>
                          <EventDetails ev={ev} />
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {events && (pages.length > 1 || older !== null) && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed" data-testid="audit-range">
            {first && last ? `Events #${first.seq} to #${last.seq}` : ''}
          </Text>
          <Group gap="sm">
            <Button variant="default" disabled={pages.length <= 1} onClick={() => setPages([undefined])}>
              Newest
            </Button>
            <Button variant="default" disabled={pages.length <= 1} onClick={() => setPages((p) => p.slice(0, -1))}>
              Newer
            </Button>
            <Button variant="default" disabled={older === null} onClick={() => older !== null && setPages((p) => [...p, older])}>
              Older
            </Button>
          </Group>
        </Group>
      )}
    </Stack>
  );
}
