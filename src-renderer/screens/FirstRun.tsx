import { useState, type FormEvent } from 'react';
import { Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { userNameSchema } from '../../src-shared/users';
import { api, errorMessage } from '../api/client';
import { ErrorAlert } from '../components/common';
import { checkNewPassphrase } from '../lib/format';
import { useApp } from '../state/store';
import { AuthLayout } from './AuthLayout';

interface FieldErrors {
  adminName?: string;
  passphrase?: string;
  confirm?: string;
}

/** No vault yet: make one, with its first administrator. */
export function FirstRun() {
  const setStatus = useApp((s) => s.setStatus);
  const [adminName, setAdminName] = useState('');
  // The passphrase lives only in this form's state, and only until the call returns.
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    const next: FieldErrors = { ...checkNewPassphrase(passphrase, confirm) };
    const name = userNameSchema.safeParse(adminName);
    if (!name.success) next.adminName = name.error.issues[0]?.message ?? 'This user name is not accepted.';
    setErrors(next);
    if (Object.keys(next).length > 0) return;

    setBusy(true);
    try {
      const status = await api.call('vault.create', { adminName: name.data ?? adminName, passphrase });
      setPassphrase('');
      setConfirm('');
      setAdminName('');
      setStatus(status);
    } catch (err) {
      setPassphrase('');
      setConfirm('');
      setFailure(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Create the vault"
      subtitle="This workstation has no vault yet. Name its first administrator and choose the passphrase that will protect the vault master key."
    >
      <form onSubmit={submit} noValidate aria-label="Create vault">
        <Stack gap="sm">
          <TextInput
            label="Administrator name"
            description="Letters, digits, dots, dashes, underscores or @."
            autoComplete="username"
            autoFocus
            required
            withAsterisk={false}
            value={adminName}
            onChange={(e) => setAdminName(e.currentTarget.value)}
            error={errors.adminName}
            disabled={busy}
          />
          <PasswordInput
            label="Passphrase"
            description="At least 10 characters. A few unrelated words are easy to type and hard to guess."
            autoComplete="new-password"
            required
            withAsterisk={false}
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            error={errors.passphrase}
            disabled={busy}
          />
          <PasswordInput
            label="Confirm passphrase"
            autoComplete="new-password"
            required
            withAsterisk={false}
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={errors.confirm}
            disabled={busy}
          />
          {failure && <ErrorAlert title="The vault was not created" message={failure} />}
          <Button type="submit" loading={busy} fullWidth mt="xs">
            Create vault
          </Button>
          {busy && (
            <Text size="sm" c="dimmed" ta="center" role="status" data-testid="create-progress">
              Deriving the vault key from the passphrase (Argon2id)…
            </Text>
          )}
        </Stack>
      </form>
    </AuthLayout>
  );
}
