import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Checkbox, Group, Loader, NativeSelect, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { api, errorMessage } from '../api/client';
import { ErrorAlert, failureOf, type Failure } from '../components/common';
import { HandoffScreen, StepChips } from '../components/Handoff';
import { addUnlockCustodian, type CustodianEntry } from '../lib/quorum';
import { lockVault } from '../state/actions';
import { useApp, type LockReason } from '../state/store';
import { AuthLayout } from './AuthLayout';

const LOCK_MESSAGES: Partial<Record<LockReason, string>> = {
  idle: 'The vault was locked after a period of inactivity.',
  shutdown: 'The vault was locked because the core is shutting down.',
  session: 'The session ended and the vault is locked.',
};


/**
 * One person, one passphrase: `vault.unlock` while the vault is locked, `session.login` when the
 * vault is already open (after a quorum unlock) but nobody is signed in.
 */
function PassphraseForm({ mode }: { mode: 'unlock' | 'login' }) {
  const setStatus = useApp((s) => s.setStatus);
  const lastUser = useApp((s) => s.lastUser);
  const [user, setUser] = useState(lastUser);
  // The passphrase lives only in this form's state, and only until the call returns.
  const [passphrase, setPassphrase] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const passRef = useRef<HTMLInputElement>(null);
  const verb = mode === 'unlock' ? 'Unlock' : 'Sign in';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    if (!user.trim() || !passphrase) {
      setFailure({ title: `${verb} failed`, message: 'Enter your user name and passphrase.' });
      return;
    }
    setBusy(true);
    try {
      const input = { user, passphrase };
      const status = mode === 'unlock' ? await api.call('vault.unlock', input) : await api.call('session.login', input);
      setPassphrase('');
      setStatus(status);
    } catch (err) {
      setPassphrase('');
      setFailure({ title: `${verb} failed`, message: errorMessage(err) });
      setBusy(false);
    }
  };

  // After a failure, put the cursor back in the (now empty) passphrase field.
  useEffect(() => {
    if (failure && !busy) passRef.current?.focus();
  }, [failure, busy]);

  return (
    <form onSubmit={submit} noValidate aria-label={mode === 'unlock' ? 'Unlock vault' : 'Sign in'}>
      <Stack gap="sm">
        <TextInput
          label="User name"
          autoComplete="username"
          autoFocus={!lastUser}
          required
          withAsterisk={false}
          value={user}
          onChange={(e) => setUser(e.currentTarget.value)}
          disabled={busy}
        />
        <PasswordInput
          ref={passRef}
          label="Passphrase"
          autoComplete="current-password"
          autoFocus={!!lastUser}
          required
          withAsterisk={false}
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          disabled={busy}
        />
        {failure && <ErrorAlert title={failure.title} message={failure.message} />}
        <Button type="submit" loading={busy} fullWidth mt="xs">
          {verb}
        </Button>
        {busy && (
          <Group gap="xs" justify="center" role="status">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              Checking the passphrase…
            </Text>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/**
 * M custodians unlock the vault together (`vault.unlockQuorum`), one at a time at this keyboard:
 * each types their name and share passphrase, then a hand-off screen hides it for the next. The
 * entries are collected in this component's state only and sent in one call when M are present;
 * any failure clears them all (no partial state, the next try starts with custodian 1).
 */
function QuorumForm({ threshold }: { threshold: number }) {
  const setStatus = useApp((s) => s.setStatus);
  const [collected, setCollected] = useState<CustodianEntry[]>([]);
  const [stage, setStage] = useState<'enter' | 'handoff'>('enter');
  const [user, setUser] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [cleared, setCleared] = useState(false);
  const done = collected.length;

  const restart = () => {
    setCollected([]);
    setUser('');
    setPassphrase('');
    setStage('enter');
  };

  const unlock = async (custodians: CustodianEntry[]) => {
    setBusy(true);
    try {
      const status = await api.call('vault.unlockQuorum', { custodians });
      setCollected([]);
      setStatus(status);
    } catch (err) {
      // No partial state: every share entered is dropped, the next try starts with custodian 1.
      restart();
      setFailure(failureOf('Unlock failed', err));
      setCleared(true);
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    setCleared(false);
    const added = addUnlockCustodian(collected, { user, passphrase });
    setPassphrase('');
    if (!added.ok) {
      setFailure({ title: 'Not accepted', message: added.error });
      return;
    }
    setUser('');
    if (added.value.length >= threshold) {
      setCollected(added.value);
      void unlock(added.value);
      return;
    }
    setCollected(added.value);
    setStage('handoff');
  };

  const steps = Array.from({ length: threshold }, (_, i) => collected[i]?.user ?? `Custodian ${i + 1}`);

  if (stage === 'handoff') {
    return (
      <Stack gap="sm">
        <StepChips steps={steps} current={done} />
        <HandoffScreen
          title={`Custodian ${done} of ${threshold} done — pass the keyboard`}
          continueLabel={`Next custodian (${done + 1} of ${threshold})`}
          onContinue={() => setStage('enter')}
          onCancel={restart}
          cancelLabel="Start over"
        >
          {`${collected[done - 1]?.user ?? 'The custodian'}'s share is held in this window until all ${threshold} custodians have entered theirs. The next custodian takes the keyboard now.`}
        </HandoffScreen>
      </Stack>
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Quorum unlock">
      <Stack gap="sm">
        <StepChips steps={steps} current={done} />
        <Text size="sm" c="dimmed">
          {threshold} custodians are needed. Custodian {done + 1} of {threshold}: type your own user name and share passphrase.
        </Text>
        <TextInput
          label="Custodian user name"
          autoComplete="off"
          autoFocus
          value={user}
          onChange={(e) => setUser(e.currentTarget.value)}
          disabled={busy}
        />
        <PasswordInput
          label="Share passphrase"
          autoComplete="off"
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          disabled={busy}
        />
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {cleared && (
          <Text size="sm" c="dimmed" data-testid="quorum-cleared">
            Every share entered in this window was cleared. Start again with custodian 1.
          </Text>
        )}
        <Button type="submit" loading={busy} fullWidth mt="xs">
          {done + 1 >= threshold ? 'Unlock with quorum' : 'Next: hand over'}
        </Button>
        {busy && (
          <Group gap="xs" justify="center" role="status">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              Opening {threshold} shares (Argon2id, about {(threshold * 0.5).toFixed(1)} s)…
            </Text>
          </Group>
        )}
        {done > 0 && !busy && (
          <Button variant="subtle" color="gray" onClick={restart}>
            Start over (clears the {done} share{done === 1 ? '' : 's'} entered)
          </Button>
        )}
      </Stack>
    </form>
  );
}

/**
 * The vault key sits encrypted on a PKCS#11 token (a non-extractable AES key there unwraps it):
 * `vault.unlockToken` with the token's serial and user PIN, or the reader's PIN pad. The PIN lives
 * in this form only until the call returns.
 */
function TokenUnlockForm({ tokens }: { tokens: { serial: string; label: string }[] }) {
  const setStatus = useApp((s) => s.setStatus);
  const [serial, setSerial] = useState(tokens[0]?.serial ?? '');
  const [pin, setPin] = useState('');
  const [pinPad, setPinPad] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const pinRef = useRef<HTMLInputElement>(null);
  const chosen = tokens.find((t) => t.serial === serial) ?? tokens[0];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !chosen) return;
    setFailure(null);
    if (!pinPad && !pin) {
      setFailure({ title: 'Unlock failed', message: `Type the user PIN of token ${chosen.label}, or use the reader's PIN pad.` });
      return;
    }
    setBusy(true);
    try {
      const status = await api.call('vault.unlockToken', { serial: chosen.serial, pin: pinPad ? null : pin });
      setPin('');
      setStatus(status);
    } catch (err) {
      setPin('');
      setFailure(failureOf('Unlock failed', err));
      setBusy(false);
      setTimeout(() => pinRef.current?.focus(), 0);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Unlock with a token">
      <Stack gap="sm">
        <NativeSelect
          label="Token"
          description="Insert the token (or its card) before unlocking."
          data={tokens.map((t) => ({ value: t.serial, label: `${t.label || 'Token'} · serial ${t.serial}` }))}
          value={chosen?.serial ?? ''}
          onChange={(e) => setSerial(e.currentTarget.value)}
          disabled={busy}
        />
        {!pinPad && (
          <PasswordInput
            ref={pinRef}
            label="Token PIN"
            autoComplete="off"
            autoFocus
            value={pin}
            onChange={(e) => setPin(e.currentTarget.value)}
            disabled={busy}
            maxLength={256}
          />
        )}
        <PinPadCheckbox
          checked={pinPad}
          onChange={(on) => {
            setPinPad(on);
            setPin('');
          }}
          disabled={busy}
        />
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        <Button type="submit" loading={busy} fullWidth mt="xs">
          Unlock with token
        </Button>
        {busy && (
          <Group gap="xs" justify="center" role="status">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              {pinPad ? 'Type the PIN on the reader…' : 'Opening the vault key on the token…'}
            </Text>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** The "reader's PIN pad" switch of the token and card forms; the caller drops any typed PIN when it changes. */
function PinPadCheckbox({ checked, onChange, disabled }: { checked: boolean; onChange: (on: boolean) => void; disabled: boolean }) {
  return (
    <Checkbox
      label="Use the reader's PIN pad"
      description="For readers with a keypad: the PIN is typed there and never passes through this console."
      checked={checked}
      onChange={(e) => onChange(e.currentTarget.checked)}
      disabled={disabled}
    />
  );
}

/**
 * Sign-in with a smart card while the vault is open: `session.loginCard` with the user name and
 * the card's PIN (or the reader's PIN pad). The card registered for that person signs a fresh
 * challenge; the core checks the signature against the public key registered for them. The card
 * serial is optional: without it, the registered card is expected in the reader.
 */
function CardSignInForm() {
  const setStatus = useApp((s) => s.setStatus);
  const lastUser = useApp((s) => s.lastUser);
  const [user, setUser] = useState(lastUser);
  const [serial, setSerial] = useState('');
  const [pin, setPin] = useState('');
  const [pinPad, setPinPad] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const pinRef = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    if (!user.trim() || (!pinPad && !pin)) {
      setFailure({ title: 'Sign-in failed', message: "Enter your user name and your card's PIN, or use the reader's PIN pad." });
      return;
    }
    setBusy(true);
    try {
      const status = await api.call('session.loginCard', { user, pin: pinPad ? null : pin, ...(serial.trim() ? { serial: serial.trim() } : {}) });
      setPin('');
      setStatus(status);
    } catch (err) {
      setPin('');
      setFailure(failureOf('Sign-in failed', err));
      setBusy(false);
      setTimeout(() => pinRef.current?.focus(), 0);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Sign in with smart card">
      <Stack gap="sm">
        <TextInput label="User name" autoComplete="username" value={user} onChange={(e) => setUser(e.currentTarget.value)} disabled={busy} autoFocus={!lastUser} />
        <TextInput
          label="Card serial (optional)"
          description="Leave empty to use the card registered for you."
          value={serial}
          onChange={(e) => setSerial(e.currentTarget.value)}
          disabled={busy}
          maxLength={64}
        />
        {!pinPad && (
          <PasswordInput ref={pinRef} label="Card PIN" autoComplete="off" autoFocus={!!lastUser} value={pin} onChange={(e) => setPin(e.currentTarget.value)} disabled={busy} maxLength={256} />
        )}
        <PinPadCheckbox
          checked={pinPad}
          onChange={(on) => {
            setPinPad(on);
            setPin('');
          }}
          disabled={busy}
        />
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        <Button type="submit" loading={busy} fullWidth mt="xs">
          Sign in with smart card
        </Button>
        {busy && (
          <Group gap="xs" justify="center" role="status">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              {pinPad ? 'Type the PIN on the reader…' : 'The card is signing a challenge…'}
            </Text>
          </Group>
        )}
      </Stack>
    </form>
  );
}

type UnlockMethod = 'passphrase' | 'quorum' | 'token';

/** A vault exists and is locked: unlock it (by passphrase, custodian quorum or token). */
export function Unlock() {
  const lockReason = useApp((s) => s.lockReason);
  const methods = useApp((s) => s.status?.unlockMethods ?? null);
  const quorum = methods?.quorumThreshold ?? null;
  const tokens = methods?.tokens ?? [];
  const passphraseAllowed = methods?.passphrase ?? true;
  const available: UnlockMethod[] = [
    ...(passphraseAllowed || (quorum === null && tokens.length === 0) ? (['passphrase'] as const) : []),
    ...(quorum !== null ? (['quorum'] as const) : []),
    ...(tokens.length > 0 ? (['token'] as const) : []),
  ];
  const [picked, setMethod] = useState<UnlockMethod>(available[0] ?? 'passphrase');
  const method = available.includes(picked) ? picked : (available[0] ?? 'passphrase');
  const lockMessage = lockReason ? LOCK_MESSAGES[lockReason] : undefined;
  const labels: Record<UnlockMethod, string> = {
    passphrase: 'Passphrase',
    quorum: `Custodian quorum (${quorum ?? 0} needed)`,
    token: 'Token and PIN',
  };
  const subtitles: Record<UnlockMethod, string> = {
    passphrase: 'Sign in with your user name and passphrase.',
    quorum: 'A quorum of key custodians unlocks the vault together.',
    token: 'Unlock with a PKCS#11 token that holds the vault key, and its PIN.',
  };

  return (
    <AuthLayout title="Unlock the vault" subtitle={subtitles[method]}>
      {lockMessage && (
        <Alert color="blue" variant="light" role="status" data-testid="lock-reason">
          {lockMessage}
        </Alert>
      )}
      {available.length > 1 && (
        <SegmentedControl
          fullWidth
          value={method}
          onChange={(v) => setMethod(available.find((m) => m === v) ?? 'passphrase')}
          data={available.map((m) => ({ value: m, label: labels[m] }))}
          aria-label="Unlock method"
        />
      )}
      {method === 'quorum' && quorum !== null ? (
        <QuorumForm threshold={quorum} />
      ) : method === 'token' ? (
        <TokenUnlockForm tokens={tokens} />
      ) : (
        <PassphraseForm mode="unlock" />
      )}
    </AuthLayout>
  );
}

/** The vault is open (a quorum unlocked it) but nobody is signed in: a passphrase or a smart card signs a person in. */
export function SignIn() {
  const [how, setHow] = useState<'passphrase' | 'card'>('passphrase');
  return (
    <AuthLayout title="Sign in" subtitle="The vault is unlocked, but nobody is signed in. Sign in to use the console.">
      <SegmentedControl
        fullWidth
        value={how}
        onChange={(v) => setHow(v === 'card' ? 'card' : 'passphrase')}
        data={[
          // Not just "Passphrase": that is the label of the passphrase field below.
          { value: 'passphrase', label: 'With passphrase' },
          { value: 'card', label: 'With smart card' },
        ]}
        aria-label="Sign-in method"
      />
      {how === 'card' ? <CardSignInForm /> : <PassphraseForm mode="login" />}
      <Button variant="subtle" color="gray" onClick={() => void lockVault()}>
        Lock the vault instead
      </Button>
    </AuthLayout>
  );
}
