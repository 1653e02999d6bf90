import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Modal, NativeSelect, Paper, Stack, Text, Title } from '@mantine/core';
import type { KeyDetail, KeySummary } from '../../src-shared/keys';
import { REVOCATION_REASONS, type LifecycleAction, type RevocationReason } from '../../src-shared/lifecycle';
import type { Role } from '../../src-shared/users';
import { api } from '../api/client';
import { ConfirmModal } from '../components/ConfirmModal';
import { ErrorAlert, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconAlert } from '../components/icons';
import { stateLabel } from '../lib/format';
import {
  LIFECYCLE_LABELS,
  REVOCATION_LABELS,
  isCompromiseReason,
  nextState,
  revocationLabel,
  revocationReasonsFrom,
  transitionBlocked,
} from '../lib/lifecycle';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

const ACTIONS: LifecycleAction[] = ['activate', 'suspend', 'resume', 'deactivate', 'revoke'];
const ALL_REASONS = Object.keys(REVOCATION_REASONS) as RevocationReason[];

const DONE: Record<LifecycleAction, string> = {
  activate: 'activated',
  suspend: 'suspended',
  resume: 'resumed',
  deactivate: 'deactivated',
  revoke: 'revoked',
};

/** Revoke with a KMIP reason; compromise reasons ask once more, since they cannot be undone. */
function RevokeModal({
  keyData,
  opened,
  onClose,
  onRevoked,
}: {
  keyData: KeyDetail;
  opened: boolean;
  onClose: () => void;
  onRevoked: (k: KeySummary, reason: RevocationReason) => void;
}) {
  const allowed = revocationReasonsFrom(keyData.state);
  const [reason, setReason] = useState<RevocationReason | ''>('');
  const [stage, setStage] = useState<'reason' | 'compromise'>('reason');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const chosen = reason || null;
  const to = chosen ? nextState(keyData.state, 'revoke', chosen) : null;
  const backRef = useRef<HTMLButtonElement>(null);

  // The warning step opens with "Back" focused: Enter alone must not compromise a key.
  useEffect(() => {
    if (stage === 'compromise') backRef.current?.focus();
  }, [stage]);

  const close = () => {
    if (busy) return;
    setReason('');
    setStage('reason');
    setFailure(null);
    onClose();
  };

  const revoke = async () => {
    if (!chosen || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const k = await api.call('keys.transition', { id: keyData.id, action: 'revoke', reason: chosen });
      setBusy(false);
      setReason('');
      setStage('reason');
      onRevoked(k, chosen);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The key was not revoked', err));
    }
  };

  const next = () => {
    if (!chosen) {
      setFailure({ title: 'Choose a reason', message: 'KMIP records why a key was revoked: choose the reason first.' });
      return;
    }
    if (isCompromiseReason(chosen)) setStage('compromise');
    else void revoke();
  };

  return (
    <Modal opened={opened} onClose={close} title={stage === 'compromise' ? 'Mark this key as compromised?' : `Revoke ${keyData.name}`} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      {stage === 'reason' ? (
        <Stack gap="sm">
          <NativeSelect
            label="Revocation reason (KMIP)"
            description="Key compromise and CA compromise make the key Compromised; any other reason deactivates it."
            data={[
              { value: '', label: 'Choose a reason…' },
              ...ALL_REASONS.map((r) => ({
                value: r,
                label: allowed.includes(r) ? revocationLabel(r) : `${revocationLabel(r)} — not from ${stateLabel(keyData.state).toLowerCase()}`,
                disabled: !allowed.includes(r),
              })),
            ]}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value as RevocationReason | '')}
            disabled={busy}
            data-autofocus
          />
          {chosen && to && (
            <Text size="sm" data-testid="revoke-consequence">
              {stateLabel(keyData.state)} → <strong>{stateLabel(to)}</strong>.{' '}
              {to === 'deactivated'
                ? 'It may still verify and decrypt what it protected, never sign or encrypt again.'
                : 'It will not be used for anything again; only destruction remains.'}
            </Text>
          )}
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button color="red" onClick={next} loading={busy}>
              {chosen && isCompromiseReason(chosen) ? 'Continue…' : 'Revoke'}
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm">
          <Alert color="red" variant="light" icon={<IconAlert />} title={`${REVOCATION_LABELS[chosen ?? 'key-compromise']}: this cannot be undone`} role="alert" data-testid="compromise-warning">
            <Text size="sm">
              {keyData.name} becomes <strong>Compromised</strong>, with today as its compromise date. It can never sign, encrypt, verify or decrypt again
              through Custos, and it never returns to service.
            </Text>
            <Text size="sm" mt="xs">
              Everything it protected should be treated as suspect: tell the relying parties, and replace the key.
            </Text>
          </Alert>
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          <Group justify="flex-end">
            <Button ref={backRef} variant="default" onClick={() => setStage('reason')} disabled={busy}>
              Back
            </Button>
            <Button color="red" onClick={() => void revoke()} loading={busy}>
              Yes, mark it compromised
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** The SP 800-57 transitions of this key: what its state and the person's role allow, and why not the rest. */
export function KeyLifecycle({ keyData, role, onChanged }: { keyData: KeyDetail; role: Role | null; onChanged: (k: KeySummary) => void }) {
  const notify = useApp((s) => s.notify);
  const [busy, setBusy] = useState<LifecycleAction | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [confirmDeactivate, setConfirmDeactivate] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const roleDenied = deniedReason(role, 'keys.lifecycle', 'change the state of keys');

  const run = async (action: Exclude<LifecycleAction, 'revoke'>) => {
    if (busy) return;
    setBusy(action);
    setFailure(null);
    try {
      const k = await api.call('keys.transition', { id: keyData.id, action });
      setBusy(null);
      setConfirmDeactivate(false);
      notify({ color: 'green', title: `Key ${DONE[action]}`, message: `${k.name} is now ${stateLabel(k.state).toLowerCase()}.` });
      onChanged(k);
    } catch (err) {
      setBusy(null);
      if (handleSessionError(err)) return;
      setFailure(failureOf(`The key was not ${DONE[action]}`, err));
    }
  };

  const click = (action: LifecycleAction) => {
    setFailure(null);
    if (action === 'revoke') setRevoking(true);
    else if (action === 'deactivate') setConfirmDeactivate(true);
    else void run(action);
  };

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="lifecycle-title" data-testid="lifecycle-panel">
      <Stack gap="sm">
        <div>
          <Title order={3} fz="lg" id="lifecycle-title">
            Lifecycle
          </Title>
          <Text size="sm" c="dimmed">
            NIST SP 800-57 states: Pre-active → Active ⇄ Suspended → Deactivated; revoking for a compromise makes any live key Compromised. Every change is
            an audit event.
          </Text>
        </div>
        <Group gap="xs" wrap="wrap">
          {ACTIONS.map((action) => (
            <GatedButton
              key={action}
              reason={roleDenied ?? transitionBlocked(keyData.state, action)}
              onClick={() => click(action)}
              loading={busy === action}
              variant={action === 'revoke' || action === 'deactivate' ? 'light' : 'filled'}
              color={action === 'revoke' ? 'red' : action === 'deactivate' ? 'orange' : undefined}
              testId={`lifecycle-${action}`}
            >
              {LIFECYCLE_LABELS[action]}
            </GatedButton>
          ))}
        </Group>
        {roleDenied && (
          <Text size="xs" c="dimmed" data-testid="lifecycle-denied">
            {roleDenied}
          </Text>
        )}
        {failure && !confirmDeactivate && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      </Stack>
      <ConfirmModal
        opened={confirmDeactivate}
        onClose={() => setConfirmDeactivate(false)}
        title="Deactivate this key?"
        confirmLabel="Deactivate"
        color="orange"
        busy={busy === 'deactivate'}
        failure={confirmDeactivate ? failure : null}
        onConfirm={() => void run('deactivate')}
      >
        <Text size="sm">
          {keyData.name} will only verify and decrypt from now on — never sign or encrypt again. A deactivated key cannot be activated again.
        </Text>
      </ConfirmModal>
      <RevokeModal
        keyData={keyData}
        opened={revoking}
        onClose={() => setRevoking(false)}
        onRevoked={(k, reason) => {
          setRevoking(false);
          notify({
            color: isCompromiseReason(reason) ? 'yellow' : 'green',
            title: 'Key revoked',
            message: `${k.name} was revoked (${REVOCATION_LABELS[reason]}) and is now ${stateLabel(k.state).toLowerCase()}.`,
          });
          onChanged(k);
        }}
      />
    </Paper>
  );
}
