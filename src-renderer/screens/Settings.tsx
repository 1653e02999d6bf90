import { useEffect, useState, type FormEvent } from 'react';
import { Badge, Button, Center, Checkbox, Group, Loader, NumberInput, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import type { DualControlPolicy } from '../../src-shared/approvals';
import type { Settings as SettingsData } from '../../src-shared/contract';
import { ROLES, type Role } from '../../src-shared/users';
import { api } from '../api/client';
import { ErrorAlert, PageTitle, ReadOnlyNote, failureOf, type Failure } from '../components/common';
import { roleLabel } from '../lib/format';
import { can, deniedReason } from '../lib/permissions';
import { CATEGORY_LABELS, draftToPolicy, policyDraft, samePolicy, type PolicyDraft, type PolicyRow } from '../lib/policy';
import { handleSessionError, reportOutcome } from '../state/actions';
import { useApp } from '../state/store';
import { useLoad } from '../state/load';

/** Roles that can decide requests at all (auditors cannot), so the only ones worth offering. */
const APPROVER_ROLES = ROLES.filter((r) => can(r, 'approvals.decide'));

function toInt(v: string | number, fallback: number): number {
  const n = typeof v === 'number' ? v : Number.parseInt(v, 10);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function IdleLockCard({ settings, mayChange, onSaved }: { settings: SettingsData; mayChange: boolean; onSaved: (s: SettingsData) => void }) {
  const notify = useApp((s) => s.notify);
  const [minutes, setMinutes] = useState<number>(settings.idleLockMinutes);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    setBusy(true);
    try {
      const next = await api.call('settings.set', { idleLockMinutes: minutes });
      setBusy(false);
      onSaved(next);
      notify({
        color: 'green',
        title: 'Saved',
        message: next.idleLockMinutes === 0 ? 'The vault no longer locks by itself.' : `The vault locks after ${next.idleLockMinutes} idle minutes.`,
      });
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The setting was not saved', err));
    }
  };

  return (
    <Paper withBorder p="lg" radius="md">
      <form onSubmit={submit} noValidate aria-label="Idle lock">
        <Stack gap="sm">
          <Title order={3} fz="lg">
            Idle lock
          </Title>
          <Text size="sm" c="dimmed">
            After this many minutes without activity the vault locks and every key is dropped from memory. 0 means never (not
            recommended on a shared workstation).
          </Text>
          <Group align="flex-end">
            <NumberInput
              label="Lock after (minutes)"
              min={0}
              max={1440}
              clampBehavior="strict"
              allowDecimal={false}
              value={minutes}
              onChange={(v) => setMinutes(toInt(v, settings.idleLockMinutes))}
              disabled={!mayChange || busy}
              w={200}
            />
            {mayChange && (
              <Button type="submit" loading={busy} disabled={minutes === settings.idleLockMinutes}>
                Save
              </Button>
            )}
          </Group>
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        </Stack>
      </form>
    </Paper>
  );
}

function PolicyCard({ policy, mayChange, onFiled }: { policy: DualControlPolicy; mayChange: boolean; onFiled: () => void }) {
  const [draft, setDraft] = useState<PolicyDraft>(() => policyDraft(policy));
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => setDraft(policyDraft(policy)), [policy]);

  const built = draftToPolicy(draft, policy.version);
  const changed = built.ok && !samePolicy(built.policy, policy);

  const setRow = (i: number, patch: Partial<PolicyRow>) => setDraft((d) => ({ ...d, rows: d.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    if (!built.ok) {
      setFailure({ title: 'The policy is not complete', message: built.error });
      return;
    }
    setBusy(true);
    try {
      const outcome = await api.call('policy.dualControl.set', { policy: built.policy });
      setBusy(false);
      reportOutcome(outcome);
      onFiled();
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The change was not filed', err));
    }
  };

  return (
    <Paper withBorder p="lg" radius="md">
      <form onSubmit={submit} noValidate aria-label="Dual-control policy">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={3} fz="lg">
              Dual-control policy
            </Title>
            <Badge variant="outline" className="custos-badge" data-testid="policy-version">
              Version {policy.version}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            Operations listed here need approval from other people before they run; nobody approves their own request. Changing this
            policy is itself a request that another person must approve.
          </Text>
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label="Dual-control rules" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Operation</Table.Th>
                  <Table.Th>Needs approval</Table.Th>
                  <Table.Th>Approvals</Table.Th>
                  <Table.Th>Who may approve</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {draft.rows.map((row, i) => (
                  <Table.Tr key={row.category} data-testid="policy-row">
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {CATEGORY_LABELS[row.category]}
                      </Text>
                      <Text size="xs" c="dimmed" className="custos-mono">
                        {row.category}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Switch
                        checked={row.enabled}
                        onChange={(e) => setRow(i, { enabled: e.currentTarget.checked })}
                        disabled={!mayChange || busy}
                        aria-label={`${CATEGORY_LABELS[row.category]} needs approval`}
                      />
                    </Table.Td>
                    <Table.Td>
                      <NumberInput
                        size="xs"
                        w={80}
                        min={1}
                        max={5}
                        clampBehavior="strict"
                        allowDecimal={false}
                        value={row.approvals}
                        onChange={(v) => setRow(i, { approvals: toInt(v, row.approvals) })}
                        disabled={!mayChange || busy || !row.enabled}
                        aria-label={`Approvals needed to ${CATEGORY_LABELS[row.category].toLowerCase()}`}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="sm">
                        {APPROVER_ROLES.map((r: Role) => (
                          <Checkbox
                            key={r}
                            size="xs"
                            label={roleLabel(r)}
                            checked={row.roles.includes(r)}
                            onChange={(e) =>
                              setRow(i, { roles: e.currentTarget.checked ? [...row.roles, r] : row.roles.filter((x) => x !== r) })
                            }
                            disabled={!mayChange || busy || !row.enabled}
                          />
                        ))}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group align="flex-end" justify="space-between">
            <NumberInput
              label="Requests expire after (hours)"
              min={1}
              max={720}
              clampBehavior="strict"
              allowDecimal={false}
              value={draft.expiryHours}
              onChange={(v) => setDraft((d) => ({ ...d, expiryHours: toInt(v, d.expiryHours) }))}
              disabled={!mayChange || busy}
              w={240}
            />
            {mayChange && (
              <Group gap="sm">
                <Button variant="default" onClick={() => setDraft(policyDraft(policy))} disabled={busy || !changed}>
                  Undo changes
                </Button>
                <Button type="submit" loading={busy} disabled={!changed}>
                  Request this change
                </Button>
              </Group>
            )}
          </Group>
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        </Stack>
      </form>
    </Paper>
  );
}

/** Vault settings: idle lock, and the dual-control policy (changed only through a request). */
export function Settings() {
  const me = useApp((s) => s.status?.user ?? null);
  const info = useApp((s) => s.info);
  const [settings, setSettings] = useState<SettingsData | null>(null);
  const [policy, setPolicy] = useState<DualControlPolicy | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);

  const maySettings = can(me?.role, 'settings.change');
  const mayPolicy = can(me?.role, 'policy.change');
  const denied = deniedReason(me?.role, 'settings.change', 'change settings and policies');

  useLoad(
    () => Promise.all([api.call('settings.get'), api.call('policy.dualControl.get')]),
    ([s, p]) => {
      setSettings(s);
      setPolicy(p);
      setFailure(null);
    },
    (err) => setFailure(failureOf('The settings could not be read', err)),
    [reload],
  );

  return (
    <Stack gap="md" maw={1000}>
      <div>
        <PageTitle>Settings</PageTitle>
        <Text size="sm" c="dimmed">
          Settings of this vault{info ? ` (${info.vaultPath})` : ''}. Every change is an audit event.
        </Text>
      </div>
      <ReadOnlyNote reason={denied} />
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {(!settings || !policy) && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading settings" />
        </Center>
      )}
      {settings && <IdleLockCard key={settings.idleLockMinutes} settings={settings} mayChange={maySettings} onSaved={setSettings} />}
      {policy && <PolicyCard policy={policy} mayChange={mayPolicy} onFiled={() => setReload((n) => n + 1)} />}
    </Stack>
  );
}
