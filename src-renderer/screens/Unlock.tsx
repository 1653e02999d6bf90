import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Fieldset, Group, Loader, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { api, errorMessage } from '../api/client';
import { ErrorAlert } from '../components/common';
import { lockVault } from '../state/actions';
import { useApp, type LockReason } from '../state/store';
import { AuthLayout } from './AuthLayout';

const LOCK_MESSAGES: Partial<Record<LockReason, string>> = {
  idle: 'The vault was locked after a period of inactivity.',
  shutdown: 'The vault was locked because the core is shutting down.',
  session: 'The session ended and the vault is locked.',
};

type Failure = { title: string; message: string } | null;

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
  const [failure, setFailure] = useState<Failure>(null);
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

/** M custodians, each with their own passphrase, together unlock the vault (`vault.unlockQuorum`). */
function QuorumForm({ threshold }: { threshold: number }) {
  const setStatus = useApp((s) => s.setStatus);
  const blank = () => Array.from({ length: threshold }, () => ({ user: '', passphrase: '' }));
  const [custodians, setCustodians] = useState(blank);
  const [failure, setFailure] = useState<Failure>(null);
  const [busy, setBusy] = useState(false);

  const update = (i: number, patch: Partial<{ user: string; passphrase: string }>) =>
    setCustodians((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    if (custodians.some((c) => !c.user.trim() || !c.passphrase)) {
      setFailure({ title: 'Unlock failed', message: `Each of the ${threshold} custodians enters a user name and passphrase.` });
      return;
    }
    setBusy(true);
    try {
      const status = await api.call('vault.unlockQuorum', { custodians });
      setCustodians(blank());
      setStatus(status);
    } catch (err) {
      setCustodians((cs) => cs.map((c) => ({ ...c, passphrase: '' })));
      setFailure({ title: 'Unlock failed', message: errorMessage(err) });
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Quorum unlock">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {threshold} custodians are needed. Each types their own user name and passphrase.
        </Text>
        {custodians.map((c, i) => (
          <Fieldset key={i} legend={`Custodian ${i + 1}`} disabled={busy} p="sm">
            <Stack gap="xs">
              <TextInput
                label={`Custodian ${i + 1} user name`}
                autoComplete="off"
                autoFocus={i === 0}
                value={c.user}
                onChange={(e) => update(i, { user: e.currentTarget.value })}
              />
              <PasswordInput
                label={`Custodian ${i + 1} passphrase`}
                autoComplete="off"
                value={c.passphrase}
                onChange={(e) => update(i, { passphrase: e.currentTarget.value })}
              />
            </Stack>
          </Fieldset>
        ))}
        {failure && <ErrorAlert title={failure.title} message={failure.message} />}
        <Button type="submit" loading={busy} fullWidth mt="xs">
          Unlock with quorum
        </Button>
      </Stack>
    </form>
  );
}

/** A vault exists and is locked: unlock it (by passphrase or custodian quorum). */
export function Unlock() {
  const lockReason = useApp((s) => s.lockReason);
  const methods = useApp((s) => s.status?.unlockMethods ?? null);
  const quorum = methods?.quorumThreshold ?? null;
  const passphraseAllowed = methods?.passphrase ?? true;
  const [method, setMethod] = useState<'passphrase' | 'quorum'>(passphraseAllowed || quorum === null ? 'passphrase' : 'quorum');
  const lockMessage = lockReason ? LOCK_MESSAGES[lockReason] : undefined;

  return (
    <AuthLayout
      title="Unlock the vault"
      subtitle={method === 'passphrase' ? 'Sign in with your user name and passphrase.' : 'A quorum of key custodians unlocks the vault together.'}
    >
      {lockMessage && (
        <Alert color="blue" variant="light" role="status" data-testid="lock-reason">
          {lockMessage}
        </Alert>
      )}
      {passphraseAllowed && quorum !== null && (
        <SegmentedControl
          fullWidth
          value={method}
          onChange={(v) => setMethod(v === 'quorum' ? 'quorum' : 'passphrase')}
          data={[
            { value: 'passphrase', label: 'Passphrase' },
            { value: 'quorum', label: `Custodian quorum (${quorum})` },
          ]}
          aria-label="Unlock method"
        />
      )}
      {method === 'quorum' && quorum !== null ? <QuorumForm threshold={quorum} /> : <PassphraseForm mode="unlock" />}
    </AuthLayout>
  );
}

/** The vault is open (a quorum unlocked it) but nobody is signed in. */
export function SignIn() {
  return (
    <AuthLayout title="Sign in" subtitle="The vault is unlocked, but nobody is signed in. Sign in to use the console.">
      <PassphraseForm mode="login" />
      <Button variant="subtle" color="gray" onClick={() => void lockVault()}>
        Lock the vault instead
      </Button>
    </AuthLayout>
  );
}
