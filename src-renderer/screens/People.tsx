import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  Badge,
  Button,
  Center,
  EmptyState,
  Group,
  Loader,
  Modal,
  NativeSelect,
  PasswordInput,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import type { UserCard } from '../../src-shared/cards';
import type { TokenSummary } from '../../src-shared/contract';
import type { KeySummary } from '../../src-shared/keys';
import type { UserInfo } from '../../src-shared/people';
import { ROLES, roleSchema, userNameSchema, type Role } from '../../src-shared/users';
import { api, isApiError } from '../api/client';
import { ConfirmModal } from '../components/ConfirmModal';
import { BusyLine, DeniedButton, ErrorAlert, PageTitle, PendingHint, ReadOnlyNote, failureOf, type Failure } from '../components/common';
import { IconPlus, IconUsers } from '../components/icons';
import { checkNewPassphrase, formatDateTime, roleLabel } from '../lib/format';
import { can, deniedReason } from '../lib/permissions';
import { handleSessionError, reportOutcome } from '../state/actions';
import { useApp } from '../state/store';
import { loadWhileLive, useLoad } from '../state/load';

const ROLE_CHOICES = ROLES.map((r) => ({ value: r, label: roleLabel(r) }));

const ROLE_HINTS: Record<Role, string> = {
  administrator: 'Manages people, unlock methods, policies and settings; generates keys; approves requests.',
  'security-officer': 'Manages policies and settings, generates keys and approves requests.',
  'key-custodian': 'Generates keys, holds quorum shares and approves requests about unlock methods.',
  auditor: 'Reads everything (keys, people, the audit trail) and changes nothing.',
};

function YesNo({ value, yes, testId }: { value: boolean; yes: string; testId?: string }) {
  return value ? (
    <Badge variant="light" color="teal" className="custos-badge" data-testid={testId}>
      {yes}
    </Badge>
  ) : (
    <Text size="sm" c="dimmed" data-testid={testId}>
      No
    </Text>
  );
}

