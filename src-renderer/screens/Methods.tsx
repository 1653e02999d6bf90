import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Alert, Anchor, Badge, Button, Center, Checkbox, Code, EmptyState, Group, Loader, Modal, NativeSelect, PasswordInput, Stack, Table, Text } from '@mantine/core';
import type { TokenSummary } from '../../src-shared/contract';
import type { UnlockMethodInfo, UserInfo } from '../../src-shared/people';
import { api, isApiError } from '../api/client';
import { ConfirmModal } from '../components/ConfirmModal';
import { BusyLine, DeniedButton, ErrorAlert, PageTitle, PendingHint, ReadOnlyNote, failureOf, type Failure } from '../components/common';
import { IconChip, IconPlus, IconUnlockKeys } from '../components/icons';
import { checkNewPassphrase } from '../lib/format';
import { can, deniedReason } from '../lib/permissions';
import { handleSessionError, reportOutcome } from '../state/actions';
import { useApp } from '../state/store';
import { QuorumSetup } from './QuorumSetup';
import { tokenOption, tokenTitle, usableTokens } from '../lib/tokens';
import { listTokens } from '../state/tokens';
import { loadWhileLive, useLoad } from '../state/load';

const METHOD_LABELS: Record<UnlockMethodInfo['type'], string> = { passphrase: 'Passphrase', quorum: 'Custodian quorum', token: 'Token' };
const METHOD_COLORS: Record<UnlockMethodInfo['type'], string> = { passphrase: 'indigo', quorum: 'grape', token: 'teal' };

function methodWho(m: UnlockMethodInfo): string {
  if (m.type === 'passphrase') return m.user ?? 'a person who no longer exists';
  if (m.type === 'token') return m.token ? `Whoever holds token ${m.token.label} (serial ${m.token.serial}) and its PIN` : 'A PKCS#11 token';
  return `${m.threshold} of ${m.custodians.length}: ${m.custodians.map((c) => c ?? 'a removed person').join(', ')}`;
}

