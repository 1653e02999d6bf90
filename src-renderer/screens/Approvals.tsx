import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  Badge,
  Button,
  Center,
  Code,
  EmptyState,
  Group,
  Loader,
  Modal,
  Paper,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { REQUEST_STATUSES, type ApprovalRequest } from '../../src-shared/approvals';
import { api } from '../api/client';
import { BusyLine, DeniedButton, ErrorAlert, PageTitle, ReadOnlyNote, failureOf, type Failure } from '../components/common';
import { IconCheckList, IconHand } from '../components/icons';
import { formatDateTime, roleLabel } from '../lib/format';
import { shortId } from '../lib/outcome';
import { can, deniedReason } from '../lib/permissions';
import { CATEGORY_LABELS, STATUS_COLORS } from '../lib/policy';
import { handleSessionError, refreshPendingApprovals } from '../state/actions';
import { useApp } from '../state/store';
import { loadWhileLive } from '../state/load';

type StatusFilter = ApprovalRequest['status'] | 'all';
const FILTERS: { value: StatusFilter; label: string }[] = [
  ...REQUEST_STATUSES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) })),
  { value: 'all', label: 'All' },
];

function sameName(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** What happened after an approval: done, or still waiting for more. */
function approvedNotice(r: ApprovalRequest): { color: 'green' | 'yellow'; title: string; message: string } {
  if (r.status === 'executed') return { color: 'green', title: 'Approved — done', message: `${r.summary}.` };
  return {
    color: 'yellow',
    title: 'Approval recorded',
    message: `${r.approvals.length} of ${r.requiredApprovals} approvals: ${r.summary}. Another person must still approve.`,
  };
}

/**
 * The second person approves at this keyboard: their own name and passphrase, checked by the
 * core against their login. The requester cannot approve their own request.
 */
function ApproverDialog({
  request,
  onClose,
  onDone,
  onFailed,
}: {
  request: ApprovalRequest | null;
  onClose: () => void;
  onDone: (r: ApprovalRequest) => void;
  /** The request may have changed (a failed operation marks it failed): re-read the list. */
  onFailed: () => void;
}) {
  const [user, setUser] = useState('');
  // The approver's passphrase lives only here, only until the call returns.
  const [passphrase, setPassphrase] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setUser('');
    setPassphrase('');
    setFailure(null);
  }, [request?.id]);

  const close = () => {
    if (busy) return;
    setPassphrase('');
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!request || busy) return;
    setFailure(null);
    if (!user.trim() || !passphrase) {
      setFailure({ title: 'Not approved', message: 'The approving person types their user name and passphrase.' });
      return;
    }
    setBusy(true);
    try {
      const result = await api.call('approvals.approve', { id: request.id, approver: { user: user.trim(), passphrase } });
      setPassphrase('');
      setBusy(false);
      onDone(result);
    } catch (err) {
      setPassphrase('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('Not approved', err));
      onFailed();
    }
  };

  return (
    <Modal opened={request !== null} onClose={close} title="Approver at the keyboard" centered size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {request && (
        <form onSubmit={submit} noValidate aria-label="Approve request">
          <Stack gap="sm">
            <Paper withBorder p="sm" radius="sm">
              <Text fw={600}>{request.summary}</Text>
              <Text size="xs" c="dimmed">
                Request {shortId(request.id)} by {request.requestedBy} · {request.approvals.length} of {request.requiredApprovals} approvals ·
                may approve: {request.approverRoles.map(roleLabel).join(', ')}
              </Text>
            </Paper>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <IconHand size={20} style={{ flexShrink: 0 }} />
              <Text size="sm">
                Pass the keyboard to the person who approves. They type their own user name and passphrase.{' '}
                <strong>{request.requestedBy} asked for this and cannot approve their own request.</strong>
              </Text>
            </Group>
            <TextInput
              label="Approver's user name"
              autoComplete="off"
              data-autofocus
              value={user}
              onChange={(e) => setUser(e.currentTarget.value)}
              disabled={busy}
            />
            <PasswordInput
              label="Approver's passphrase"
              autoComplete="off"
              value={passphrase}
              onChange={(e) => setPassphrase(e.currentTarget.value)}
              disabled={busy}
            />
            {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
            {busy && <BusyLine>Checking the approver's passphrase…</BusyLine>}
            <Group justify="flex-end">
              <Button variant="default" onClick={close} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} color="green">
                Approve
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function RejectDialog({ request, own, onClose, onDone }: { request: ApprovalRequest | null; own: boolean; onClose: () => void; onDone: (r: ApprovalRequest) => void }) {
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const verb = own ? 'Withdraw' : 'Reject';

  useEffect(() => {
    setReason('');
    setFailure(null);
  }, [request?.id]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!request || busy) return;
    setFailure(null);
    if (!reason.trim()) {
      setFailure({ title: `Not ${own ? 'withdrawn' : 'rejected'}`, message: 'Give a reason: it goes into the audit trail.' });
      return;
    }
    setBusy(true);
    try {
      const result = await api.call('approvals.reject', { id: request.id, reason: reason.trim() });
      setBusy(false);
      onDone(result);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf(`Not ${own ? 'withdrawn' : 'rejected'}`, err));
    }
  };

  return (
    <Modal opened={request !== null} onClose={busy ? () => undefined : onClose} title={`${verb} the request`} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      {request && (
        <form onSubmit={submit} noValidate aria-label={`${verb} request`}>
          <Stack gap="sm">
            <Text size="sm">
              <strong>{request.summary}</strong> will not run. {own ? 'You asked for it; withdrawing cancels it.' : `${request.requestedBy} is told why.`}
            </Text>
            <Textarea
              label="Reason"
              description="Recorded in the audit trail."
              data-autofocus
              autosize
              minRows={2}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              disabled={busy}
            />
            {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} color="red">
                {verb}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function RequestCard({
  request,
  me,
  mayDecide,
  denied,
  onApprove,
  onApproveAsMe,
  onReject,
  busyAsMe,
}: {
  request: ApprovalRequest;
  me: { name: string; role: string } | null;
  mayDecide: boolean;
  denied: string | null;
  onApprove: () => void;
  onApproveAsMe: () => void;
  onReject: () => void;
  busyAsMe: boolean;
}) {
  const r = request;
  const mine = sameName(me?.name, r.requestedBy);
  const approvedByMe = r.approvals.some((a) => sameName(a.user, me?.name));
  const myRoleEligible = !!me && r.approverRoles.some((role) => role === me.role);
  const pending = r.status === 'pending';
  return (
    <Paper withBorder p="md" radius="md" data-testid="request-card" data-request-id={r.id} data-status={r.status}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={3} fz="md">
              {r.summary}
            </Title>
            <Text size="xs" c="dimmed">
              {CATEGORY_LABELS[r.category]} · <Code fz="xs">{r.kind}</Code> · request <Code fz="xs">{shortId(r.id)}</Code>
            </Text>
          </div>
          <Badge color={STATUS_COLORS[r.status]} variant="light" className="custos-badge" data-testid="request-status">
            {r.status}
          </Badge>
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="xs">
          <div>
            <Text size="xs" c="dimmed">
              Requested by
            </Text>
            <Text size="sm" data-testid="request-requester">
              {r.requestedBy}
            </Text>
            <Text size="xs" c="dimmed">
              {formatDateTime(r.requestedAt)}
            </Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Approvals
            </Text>
            <Text size="sm" data-testid="request-approvals">
              {r.approvals.length} of {r.requiredApprovals}
            </Text>
            {r.approvals.length > 0 && (
              <Text size="xs" c="dimmed">
                {r.approvals.map((a) => a.user).join(', ')}
              </Text>
            )}
          </div>
          <div>
            <Text size="xs" c="dimmed">
              May approve
            </Text>
            <Group gap={4}>
              {r.approverRoles.map((role) => (
                <Badge key={role} size="sm" variant="outline" className="custos-badge">
                  {roleLabel(role)}
                </Badge>
              ))}
            </Group>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              {pending ? 'Expires' : 'Decided'}
            </Text>
            <Text size="sm">{pending ? formatDateTime(r.expiresAt) : r.decidedAt ? formatDateTime(r.decidedAt) : '—'}</Text>
            {!pending && r.outcome && (
              <Text size="xs" c="dimmed" data-testid="request-outcome">
                {r.outcome}
              </Text>
            )}
          </div>
        </SimpleGrid>
        {pending && (
          <Group gap="sm">
            {mayDecide ? (
              <>
                <Button size="sm" color="green" onClick={onApprove} leftSection={<IconHand size={16} />}>
                  Approve at the keyboard…
                </Button>
                {!mine && !approvedByMe && myRoleEligible && (
                  <Button size="sm" variant="light" color="green" onClick={onApproveAsMe} loading={busyAsMe}>
                    Approve as me ({me?.name})
                  </Button>
                )}
                {(mine || myRoleEligible) && (
                  <Button size="sm" variant="default" onClick={onReject}>
                    {mine ? 'Withdraw…' : 'Reject…'}
                  </Button>
                )}
              </>
            ) : (
              <DeniedButton reason={denied ?? ''} size="sm">
                Approve
              </DeniedButton>
            )}
            {mine && mayDecide && (
              <Text size="xs" c="dimmed">
                You asked for this: another person must approve it.
              </Text>
            )}
            {!mine && approvedByMe && (
              <Text size="xs" c="dimmed">
                You have approved this; it needs another person.
              </Text>
            )}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/** Requests that wait for a second person, and what became of earlier ones. */
export function Approvals() {
  const me = useApp((s) => s.status?.user ?? null);
  const notify = useApp((s) => s.notify);
  const [filter, setFilter] = useState<StatusFilter>('pending');
  const [requests, setRequests] = useState<ApprovalRequest[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pageFailure, setPageFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);
  const [approving, setApproving] = useState<ApprovalRequest | null>(null);
  const [rejecting, setRejecting] = useState<ApprovalRequest | null>(null);
  const [asMe, setAsMe] = useState<string | null>(null);

  const mayDecide = can(me?.role, 'approvals.decide');
  const denied = deniedReason(me?.role, 'approvals.decide', 'approve or reject requests');
  const refresh = useCallback(() => {
    setReload((n) => n + 1);
    void refreshPendingApprovals();
  }, []);

  useEffect(() => {
    setRequests(null);
    return loadWhileLive(
      () => api.call('approvals.list', filter === 'all' ? {} : { status: filter }),
      (list) => {
        setRequests(list);
        setFailure(null);
      },
      (err) => setFailure(failureOf('The requests could not be read', err)),
    );
  }, [filter, reload]);

  const approved = (r: ApprovalRequest) => {
    setApproving(null);
    setPageFailure(null);
    notify(approvedNotice(r));
    refresh();
  };

  const approveAsMe = async (r: ApprovalRequest) => {
    if (asMe) return;
    setAsMe(r.id);
    setPageFailure(null);
    try {
      approved(await api.call('approvals.approve', { id: r.id }));
    } catch (err) {
      if (!handleSessionError(err)) setPageFailure(failureOf('Not approved', err));
      refresh();
    } finally {
      setAsMe(null);
    }
  };

  return (
    <Stack gap="md">
      <div>
        <PageTitle>Approvals</PageTitle>
        <Text size="sm" c="dimmed">
          Changes under dual control wait here until enough other people approve them. Nobody approves their own request.
        </Text>
      </div>
      <ReadOnlyNote reason={denied} />
      <SegmentedControl
        value={filter}
        onChange={(v) => setFilter(v as StatusFilter)}
        data={FILTERS}
        aria-label="Show requests"
        style={{ alignSelf: 'flex-start' }}
      />
      {pageFailure && <ErrorAlert title={pageFailure.title} message={pageFailure.message} code={pageFailure.code} onClose={() => setPageFailure(null)} />}
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {!requests && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading requests" />
        </Center>
      )}
      {requests && requests.length === 0 && (
        <EmptyState
          icon={<IconCheckList size={28} />}
          title={filter === 'pending' ? 'Nothing waits for approval' : `No ${filter === 'all' ? '' : `${filter} `}requests`}
          description={
            filter === 'pending'
              ? 'When someone adds a person, changes an unlock method or a policy, the request appears here until another person approves it.'
              : 'Choose another status above to see other requests.'
          }
          data-testid="approvals-empty"
          py="xl"
        />
      )}
      {requests && requests.length > 0 && (
        <Stack gap="sm" aria-label="Requests" role="list">
          {requests.map((r) => (
            <div role="listitem" key={r.id}>
              <RequestCard
                request={r}
                me={me}
                mayDecide={mayDecide}
                denied={denied}
                onApprove={() => setApproving(r)}
                onApproveAsMe={() => void approveAsMe(r)}
                onReject={() => setRejecting(r)}
                busyAsMe={asMe === r.id}
              />
            </div>
          ))}
        </Stack>
      )}
      <ApproverDialog request={approving} onClose={() => setApproving(null)} onDone={approved} onFailed={refresh} />
      <RejectDialog
        request={rejecting}
        own={sameName(rejecting?.requestedBy, me?.name)}
        onClose={() => setRejecting(null)}
        onDone={(r) => {
          setRejecting(null);
          notify({ color: 'green', title: r.status === 'cancelled' ? 'Request withdrawn' : 'Request rejected', message: `${r.summary}.` });
          refresh();
        }}
      />
    </Stack>
  );
}
