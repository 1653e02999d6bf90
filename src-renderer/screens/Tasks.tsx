import { useEffect, useState, type ReactNode } from 'react';
import { Anchor, Badge, Center, EmptyState, Group, Loader, NativeSelect, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { api } from '../api/client';
import { ErrorAlert, PageTitle, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconCheckList } from '../components/icons';
import { formatDateTime } from '../lib/format';
import { deniedReason } from '../lib/permissions';
import { DEFAULT_HORIZON, HORIZONS, dueLabel, isEmpty, sortRotations, untilLabel, type TaskList } from '../lib/tasks-view';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';
import { refreshTaskBadge, useTaskBadge } from '../state/tasks';
import { RotateModal } from './KeyVersions';
import { useLoad } from '../state/load';

function KeyLink({ id, name }: { id: string; name: string }) {
  const navigate = useApp((s) => s.navigate);
  return (
    <Anchor component="button" type="button" size="sm" fw={500} onClick={() => navigate({ name: 'key', id })} data-testid="task-key">
      {name}
    </Anchor>
  );
}

/** A date and how far off it is, with the ISO value as the tooltip. */
function WhenText({ at, now }: { at: string; now: number }) {
  return (
    <Text size="sm" title={at}>
      {formatDateTime(at)}{' '}
      <Text span size="xs" c="dimmed">
        ({untilLabel(at, now)})
      </Text>
    </Text>
  );
}

function Section({ title, count, children, testId }: { title: string; count: number; children: ReactNode; testId: string }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title} data-testid={testId}>
      <Stack gap="sm">
        <Group gap="xs">
          <Title order={3} fz="lg">
            {title}
          </Title>
          <Badge variant="light" color={count ? 'indigo' : 'gray'} className="custos-badge">
            {count}
          </Badge>
        </Group>
        {children}
      </Stack>
    </Paper>
  );
}

