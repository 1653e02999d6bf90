import { useState, type FormEvent } from 'react';
import { Alert, Button, Checkbox, Group, NumberInput, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import type { UnlockMethodInfo, UserInfo } from '../../src-shared/people';
import { api } from '../api/client';
import { BusyLine, ErrorAlert, failureOf, type Failure } from '../components/common';
import { HandoffScreen, StepChips } from '../components/Handoff';
import { roleLabel } from '../lib/format';
import { checkQuorumChoice, checkSharePassphrase } from '../lib/quorum';
import { handleSessionError, reportOutcome } from '../state/actions';

type Step = { kind: 'choose' } | { kind: 'handoff'; index: number } | { kind: 'enter'; index: number } | { kind: 'review' };

/** The person at the keyboard chooses the passphrase that will seal their share. */
function ShareForm({ custodian, index, total, onSave, onCancel }: { custodian: string; index: number; total: number; onSave: (passphrase: string) => void; onCancel: () => void }) {
  // Only this custodian's passphrase, only until it is handed to the wizard.
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ passphrase?: string; confirm?: string }>({});
  const last = index === total - 1;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = checkSharePassphrase(passphrase, confirm);
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    const value = passphrase;
    setPassphrase('');
    setConfirm('');
    onSave(value);
  };

  return (
    <form onSubmit={submit} noValidate aria-label={`Share of ${custodian}`}>
      <Stack gap="sm">
        <Title order={2} fz="lg">
          {custodian}, choose your share passphrase
        </Title>
        <Text size="sm" c="dimmed">
          It seals your share of the vault key. You will type it whenever the custodians unlock the vault together, so choose one you
          can remember; it may differ from your sign-in passphrase. Nobody else should watch this screen.
        </Text>
        <PasswordInput
          label={`Share passphrase for ${custodian}`}
          autoComplete="off"
          autoFocus
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          error={errors.passphrase}
        />
        <PasswordInput
          label="Type it again"
          autoComplete="off"
          value={confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
          error={errors.confirm}
        />
        <Group justify="space-between">
          <Button variant="subtle" color="gray" onClick={onCancel}>
            Cancel set-up
          </Button>
          <Button type="submit">{last ? 'Save — last custodian' : 'Save and hand on'}</Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Set up (or replace) the custodian quorum: choose M of N custodians, then each custodian in turn
 * takes the keyboard and types the passphrase that seals their share. The passphrases stay in
 * this component's state until the one `methods.setQuorum` call, and are cleared after it, on
 * failure, and on cancel.
 */
export function QuorumSetup({ users, current, onFinished }: { users: UserInfo[]; current: UnlockMethodInfo | null; onFinished: (changed: boolean) => void }) {
  const active = users.filter((u) => !u.disabled);
  const [chosen, setChosen] = useState<string[]>([]);
  const [threshold, setThreshold] = useState(2);
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [shares, setShares] = useState<string[]>([]);
  const [choiceError, setChoiceError] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  // The custodians in the order of the people list, so the hand-off order is predictable.
  const custodians = active.map((u) => u.name).filter((n) => chosen.includes(n));
  const n = custodians.length;

  const cancel = () => {
    setShares([]);
    setStep({ kind: 'choose' });
    onFinished(false);
  };

  const start = (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    const problem = checkQuorumChoice(threshold, custodians);
    setChoiceError(problem);
    if (problem) return;
    setShares([]);
    setStep({ kind: 'handoff', index: 0 });
  };

  const saveShare = (index: number, passphrase: string) => {
    const next = [...shares.slice(0, index), passphrase];
    setShares(next);
    setStep(index + 1 < n ? { kind: 'handoff', index: index + 1 } : { kind: 'review' });
  };

  const create = async () => {
    if (busy || shares.length !== n) return;
    setBusy(true);
    setFailure(null);
    try {
      const outcome = await api.call('methods.setQuorum', {
        threshold,
        custodians: custodians.map((user, i) => ({ user, passphrase: shares[i] ?? '' })),
      });
      setShares([]);
      setBusy(false);
      reportOutcome(outcome);
      onFinished(true);
    } catch (err) {
      // No partial state: every share passphrase is dropped, the set-up starts again.
      setShares([]);
      setBusy(false);
      setStep({ kind: 'choose' });
      if (handleSessionError(err)) return;
      setFailure(failureOf('The quorum was not set up', err));
    }
  };

  const stepLabels = ['Choose', ...custodians, 'Create'];
  const currentIndex = step.kind === 'choose' ? 0 : step.kind === 'review' ? n + 1 : step.index + 1;

  return (
    <Paper withBorder p="lg" radius="md" data-testid="quorum-setup">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={2} fz="xl">
              Set up a custodian quorum
            </Title>
            <Text size="sm" c="dimmed">
              The vault key is split so that any {threshold} of the chosen custodians, together, can unlock the vault.
            </Text>
          </div>
        </Group>
        {step.kind !== 'choose' && <StepChips steps={stepLabels} current={currentIndex} />}

        {step.kind === 'choose' && (
          <form onSubmit={start} noValidate aria-label="Choose custodians">
            <Stack gap="md">
              {current && (
                <Alert color="yellow" variant="light">
                  This replaces the current {current.threshold}-of-{current.custodians.length} quorum (
                  {current.custodians.map((c) => c ?? 'a removed person').join(', ')}). Every custodian chooses a new share passphrase.
                </Alert>
              )}
              {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
              <Checkbox.Group
                label="Custodians"
                description="Each must be at this workstation now: they will type their share passphrase in turn."
                value={chosen}
                onChange={setChosen}
                error={choiceError}
              >
                <Stack gap={6} mt="xs">
                  {active.map((u) => (
                    <Checkbox key={u.name} value={u.name} label={`${u.name} (${roleLabel(u.role)})`} />
                  ))}
                </Stack>
              </Checkbox.Group>
              <NumberInput
                label="Custodians needed to unlock"
                description={n >= 2 ? `Any ${threshold} of the ${n} chosen.` : 'At least 2.'}
                min={2}
                max={Math.max(2, n)}
                clampBehavior="strict"
                allowDecimal={false}
                value={threshold}
                onChange={(v) => setThreshold(typeof v === 'number' ? v : Number.parseInt(v, 10) || 2)}
                w={260}
              />
              {active.length < 2 && (
                <Text size="sm" c="dimmed">
                  A quorum needs at least two people. Add them on the People page first.
                </Text>
              )}
              <Group justify="flex-end">
                <Button variant="default" onClick={cancel}>
                  Cancel
                </Button>
                <Button type="submit">Start: hand the keyboard to the first custodian</Button>
              </Group>
            </Stack>
          </form>
        )}

        {step.kind === 'handoff' && (
          <HandoffScreen
            title={`Pass the keyboard to ${custodians[step.index]}`}
            continueLabel={`I am ${custodians[step.index]} — continue`}
            onContinue={() => setStep({ kind: 'enter', index: step.index })}
            onCancel={cancel}
            cancelLabel="Cancel set-up"
          >
            {step.index === 0
              ? `Custodian 1 of ${n}. ${custodians[0]} chooses the passphrase for their share; nobody else should watch.`
              : `Custodian ${step.index} of ${n} done. ${custodians[step.index]} is next; nobody else should watch.`}
          </HandoffScreen>
        )}

        {step.kind === 'enter' && (
          <ShareForm
            key={step.index}
            custodian={custodians[step.index] ?? ''}
            index={step.index}
            total={n}
            onSave={(p) => saveShare(step.index, p)}
            onCancel={cancel}
          />
        )}

        {step.kind === 'review' && (
          <Stack gap="md" data-testid="quorum-review">
            <Text>
              All {n} custodians have chosen their share passphrases. Creating the quorum splits the vault key {threshold} of {n}:{' '}
              <strong>{custodians.join(', ')}</strong>.
            </Text>
            <Text size="sm" c="dimmed">
              Changing unlock methods is under dual control: another person may have to approve before the quorum takes effect.
            </Text>
            {busy && (
              <BusyLine testId="quorum-progress">
                Sealing {n} shares with Argon2id (about {(n * 0.5).toFixed(1)} s)…
              </BusyLine>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={cancel} disabled={busy}>
                Cancel set-up
              </Button>
              <Button onClick={() => void create()} loading={busy} autoFocus>
                Create the {threshold}-of-{n} quorum
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