/** Let a person's own passphrase unlock the vault (they did not get one when added, or lost it). */
function AddPassphraseModal({ opened, users, onClose, onDone }: { opened: boolean; users: UserInfo[]; onClose: () => void; onDone: () => void }) {
  const candidates = users.filter((u) => !u.disabled && !u.personalUnlock);
  const [user, setUser] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ passphrase?: string; confirm?: string }>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const selected = user || candidates[0]?.name || '';

  const close = () => {
    if (busy) return;
    setPassphrase('');
    setConfirm('');
    setErrors({});
    setFailure(null);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !selected) return;
    setFailure(null);
    const next = checkNewPassphrase(passphrase, confirm);
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    setBusy(true);
    try {
      const outcome = await api.call('methods.addPassphrase', { user: selected, passphrase });
      setPassphrase('');
      setConfirm('');
      setBusy(false);
      reportOutcome(outcome);
      onDone();
    } catch (err) {
      setPassphrase('');
      setConfirm('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The unlock method was not added', err));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Let a person's passphrase unlock the vault" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      {candidates.length === 0 ? (
        <Stack gap="sm">
          <Text size="sm">Every active person can already unlock the vault with their own passphrase.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Close
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate aria-label="Add a passphrase unlock method">
          <Stack gap="sm">
            <NativeSelect label="Person" data={candidates.map((u) => u.name)} value={selected} onChange={(e) => setUser(e.currentTarget.value)} disabled={busy} data-autofocus />
            <Text size="sm" c="dimmed">
              {selected} types the passphrase now. Use the one they sign in with, so they have only one to remember.
            </Text>
            <PasswordInput label="Passphrase" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} error={errors.passphrase} disabled={busy} />
            <PasswordInput label="Confirm passphrase" autoComplete="off" value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} error={errors.confirm} disabled={busy} />
            {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
            {busy && <BusyLine>Wrapping the vault key under the passphrase (Argon2id)…</BusyLine>}
            <Group justify="flex-end">
              <Button variant="default" onClick={close} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Add unlock method
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/**
 * Let a PKCS#11 token unlock the vault: the core makes a non-extractable AES key on the token and
 * encrypts the vault key with it. Needs the token present and its user PIN (or PIN pad) now.
 */
function AddTokenModal({ opened, users, onClose, onDone }: { opened: boolean; users: UserInfo[]; onClose: () => void; onDone: () => void }) {
  const navigate = useApp((s) => s.navigate);
  const holders = users.filter((u) => !u.disabled);
  const [holder, setHolder] = useState('');
  const [tokens, setTokens] = useState<TokenSummary[] | null>(null);
  const [serial, setSerial] = useState('');
  const [pin, setPin] = useState('');
  const [pinPad, setPinPad] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const usable = tokens ? usableTokens(tokens) : [];
  const token = usable.find((t) => t.serial === serial) ?? usable[0] ?? null;
  const selectedHolder = holder || holders[0]?.name || '';

  useEffect(() => {
    if (!opened) return;
    setTokens(null);
    return loadWhileLive(
      listTokens,
      (list) => {
        setTokens(list);
        const first = usableTokens(list)[0];
        setSerial(first?.serial ?? '');
        setPinPad(first?.protectedAuthenticationPath ?? false);
      },
      (err) => {
        setTokens([]);
        setFailure(failureOf('The tokens could not be read', err));
      },
    );
  }, [opened]);

  const close = () => {
    if (busy) return;
    setPin('');
    setFailure(null);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !token || !selectedHolder) return;
    setFailure(null);
    if (!pinPad && !pin) {
      setFailure({ title: 'The unlock method was not added', message: `Type the user PIN of ${tokenTitle(token)}.` });
      return;
    }
    setBusy(true);
    try {
      const outcome = await api.call('methods.addToken', { holder: selectedHolder, serial: token.serial, pin: pinPad ? null : pin });
      setPin('');
      setBusy(false);
      reportOutcome(outcome);
      onDone();
    } catch (err) {
      setPin('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The unlock method was not added', err));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Let a token unlock the vault" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate aria-label="Add a token unlock method">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            Custos generates a non-extractable AES key on the token and encrypts the vault key with it. Afterwards the token and its PIN unlock the vault,
            signing in the holder.
          </Text>
          <NativeSelect label="Holder" description="The person who keeps the token and its PIN." data={holders.map((u) => u.name)} value={selectedHolder} onChange={(e) => setHolder(e.currentTarget.value)} disabled={busy} />
          {!tokens && <BusyLine>Reading the tokens…</BusyLine>}
          {tokens && usable.length === 0 && (
            <Alert color="yellow" variant="light" title="No token present" data-testid="no-token">
              Insert an initialised token first, or initialise one on the{' '}
              <Anchor component="button" type="button" fz="inherit" onClick={() => navigate({ name: 'tokens' })}>
                Tokens page
              </Anchor>
              .
            </Alert>
          )}
          {usable.length > 0 && (
            <NativeSelect
              label="Token"
              data={usable.map((t) => ({ value: t.serial, label: tokenOption(t) }))}
              value={token?.serial ?? ''}
              onChange={(e) => {
                setSerial(e.currentTarget.value);
                setPinPad(usable.find((t) => t.serial === e.currentTarget.value)?.protectedAuthenticationPath ?? false);
                setPin('');
              }}
              disabled={busy}
            />
          )}
          {token && !pinPad && (
            <PasswordInput label="Token PIN" autoComplete="off" value={pin} onChange={(e) => setPin(e.currentTarget.value)} disabled={busy} maxLength={256} />
          )}
          {token && (
            <Checkbox
              label="Use the reader's PIN pad"
              checked={pinPad}
              onChange={(e) => {
                setPinPad(e.currentTarget.checked);
                setPin('');
              }}
              disabled={busy}
            />
          )}
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          {busy && <BusyLine>Generating the wrapping key on the token…</BusyLine>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!token}>
              Add unlock method
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** How the vault can be opened: personal passphrases, tokens and the custodian quorum. */
export function Methods() {
  const me = useApp((s) => s.status?.user ?? null);
  const [methods, setMethods] = useState<UnlockMethodInfo[] | null>(null);
  const [users, setUsers] = useState<UserInfo[]>([]);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);
  const [wizard, setWizard] = useState(false);
  const [adding, setAdding] = useState(false);
  const [addingToken, setAddingToken] = useState(false);
  const [removing, setRemoving] = useState<UnlockMethodInfo | null>(null);
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeFailure, setRemoveFailure] = useState<Failure | null>(null);

  const mayChange = can(me?.role, 'methods.change');
  const denied = deniedReason(me?.role, 'methods.change', 'change how the vault is unlocked');
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  useLoad(
    () => Promise.all([api.call('methods.list'), api.call('users.list')]),
    ([m, u]) => {
      setMethods(m);
      setUsers(u);
      setFailure(null);
    },
    (err) => setFailure(failureOf('The unlock methods could not be read', err)),
    [reload],
  );

  const remove = async () => {
    if (!removing || removeBusy) return;
    setRemoveBusy(true);
    setRemoveFailure(null);
    try {
      const outcome = await api.call('methods.remove', { id: removing.id });
      setRemoveBusy(false);
      setRemoving(null);
      reportOutcome(outcome);
      refresh();
    } catch (err) {
      setRemoveBusy(false);
      if (handleSessionError(err)) return;
      setRemoveFailure(failureOf(isApiError(err, 'E_CONFLICT') ? 'This method cannot be removed' : 'The method was not removed', err));
    }
  };

  const quorum = methods?.find((m) => m.type === 'quorum') ?? null;

  if (wizard && methods) {
    return (
      <Stack gap="md">
        <PageTitle>Unlock methods</PageTitle>
        <QuorumSetup
          users={users}
          current={quorum}
          onFinished={(changed) => {
            setWizard(false);
            if (changed) refresh();
          }}
        />
      </Stack>
    );
  }

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <PageTitle>Unlock methods</PageTitle>
          <Text size="sm" c="dimmed">
            Each method holds the vault key wrapped once: a person&apos;s own passphrase, a PKCS#11 token and its PIN, or a quorum of custodians who unlock together.
          </Text>
        </div>
        <Group gap="sm">
          {mayChange ? (
            <>
              <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} disabled={!methods}>
                Add personal passphrase
              </Button>
              <Button variant="default" leftSection={<IconChip size={16} />} onClick={() => setAddingToken(true)} disabled={!methods}>
                Add token unlock method
              </Button>
              <Button leftSection={<IconUnlockKeys size={16} />} onClick={() => setWizard(true)} disabled={!methods}>
                {quorum ? 'Replace custodian quorum' : 'Set up custodian quorum'}
              </Button>
            </>
          ) : (
            <DeniedButton reason={denied ?? ''} leftSection={<IconUnlockKeys size={16} />}>
              Set up custodian quorum
            </DeniedButton>
          )}
        </Group>
      </Group>
      <ReadOnlyNote reason={denied} />
      <PendingHint />
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {!methods && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading unlock methods" />
        </Center>
      )}
      {methods && methods.length > 0 && (
        <Table.ScrollContainer minWidth={680}>
          <Table aria-label="Unlock methods" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Method</Table.Th>
                <Table.Th>Who can open the vault with it</Table.Th>
                <Table.Th>ID</Table.Th>
                {mayChange && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {methods.map((m) => (
                <Table.Tr key={m.id} data-testid="method-row" data-type={m.type}>
                  <Table.Td>
                    <Badge variant="light" color={METHOD_COLORS[m.type]} className="custos-badge">
                      {METHOD_LABELS[m.type]}
                    </Badge>
                  </Table.Td>
                  <Table.Td data-testid="method-who">{methodWho(m)}</Table.Td>
                  <Table.Td>
                    <Code title={m.id}>{m.id.slice(0, 8)}</Code>
                  </Table.Td>
                  {mayChange && (
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="light"
                        color="red"
                        onClick={() => {
                          setRemoveFailure(null);
                          setRemoving(m);
                        }}
                        aria-label={`Remove the ${m.type} method ${methodWho(m)}`}
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {methods && !quorum && (
        <EmptyState
          icon={<IconUnlockKeys size={28} />}
          title="No custodian quorum yet"
          description="With a quorum, several custodians must come together to open the vault. Once it is set up, you can remove the personal passphrase methods so that nobody opens the vault alone."
          data-testid="quorum-empty"
          py="md"
        >
          {mayChange && (
            <Button variant="light" leftSection={<IconUnlockKeys size={16} />} onClick={() => setWizard(true)}>
              Set up a quorum now
            </Button>
          )}
        </EmptyState>
      )}
      <AddTokenModal
        opened={addingToken}
        users={users}
        onClose={() => setAddingToken(false)}
        onDone={() => {
          setAddingToken(false);
          refresh();
        }}
      />
      <AddPassphraseModal
        opened={adding}
        users={users}
        onClose={() => setAdding(false)}
        onDone={() => {
          setAdding(false);
          refresh();
        }}
      />
      <ConfirmModal
        opened={removing !== null}
        onClose={() => setRemoving(null)}
        title="Remove this unlock method?"
        confirmLabel="Remove"
        busy={removeBusy}
        failure={removeFailure}
        onConfirm={() => void remove()}
      >
        <Text size="sm">
          {removing?.type === 'quorum'
            ? `The custodians (${methodWho(removing)}) will no longer be able to unlock the vault together.`
            : removing?.type === 'token'
              ? `The token${removing.token ? ` ${removing.token.label}` : ''} will no longer unlock the vault.`
              : `${removing?.user ?? 'This person'}'s passphrase will no longer unlock the vault. They can still sign in once it is open.`}
        </Text>
        <Text size="sm" c="dimmed">
          The last unlock method cannot be removed. This change is under dual control: another person may have to approve it.
        </Text>
      </ConfirmModal>
    </Stack>
  );
}
