import { useRef, useState, type KeyboardEvent } from 'react';
import { Button, Group, PasswordInput, Stack, Text } from '@mantine/core';
import type { TokenSummary } from '../../src-shared/contract';
import { api } from '../api/client';
import { tokenTitle } from '../lib/tokens';
import { handleSessionError } from '../state/actions';
import { BusyLine, ErrorAlert, failureOf, type Failure } from './common';

/**
 * Logs in to one token with its user PIN (or on the reader's PIN pad when the token has a
 * protected authentication path). Not a <form>: it also sits inside the Generate form. The PIN
 * lives only in this component's state and is cleared when the call returns, whatever it said.
 */
export function TokenLogin({
  token,
  onLoggedIn,
  autoFocus = false,
  submitLabel = 'Log in',
}: {
  token: TokenSummary;
  onLoggedIn: (t: TokenSummary) => void;
  autoFocus?: boolean;
  submitLabel?: string;
}) {
  const [pin, setPin] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const pinRef = useRef<HTMLInputElement>(null);
  const pinPad = token.protectedAuthenticationPath;

  const login = async () => {
    if (busy) return;
    setFailure(null);
    if (!pinPad && !pin) {
      setFailure({ title: 'Not logged in', message: `Type the user PIN of ${tokenTitle(token)}.` });
      pinRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const t = await api.call('tokens.login', { serial: token.serial, pin: pinPad ? null : pin });
      setPin('');
      setBusy(false);
      onLoggedIn(t);
    } catch (err) {
      setPin('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('Login to the token failed', err));
      // Back to the (now empty) PIN field for the next try.
      setTimeout(() => pinRef.current?.focus(), 0);
    }
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void login();
    }
  };

  return (
    <Stack gap="sm" data-testid="token-login">
      {pinPad ? (
        <Text size="sm">
          {tokenTitle(token)} sits in a reader with a PIN pad. Press the button, then type the PIN on the reader — it never passes through this console.
        </Text>
      ) : (
        <PasswordInput
          ref={pinRef}
          label="User PIN"
          description={`The user PIN of ${tokenTitle(token)} (serial ${token.serial}). It is not stored.`}
          autoComplete="off"
          autoFocus={autoFocus}
          value={pin}
          onChange={(e) => setPin(e.currentTarget.value)}
          onKeyDown={onKey}
          disabled={busy}
          maxLength={256}
          data-autofocus={autoFocus || undefined}
        />
      )}
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {busy && <BusyLine>{pinPad ? 'Waiting for the PIN on the reader…' : 'Logging in to the token…'}</BusyLine>}
      <Group justify="flex-end">
        <Button onClick={() => void login()} loading={busy} variant={pinPad ? 'filled' : 'light'}>
          {pinPad ? 'Log in with the PIN pad' : submitLabel}
        </Button>
      </Group>
    </Stack>
  );
}