/** Add a person: name, role, login passphrase, and whether that passphrase also unlocks the vault. */
function AddPersonModal({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('key-custodian');
  // Secrets live only in this dialog's state and are cleared after the call (and on close).
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [personalUnlock, setPersonalUnlock] = useState(true);
  const [errors, setErrors] = useState<{ name?: string; passphrase?: string; confirm?: string }>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setName('');
    setRole('key-custodian');
    setPassphrase('');
    setConfirm('');
    setPersonalUnlock(true);
    setErrors({});
    setFailure(null);
  };
  const close = () => {
    if (busy) return;
    reset();
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    const next: typeof errors = { ...checkNewPassphrase(passphrase, confirm) };
    const parsed = userNameSchema.safeParse(name);
    if (!parsed.success) next.name = parsed.error.issues[0]?.message ?? 'This name is not accepted.';
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    setBusy(true);
    try {
      const outcome = await api.call('users.add', { name: parsed.data ?? name, role, passphrase, personalUnlock });
      setBusy(false);
      reset();
      reportOutcome(outcome);
      onDone();
    } catch (err) {
      setBusy(false);
      setPassphrase('');
      setConfirm('');
      if (handleSessionError(err)) return;
      setFailure(failureOf('The person was not added', err));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Add a person" centered size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate aria-label="Add a person">
        <Stack gap="sm">
          <TextInput
            label="User name"
            description="Letters, digits, dots, dashes, underscores or @."
            autoComplete="off"
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            disabled={busy}
          />
          <NativeSelect
            label="Role"
            data={ROLE_CHOICES}
            value={role}
            onChange={(e) => {
              const r = roleSchema.safeParse(e.currentTarget.value);
              if (r.success) setRole(r.data);
            }}
            description={ROLE_HINTS[role]}
            disabled={busy}
          />
          <PasswordInput
            label="Passphrase"
            description="The person types it now, at this keyboard. At least 10 characters."
            autoComplete="new-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            error={errors.passphrase}
            disabled={busy}
          />
          <PasswordInput
            label="Confirm passphrase"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={errors.confirm}
            disabled={busy}
          />
          <Switch
            label="Let this person's passphrase unlock the vault"
            description="Off: they can sign in once the vault is open (for example after a custodian quorum unlocked it), but cannot open it alone."
            checked={personalUnlock}
            onChange={(e) => setPersonalUnlock(e.currentTarget.checked)}
            disabled={busy}
          />
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          {busy && (
            <BusyLine testId="add-person-progress">
              {personalUnlock
                ? 'Hashing the passphrase and wrapping the vault key for it (Argon2id, about a second)…'
                : 'Hashing the passphrase (Argon2id, about half a second)…'}
            </BusyLine>
          )}
          <Text size="xs" c="dimmed">
            Adding a person is under dual control: unless nobody else could approve yet, another person must approve it.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add person
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ChangeRoleModal({ user, onClose, onDone }: { user: UserInfo | null; onClose: () => void; onDone: () => void }) {
  const [role, setRole] = useState<Role>(user?.role ?? 'key-custodian');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (user) setRole(user.role);
    setFailure(null);
  }, [user]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!user || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const outcome = await api.call('users.setRole', { name: user.name, role });
      setBusy(false);
      reportOutcome(outcome);
      onDone();
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The role was not changed', err));
    }
  };

  return (
    <Modal opened={user !== null} onClose={busy ? () => undefined : onClose} title={user ? `Change the role of ${user.name}` : ''} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate aria-label="Change role">
        <Stack gap="sm">
          <NativeSelect
            label="New role"
            data={ROLE_CHOICES}
            value={role}
            data-autofocus
            onChange={(e) => {
              const r = roleSchema.safeParse(e.currentTarget.value);
              if (r.success) setRole(r.data);
            }}
            description={ROLE_HINTS[role]}
            disabled={busy}
          />
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={role === user?.role}>
              Change role
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * Register (or replace) a person's login card: a key pair on a PKCS#11 token. The card signs a
 * challenge with its PIN before anything is filed; the registration itself is a user change under
 * dual control. The PIN lives in this form only until the call returns.
 */
function RegisterCardModal({ user, onClose, onDone }: { user: UserInfo | null; onClose: () => void; onDone: () => void }) {
  const [tokens, setTokens] = useState<TokenSummary[] | null>(null);
  const [tokenKeys, setTokenKeys] = useState<KeySummary[]>([]);
  const [serial, setSerial] = useState('');
  const [key, setKey] = useState('');
  const [ckaId, setCkaId] = useState('');
  const [pin, setPin] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!user) return;
    setFailure(null);
    setPin('');
    setCkaId('');
    return loadWhileLive(
      () => Promise.all([api.call('tokens.list', {}), api.call('keys.list', { limit: 500 })]),
      ([list, keys]) => {
        const present = list.filter((t) => t.initialized);
        setTokens(present);
        setTokenKeys(keys.items.filter((k) => k.store === 'token' && k.token && ['ec', 'eddsa', 'rsa'].includes(k.family)));
        setSerial((s) => (present.some((t) => t.serial === s) ? s : (present[0]?.serial ?? '')));
      },
      (err) => setFailure(failureOf('The tokens could not be read', err)),
    );
  }, [user]);

  const onCard = tokenKeys.filter((k) => k.token?.serial === serial);
  const chosenKey = onCard.some((k) => k.id === key) ? key : (onCard[0]?.id ?? '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!user || busy) return;
    const keyRef = ckaId.trim().toLowerCase() || chosenKey;
    if (!serial || !keyRef) {
      setFailure({ title: 'Choose the card', message: 'Pick the token and a key pair on it (or type the key’s CKA_ID on the card).' });
      return;
    }
    if (!pin) {
      setFailure({ title: 'PIN needed', message: 'Type the card’s user PIN: the card must sign a challenge before it is registered.' });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const outcome = await api.call('users.setCard', { name: user.name, serial, key: keyRef, pin });
      setPin('');
      setBusy(false);
      reportOutcome(outcome);
      onDone();
    } catch (err) {
      setPin('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The card was not registered', err));
    }
  };

  return (
    <Modal opened={user !== null} onClose={busy ? () => undefined : onClose} title={user ? `Register a smart card for ${user.name}` : ''} centered size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate aria-label="Register smart card">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {user?.name} will sign in by inserting the card and typing its PIN: the card signs a fresh challenge, and Custos checks the signature against the public key registered here.
          </Text>
          {tokens === null && !failure && <BusyLine>Reading the tokens…</BusyLine>}
          {tokens !== null && tokens.length === 0 && (
            <Text size="sm" c="orange">
              No token is present. Insert the card (and log in to nothing: the PIN is asked for here).
            </Text>
          )}
          {tokens !== null && tokens.length > 0 && (
            <>
              <NativeSelect
                label="Card (token)"
                data={tokens.map((t) => ({ value: t.serial, label: `${t.label || 'Token'} · serial ${t.serial}` }))}
                value={serial}
                onChange={(e) => setSerial(e.currentTarget.value)}
                disabled={busy}
              />
              <NativeSelect
                label="Key pair on the card"
                description={onCard.length ? 'Keys of the inventory held by this token.' : 'The inventory has no key pair on this token; give its CKA_ID below.'}
                data={onCard.map((k) => ({ value: k.id, label: `${k.name} · ${k.algorithm}` }))}
                value={chosenKey}
                onChange={(e) => setKey(e.currentTarget.value)}
                disabled={busy || onCard.length === 0}
              />
              <TextInput
                label="Or the key's CKA_ID on the card"
                description="Hex, as pkcs11-tool --list-objects shows it; for a key the inventory does not hold."
                value={ckaId}
                onChange={(e) => setCkaId(e.currentTarget.value)}
                disabled={busy}
                maxLength={128}
              />
              <PasswordInput label="Card PIN" autoComplete="off" value={pin} onChange={(e) => setPin(e.currentTarget.value)} disabled={busy} maxLength={256} data-autofocus />
            </>
          )}
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          <Text size="sm" c="dimmed">
            This change is under dual control: another person may have to approve it.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!tokens || tokens.length === 0}>
              Register card
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The signed-in person changes their own passphrase (login, and personal unlock if they have one). */
function ChangePassphraseModal({ opened, onClose, me, personalUnlock }: { opened: boolean; onClose: () => void; me: string; personalUnlock: boolean }) {
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ passphrase?: string; confirm?: string }>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const clear = () => {
    setPassphrase('');
    setConfirm('');
  };
  const close = () => {
    if (busy) return;
    clear();
    setErrors({});
    setFailure(null);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    const next = checkNewPassphrase(passphrase, confirm);
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    setBusy(true);
    try {
      const outcome = await api.call('users.changePassphrase', { name: me, newPassphrase: passphrase });
      clear();
      setBusy(false);
      reportOutcome(outcome);
      onClose();
    } catch (err) {
      clear();
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The passphrase was not changed', err));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Change my passphrase" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate aria-label="Change my passphrase">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {personalUnlock
              ? 'The new passphrase signs you in and also unlocks the vault for you.'
              : 'The new passphrase signs you in. (Your passphrase does not unlock the vault by itself.)'}{' '}
            Quorum share passphrases are not changed here.
          </Text>
          <PasswordInput
            label="New passphrase"
            autoComplete="new-password"
            data-autofocus
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            error={errors.passphrase}
            disabled={busy}
          />
          <PasswordInput
            label="Confirm new passphrase"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={errors.confirm}
            disabled={busy}
          />
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          {busy && <BusyLine>Hashing the new passphrase (Argon2id)…</BusyLine>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Change passphrase
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The people of this vault, their roles, and how each can open it. */
export function People() {
  const me = useApp((s) => s.status?.user ?? null);
  const [users, setUsers] = useState<UserInfo[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);
  const [adding, setAdding] = useState(false);
  const [changingPassphrase, setChangingPassphrase] = useState(false);
  const [roleFor, setRoleFor] = useState<UserInfo | null>(null);
  const [disabling, setDisabling] = useState<UserInfo | null>(null);
  const [disableBusy, setDisableBusy] = useState(false);
  const [disableFailure, setDisableFailure] = useState<Failure | null>(null);
  const [cards, setCards] = useState<UserCard[]>([]);
  const [cardFor, setCardFor] = useState<UserInfo | null>(null);
  const [removingCard, setRemovingCard] = useState<UserCard | null>(null);
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeFailure, setRemoveFailure] = useState<Failure | null>(null);

  const mayChange = can(me?.role, 'users.change');
  const denied = deniedReason(me?.role, 'users.change', 'add, disable or change people');
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  useLoad(
    () => Promise.all([api.call('users.list'), api.call('users.cards')]),
    ([list, registered]) => {
      setUsers(list);
      setCards(registered);
      setFailure(null);
    },
    (err) => setFailure(failureOf('The people could not be read', err)),
    [reload],
  );

  const disable = async () => {
    if (!disabling || disableBusy) return;
    setDisableBusy(true);
    setDisableFailure(null);
    try {
      const outcome = await api.call('users.disable', { name: disabling.name });
      setDisableBusy(false);
      setDisabling(null);
      reportOutcome(outcome);
      refresh();
    } catch (err) {
      setDisableBusy(false);
      if (handleSessionError(err)) return;
      setDisableFailure(failureOf(isApiError(err, 'E_CONFLICT') ? 'Not possible' : 'The person was not disabled', err));
    }
  };

  const removeCard = async () => {
    if (!removingCard || removeBusy) return;
    setRemoveBusy(true);
    setRemoveFailure(null);
    try {
      const outcome = await api.call('users.removeCard', { name: removingCard.user });
      setRemoveBusy(false);
      setRemovingCard(null);
      reportOutcome(outcome);
      refresh();
    } catch (err) {
      setRemoveBusy(false);
      if (handleSessionError(err)) return;
      setRemoveFailure(failureOf('The card was not removed', err));
    }
  };
  const cardOf = (name: string) => cards.find((c) => c.user.toLowerCase() === name.toLowerCase());

  const myInfo = users?.find((u) => u.name.toLowerCase() === me?.name.toLowerCase());

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <PageTitle>People</PageTitle>
          <Text size="sm" c="dimmed">
            Everyone who can sign in to this vault, their role, and whether they can open it.
          </Text>
        </div>
        <Group gap="sm">
          <Button variant="default" onClick={() => setChangingPassphrase(true)} disabled={!me}>
            Change my passphrase
          </Button>
          {mayChange ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
              Add person
            </Button>
          ) : (
            <DeniedButton reason={denied ?? ''} leftSection={<IconPlus size={16} />}>
              Add person
            </DeniedButton>
          )}
        </Group>
      </Group>

      <ReadOnlyNote reason={denied} />
      <PendingHint />
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}

      {!users && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading people" />
        </Center>
      )}
      {users && users.length <= 1 && mayChange && (
        <EmptyState
          icon={<IconUsers size={28} />}
          title="You are the only person here"
          description="Add the people who will share the work: a second administrator or security officer can approve changes (dual control), key custodians can hold quorum shares, auditors can read the trail."
          data-testid="people-empty"
          py="md"
        >
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add the second person
          </Button>
        </EmptyState>
      )}
      {users && users.length > 0 && (
        <Table.ScrollContainer minWidth={820}>
          <Table aria-label="People" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Personal unlock</Table.Th>
                <Table.Th>Quorum custodian</Table.Th>
                <Table.Th>Smart card</Table.Th>
                <Table.Th>Added</Table.Th>
                {mayChange && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.map((u) => {
                const isMe = u.name.toLowerCase() === me?.name.toLowerCase();
                return (
                  <Table.Tr key={u.name} data-testid="person-row" data-user={u.name}>
                    <Table.Td fw={600}>
                      {u.name}
                      {isMe && (
                        <Text span size="xs" c="dimmed" ml={6}>
                          (you)
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td data-testid="person-role">{roleLabel(u.role)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={u.disabled ? 'gray' : 'green'} className="custos-badge" data-testid="person-status">
                        {u.disabled ? 'Disabled' : 'Active'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <YesNo value={u.personalUnlock} yes="Yes" testId="person-personal-unlock" />
                    </Table.Td>
                    <Table.Td>
                      <YesNo value={u.quorumCustodian} yes="Share holder" testId="person-custodian" />
                    </Table.Td>
                    <Table.Td>
                      {cardOf(u.name) ? (
                        <Text size="sm" ff="monospace" data-testid="person-card" title={`Token serial ${cardOf(u.name)!.serial}; key SHA-256 ${cardOf(u.name)!.fingerprint}`}>
                          {cardOf(u.name)!.serial}
                        </Text>
                      ) : (
                        <YesNo value={false} yes="" testId="person-card" />
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }} title={u.createdAt}>
                        {formatDateTime(u.createdAt)}
                      </Text>
                    </Table.Td>
                    {mayChange && (
                      <Table.Td>
                        {!u.disabled && (
                          <Group gap={6} wrap="nowrap">
                            <Button size="xs" variant="default" onClick={() => setRoleFor(u)} aria-label={`Change the role of ${u.name}`}>
                              Change role
                            </Button>
                            <Button size="xs" variant="default" onClick={() => setCardFor(u)} aria-label={`Register a smart card for ${u.name}`}>
                              {cardOf(u.name) ? 'Replace card' : 'Add card'}
                            </Button>
                            {cardOf(u.name) && (
                              <Button
                                size="xs"
                                variant="default"
                                onClick={() => {
                                  setRemoveFailure(null);
                                  setRemovingCard(cardOf(u.name)!);
                                }}
                                aria-label={`Remove the smart card of ${u.name}`}
                              >
                                Remove card
                              </Button>
                            )}
                            <Button
                              size="xs"
                              variant="light"
                              color="red"
                              onClick={() => {
                                setDisableFailure(null);
                                setDisabling(u);
                              }}
                              aria-label={`Disable ${u.name}`}
                            >
                              Disable
                            </Button>
                          </Group>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <AddPersonModal
        opened={adding}
        onClose={() => setAdding(false)}
        onDone={() => {
          setAdding(false);
          refresh();
        }}
      />
      <ChangeRoleModal
        user={roleFor}
        onClose={() => setRoleFor(null)}
        onDone={() => {
          setRoleFor(null);
          refresh();
        }}
      />
      {me && (
        <ChangePassphraseModal
          opened={changingPassphrase}
          onClose={() => setChangingPassphrase(false)}
          me={me.name}
          personalUnlock={myInfo?.personalUnlock ?? false}
        />
      )}
      <RegisterCardModal
        user={cardFor}
        onClose={() => setCardFor(null)}
        onDone={() => {
          setCardFor(null);
          refresh();
        }}
      />
      <ConfirmModal
        opened={removingCard !== null}
        onClose={() => setRemovingCard(null)}
        title={removingCard ? `Remove the smart card of ${removingCard.user}?` : ''}
        confirmLabel="Remove card"
        busy={removeBusy}
        failure={removeFailure}
        onConfirm={() => void removeCard()}
      >
        <Text size="sm">
          {removingCard?.user} will no longer be able to sign in with the card {removingCard?.serial}. The key stays on the card. This change is under dual control.
        </Text>
      </ConfirmModal>
      <ConfirmModal
        opened={disabling !== null}
        onClose={() => setDisabling(null)}
        title={disabling ? `Disable ${disabling.name}?` : ''}
        confirmLabel="Disable"
        busy={disableBusy}
        failure={disableFailure}
        onConfirm={() => void disable()}
      >
        <Text size="sm">
          {disabling?.name} will no longer be able to sign in or approve requests
          {disabling?.personalUnlock ? ', and their passphrase will no longer unlock the vault' : ''}. Their history stays in the audit
          trail.
        </Text>
        {disabling?.quorumCustodian && (
          <Text size="sm" c="orange">
            {disabling.name} holds a quorum share. The share stays valid until the quorum is set up again.
          </Text>
        )}
        <Text size="sm" c="dimmed">
          This change is under dual control: another person may have to approve it.
        </Text>
      </ConfirmModal>
    </Stack>
  );
}