/** What needs doing: rotations due from cryptoperiods, scheduled destructions and activations. */
export function Tasks() {
  const role = useApp((s) => s.status?.user?.role ?? null);
  const notify = useApp((s) => s.notify);
  const [horizon, setHorizon] = useState<number>(DEFAULT_HORIZON);
  const [tasks, setTasks] = useState<TaskList | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);
  const [rotating, setRotating] = useState<{ id: string; name: string } | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [actionFailure, setActionFailure] = useState<Failure | null>(null);
  const [now] = useState(() => Date.now());
  const setBadge = useTaskBadge((s) => s.set);

  useLoad(
    () => api.call('tasks.list', { horizonDays: horizon }),
    (t) => {
      setTasks(t);
      setFailure(null);
      if (horizon === DEFAULT_HORIZON) setBadge(t);
    },
    (err) => setFailure(failureOf('The tasks could not be read', err)),
    [horizon, reload, setBadge],
  );

  const rotateDenied = deniedReason(role, 'keys.generate', 'rotate keys');
  const cancelDenied = deniedReason(role, 'keys.lifecycle', 'cancel a destruction');

  const cancel = async (id: string, name: string) => {
    if (cancelling) return;
    setCancelling(id);
    setActionFailure(null);
    try {
      await api.call('keys.cancelDestruction', { id });
      notify({ color: 'green', title: 'Destruction cancelled', message: `${name} will not be destroyed.` });
      setReload((n) => n + 1);
      void refreshTaskBadge();
    } catch (err) {
      if (!handleSessionError(err)) setActionFailure(failureOf(`The destruction of ${name} was not cancelled`, err));
    } finally {
      setCancelling(null);
    }
  };

  const rotations = tasks ? sortRotations(tasks.rotations) : [];

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <PageTitle>Tasks</PageTitle>
          <Text size="sm" c="dimmed">
            Rotations the policy&apos;s cryptoperiods call for, destructions waiting out their period, and keys that activate by themselves.
          </Text>
        </div>
        <NativeSelect
          label="Rotations due within"
          data={HORIZONS.map((d) => ({ value: String(d), label: `${d} days` }))}
          value={String(horizon)}
          onChange={(e) => setHorizon(Number(e.currentTarget.value))}
          w={180}
          data-testid="tasks-horizon"
        />
      </Group>

      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {actionFailure && <ErrorAlert title={actionFailure.title} message={actionFailure.message} code={actionFailure.code} onClose={() => setActionFailure(null)} />}
      {!tasks && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading tasks" />
        </Center>
      )}

      {tasks && isEmpty(tasks) && (
        <EmptyState
          icon={<IconCheckList size={28} />}
          title="Nothing to do"
          description={`No rotation is due within ${horizon} days, no destruction is scheduled and no key waits for an activation date.`}
          data-testid="tasks-empty"
        />
      )}

      {tasks && !isEmpty(tasks) && (
        <>
          <Section title="Rotations due" count={rotations.length} testId="tasks-rotations">
            {rotations.length === 0 ? (
              <Text size="sm" c="dimmed">
                No rotation is due within {horizon} days.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={760}>
                <Table aria-label="Rotations due" verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Key</Table.Th>
                      <Table.Th>Due</Table.Th>
                      <Table.Th>Why</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rotations.map((r) => (
                      <Table.Tr key={r.keyId} data-testid="rotation-task" data-overdue={r.overdue}>
                        <Table.Td>
                          <KeyLink id={r.keyId} name={r.keyName} />
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Stack gap={2}>
                            <Text size="sm" title={r.dueAt}>
                              {formatDateTime(r.dueAt)}
                            </Text>
                            <Badge size="sm" variant="light" color={r.overdue ? 'red' : r.daysLeft <= 7 ? 'orange' : 'blue'} className="custos-badge">
                              {dueLabel(r)}
                            </Badge>
                          </Stack>
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs">{r.reason}</Text>
                        </Table.Td>
                        <Table.Td ta="right">
                          <GatedButton reason={rotateDenied} size="xs" onClick={() => setRotating({ id: r.keyId, name: r.keyName })} testId="task-rotate">
                            Rotate…
                          </GatedButton>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Section>

          <Section title="Scheduled destructions" count={tasks.destructions.length} testId="tasks-destructions">
            {tasks.destructions.length === 0 ? (
              <Text size="sm" c="dimmed">
                No destruction is scheduled.
              </Text>
            ) : (
              <Table aria-label="Scheduled destructions" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Destroyed at</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {tasks.destructions.map((d) => {
                    const due = Date.parse(d.destroyAt) <= now;
                    return (
                      <Table.Tr key={d.keyId} data-testid="destruction-task">
                        <Table.Td>
                          <KeyLink id={d.keyId} name={d.keyName} />
                        </Table.Td>
                        <Table.Td>
                          <WhenText at={d.destroyAt} now={now} />
                        </Table.Td>
                        <Table.Td ta="right">
                          <GatedButton
                            reason={cancelDenied ?? (due ? 'The waiting period is over; the destruction can no longer be cancelled.' : null)}
                            size="xs"
                            variant="light"
                            color="red"
                            loading={cancelling === d.keyId}
                            onClick={() => void cancel(d.keyId, d.keyName)}
                            testId="task-cancel-destruction"
                          >
                            Cancel destruction
                          </GatedButton>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            )}
          </Section>

          <Section title="Scheduled activations" count={tasks.activations.length} testId="tasks-activations">
            {tasks.activations.length === 0 ? (
              <Text size="sm" c="dimmed">
                No pre-active key has an activation date.
              </Text>
            ) : (
              <Table aria-label="Scheduled activations" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Activates at</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {tasks.activations.map((a) => (
                    <Table.Tr key={a.keyId} data-testid="activation-task">
                      <Table.Td>
                        <KeyLink id={a.keyId} name={a.keyName} />
                      </Table.Td>
                      <Table.Td>
                        <WhenText at={a.activationAt} now={now} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Section>

          <Section title="Expiring" count={tasks.expiring.length} testId="tasks-expiring">
            {tasks.expiring.length === 0 ? (
              <Text size="sm" c="dimmed">
                No key stops protecting or processing within this horizon.
              </Text>
            ) : (
              <Table aria-label="Expiring keys" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Version</Table.Th>
                    <Table.Th>What ends</Table.Th>
                    <Table.Th>When</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {tasks.expiring.map((x) => (
                    <Table.Tr key={`${x.keyId}-${x.version}-${x.what}`} data-testid="expiring-task">
                      <Table.Td>
                        <KeyLink id={x.keyId} name={x.keyName} />
                      </Table.Td>
                      <Table.Td>{x.version}</Table.Td>
                      <Table.Td>{x.what === 'deactivation' ? 'Protecting (deactivation date)' : 'Processing (process-stop date)'}</Table.Td>
                      <Table.Td>
                        <WhenText at={x.at} now={now} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Section>
        </>
      )}

      <RotateModal
        target={rotating}
        onClose={() => setRotating(null)}
        onRotated={() => {
          setRotating(null);
          setReload((n) => n + 1);
          void refreshTaskBadge();
        }}
      />
    </Stack>
  );
}

/** The count beside "Tasks" in the navigation; re-read whenever the page changes. */
export function TasksBadge() {
  const view = useApp((s) => s.view.name);
  const user = useApp((s) => s.status?.user?.name ?? null);
  const count = useTaskBadge((s) => s.count);
  const overdue = useTaskBadge((s) => s.overdue);
  useEffect(() => {
    void refreshTaskBadge();
  }, [view, user]);
  useEffect(() => () => useTaskBadge.getState().clear(), []);
  if (!count) return null;
  return (
    <Badge
      size="sm"
      color={overdue ? 'red' : 'indigo'}
      variant="filled"
      circle
      aria-label={`${count} ${count === 1 ? 'task' : 'tasks'}${overdue ? `, ${overdue} overdue` : ''}`}
      data-testid="task-count"
    >
      {count}
    </Badge>
  );
}
