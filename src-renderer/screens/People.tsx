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

  const mayChange = can(me?.role, 'users.change');
  const denied = deniedReason(me?.role, 'users.change', 'add, disable or change people');
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  useEffect(() => {
    let live = true;
    api.call('users.list').then(
      (list) => {
        if (!live) return;
        setUsers(list);
        setFailure(null);
      },
      (err: unknown) => {
        if (!live || handleSessionError(err)) return;
        setFailure(failureOf('The people could not be read', err));
      },
    );
    return () => {
      live = false;
    };
  }, [reload]);

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
