import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Group, Loader, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { api, errorMessage } from '../api/client';
import { ErrorAlert } from '../components/common';
import { useApp, type LockReason } from '../state/store';
import { AuthLayout } from './AuthLayout';

const LOCK_MESSAGES: Partial<Record<LockReason, string>> = {
  idle: 'The vault was locked after a period of inactivity.',
  shutdown: 'The vault was locked because the core is shutting down.',
  session: 'The session ended and the vault is locked.',
};

/** A vault exists and is locked: sign in. */
export function Unlock() {
  const setStatus = useApp((s) => s.setStatus);
  const lastUser = useApp((s) => s.lastUser);
  const lockReason = useApp((s) => s.lockReason);
  const [user, setUser] = useState(lastUser);
  const [passphrase, setPassphrase] = useState('');
  const [failure, setFailure] = useState<{ title: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const passRef = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    if (!user.trim() || !passphrase) {
      setFailure({ title: 'Unlock failed', message: 'Enter your user name and passphrase.' });
      return;
    }
    setBusy(true);
    try {
      const status = await api.call('vault.unlock', { user, passphrase });
      setPassphrase('');
      setStatus(status);
    } catch (err) {
      setPassphrase('');
      setFailure({
        title: 'Unlock failed',
        message: errorMessage(err),
      });
      setBusy(false);
    }
  };

  // After a failure, put the cursor back in the (now empty) passphrase field.
  useEffect(() => {
    if (failure && !busy) passRef.current?.focus();
  }, [failure, busy]);

  const lockMessage = lockReason ? LOCK_MESSAGES[lockReason] : undefined;

  return (
    <AuthLayout title="Unlock the vault" subtitle="Sign in with your user name and passphrase.">
      {lockMessage && (
        <Alert color="blue" variant="light" role="status" data-testid="lock-reason">
          {lockMessage}
        </Alert>
      )}
      <form onSubmit={submit} noValidate aria-label="Unlock vault">
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
            Unlock
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
    </AuthLayout>
  );
}
