import { useEffect, useMemo, useState, type FormEvent } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Code,
  Group,
  Loader,
  NumberInput,
  Paper,
  Progress,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  useComputedColorScheme,
  useMantineTheme,
} from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import type { RequestOutcome } from '../../src-shared/approvals';
import type { Finding } from '../../src-shared/contract';
import { isGeneratedAlgorithm, type KeyDetail, type KeySummary } from '../../src-shared/keys';
import type { Role } from '../../src-shared/users';
import { api } from '../api/client';
import { ConfirmModal } from '../components/ConfirmModal';
import { ErrorAlert, StateBadge, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconAlert } from '../components/icons';
import { localInputToIso } from '../lib/audit-query';
import { formatDateTime, stateLabel } from '../lib/format';
import {
  MAX_SEGMENTS,
  PHASE_COLORS,
  PHASE_LABELS,
  activationBlocked,
  deactivationBlocked,
  cancelBlocked,
  checkMaxUses,
  checkWholeDays,
  destroyBlocked,
  purposeLabel,
  rotateBlocked,
  scheduleBlocked,
  tickDate,
  timeline,
  versionDates,
  type KeyVersion,
  type Phase,
  type TimelineRow,
} from '../lib/key-versions';
import { shortId } from '../lib/outcome';
import { deniedReason } from '../lib/permissions';
import { AS_OF_PRESETS, groupBySeverity, severityColor, severityLabel } from '../lib/policy-view';
import { handleSessionError, reportOutcome } from '../state/actions';
import { useApp } from '../state/store';
import { loadWhileLive, useLoad } from '../state/load';

/*
 * The key page's versions and schedule: the SP 800-57 dates of every version on a timeline,
 * rotation, destruction under dual control with its waiting period, activation date and usage
 * limit, and what the active policy says about the key. Mounted by KeyDetail; every change reads
 * the key again and hands it up, so the page header and the audit history follow.
 */

type OnChanged = (k: KeySummary) => void;

/** Reads the key again (destroyAt, maxUses, useCount are not in a summary) and hands it up. */
async function reread(id: string, onChanged: OnChanged): Promise<void> {
  try {
    onChanged(await api.call('keys.get', { id }));
  } catch (err) {
    handleSessionError(err);
  }
}

/* ---------------- Rotation ---------------- */

/** "Rotate?" with the optional process-only period of the old version; used here and on the Tasks page. */
export function RotateModal({
  target,
  onClose,
  onRotated,
}: {
  target: { id: string; name: string; version?: number } | null;
  onClose: () => void;
  onRotated: OnChanged;
}) {
  const notify = useApp((s) => s.notify);
  const [days, setDays] = useState<number | string>('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const close = () => {
    if (busy) return;
    setDays('');
    setFailure(null);
    onClose();
  };

  const rotate = async () => {
    if (!target || busy) return;
    let processDays: number | undefined;
    if (days !== '') {
      const checked = checkWholeDays(days, 0, 3650, 'The process-only period');
      if (!checked.ok) {
        setFailure({ title: 'Check the period', message: checked.error });
        return;
      }
      processDays = checked.days;
    }
    setBusy(true);
    setFailure(null);
    try {
      const k = await api.call('keys.rotate', { id: target.id, ...(processDays !== undefined ? { processDays } : {}) });
      setBusy(false);
      setDays('');
      notify({ color: 'green', title: 'Key rotated', message: `${k.name} is now at version ${k.version} (active); the previous version only verifies and decrypts.` });
      onRotated(k);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The key was not rotated', err));
    }
  };

  const from = target?.version;
  return (
    <ConfirmModal
      opened={target !== null}
      onClose={close}
      title={target ? `Rotate ${target.name}?` : 'Rotate'}
      confirmLabel="Rotate"
      color="indigo"
      busy={busy}
      failure={failure}
      onConfirm={() => void rotate()}
    >
      <Text size="sm">
        A new version{from ? ` (${from + 1})` : ''} is generated with the same algorithm, usage and store and becomes <strong>active</strong>. The current
        version{from ? ` (${from})` : ''} becomes <strong>deactivated</strong>: it may still verify, decrypt and unwrap until its process-stop date, never sign,
        encrypt or wrap again.
      </Text>
      <NumberInput
        label="Process-only period of the old version (days)"
        description="How long the old version may still verify and decrypt. Empty: 365 days."
        placeholder="365"
        min={0}
        max={3650}
        allowDecimal={false}
        allowNegative={false}
        value={days}
        onChange={setDays}
        disabled={busy}
        data-testid="rotate-process-days"
      />
    </ConfirmModal>
  );
}

/* ---------------- Destruction ---------------- */

function DestroyModal({ keyData, opened, onClose, onRequested }: { keyData: KeyDetail; opened: boolean; onClose: () => void; onRequested: (o: RequestOutcome) => void }) {
  const [days, setDays] = useState<number | string>('');
  const [defaultDays, setDefaultDays] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  // The waiting period starts from the vault's setting (default 7 days).
  useEffect(() => {
    if (!opened) return;
    return loadWhileLive(
      () => api.call('settings.get'),
      (s) => {
        setDefaultDays(s.destructionWaitDays);
        setDays((d) => (d === '' ? s.destructionWaitDays : d));
      },
      () => {
        setDefaultDays(7);
        setDays((d) => (d === '' ? 7 : d));
      },
    );
  }, [opened]);

  const close = () => {
    if (busy) return;
    setDays('');
    setFailure(null);
    onClose();
  };

  const request = async () => {
    if (busy) return;
    const checked = checkWholeDays(days, 1, 90, 'The waiting period');
    if (!checked.ok) {
      setFailure({ title: 'Check the waiting period', message: checked.error });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const outcome = await api.call('keys.destroy', { id: keyData.id, afterDays: checked.days });
      setBusy(false);
      setDays('');
      onRequested(outcome);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The destruction was not requested', err));
    }
  };

  return (
    <ConfirmModal
      opened={opened}
      onClose={close}
      title={`Schedule the destruction of ${keyData.name}?`}
      confirmLabel="Request destruction"
      busy={busy}
      failure={failure}
      onConfirm={() => void request()}
    >
      <Text size="sm">
        Destruction is under <strong>dual control</strong>: another person must approve the request. Once approved, the key material is erased after the
        waiting period{keyData.store === 'token' ? ' (the token objects with C_DestroyObject, when the token is present and logged in)' : ''}; until then it
        can be cancelled. The key stays in the inventory as a tombstone in state Destroyed, with its public key and history.
      </Text>
      <NumberInput
        label="Waiting period after approval (days)"
        description={defaultDays !== null ? `1 to 90 days; the vault's setting is ${defaultDays}.` : '1 to 90 days.'}
        min={1}
        max={90}
        allowDecimal={false}
        allowNegative={false}
        value={days}
        onChange={setDays}
        disabled={busy || defaultDays === null}
        rightSection={defaultDays === null ? <Loader size="xs" /> : undefined}
        data-testid="destroy-after-days"
      />
    </ConfirmModal>
  );
}

/** "Will be destroyed at …" with the way back, while the waiting period runs. */
export function DestructionBanner({ keyData, role, onChanged }: { keyData: KeyDetail; role: Role | null; onChanged: OnChanged }) {
  const notify = useApp((s) => s.notify);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  if (!keyData.destroyAt) return null;
  const reason = deniedReason(role, 'keys.lifecycle', 'cancel a destruction') ?? cancelBlocked(keyData.destroyAt, Date.now());
  const due = Date.parse(keyData.destroyAt) <= Date.now();

  const cancel = async () => {
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      await api.call('keys.cancelDestruction', { id: keyData.id });
      setBusy(false);
      notify({ color: 'green', title: 'Destruction cancelled', message: `${keyData.name} will not be destroyed.` });
      await reread(keyData.id, onChanged);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The destruction was not cancelled', err));
    }
  };

  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlert />}
      role="status"
      title={`Will be destroyed at ${formatDateTime(keyData.destroyAt)}`}
      data-testid="destruction-banner"
    >
      <Stack gap="xs">
        <Text size="sm">
          {due
            ? 'The waiting period is over: the material is erased as soon as the core can (a token key needs its token present and logged in).'
            : 'The destruction was approved. The key material is erased then; the key stays as a tombstone. Until then it can be cancelled.'}
        </Text>
        <Group>
          <GatedButton reason={reason} onClick={() => void cancel()} loading={busy} size="xs" variant="white" color="red" testId="cancel-destruction">
            Cancel destruction
          </GatedButton>
        </Group>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      </Stack>
    </Alert>
  );
}

/* ---------------- The timeline chart ---------------- */

function usePhaseColors(): (phase: Phase | null) => string {
  const theme = useMantineTheme();
  const scheme = useComputedColorScheme('light', { getInitialValueInEffect: false });
  return (phase) => {
    if (!phase) return 'transparent';
    const palette = theme.colors[PHASE_COLORS[phase]] ?? theme.colors.gray;
    return palette[scheme === 'dark' ? 7 : phase === 'process-only' ? 5 : 6]!;
  };
}

function TimelineTooltip({ active, payload }: TooltipContentProps) {
  const row = active ? (payload?.[0]?.payload as TimelineRow | undefined) : undefined;
  if (!row) return null;
  return (
    <Paper withBorder shadow="sm" p="xs" radius="sm">
      <Text size="sm" fw={600}>
        Version {row.version} · {stateLabel(row.state)}
      </Text>
      {versionDates(row.dates).map((d) => (
        <Text size="xs" key={d.label}>
          {d.label}: {formatDateTime(d.at)}
        </Text>
      ))}
    </Paper>
  );
}

/** One horizontal bar per version, from generation to deactivation, process-stop or destruction, in state colours. */
export function VersionTimeline({ versions, plan = null }: { versions: KeyVersion[]; plan?: { version: number; deactivationAt: string | null } | null }) {
  const colorOf = usePhaseColors();
  const theme = useMantineTheme();
  const scheme = useComputedColorScheme('light', { getInitialValueInEffect: false });
  const [now] = useState(() => Date.now());
  const planVersion = plan?.version ?? null;
  const planAt = plan?.deactivationAt ?? null;
  const t = useMemo(() => timeline(versions, now, planVersion !== null ? { version: planVersion, deactivationAt: planAt } : null), [versions, now, planVersion, planAt]);
  const span = t.end - t.start;
  const ink = scheme === 'dark' ? theme.colors.dark[1] : theme.colors.gray[7];
  const grid = scheme === 'dark' ? theme.colors.dark[4] : theme.colors.gray[3];
  const present = new Set(t.rows.flatMap((r) => r.phases));
  const phases = (Object.keys(PHASE_LABELS) as Phase[]).filter((p) => present.has(p));
  const summary = t.rows
    .map((r) => `version ${r.version} ${stateLabel(r.state).toLowerCase()}: ${r.segments.map((s) => `${PHASE_LABELS[s.phase].toLowerCase()} from ${tickDate(s.from)}${s.to ? ` to ${tickDate(s.to)}` : ''}`).join(', ')}`)
    .join('; ');
  const height = 56 + t.rows.length * 34;

  return (
    <Stack gap={6}>
      <Box role="img" aria-label={`Timeline of the key's versions: ${summary}`} data-testid="version-timeline" h={height}>
        <ResponsiveContainer width="100%" height={height}>
          <BarChart layout="vertical" data={t.rows} margin={{ top: 16, right: 24, bottom: 4, left: 4 }} barCategoryGap={8}>
            <CartesianGrid horizontal={false} stroke={grid} />
            <XAxis
              type="number"
              domain={[0, span]}
              tickFormatter={(v: number) => tickDate(t.start + v)}
              tick={{ fill: ink, fontSize: 12 }}
              stroke={grid}
              tickCount={6}
              allowDataOverflow
            />
            <YAxis type="category" dataKey="label" width={36} tick={{ fill: ink, fontSize: 12 }} stroke={grid} />
            <Tooltip content={TimelineTooltip} cursor={{ fill: scheme === 'dark' ? 'rgba(255,255,255,0.05)' : 'rgba(0,0,0,0.04)' }} isAnimationActive={false} />
            <Bar dataKey="offset" stackId="t" fill="transparent" isAnimationActive={false} />
            {Array.from({ length: MAX_SEGMENTS }, (_, i) => (
              <Bar key={i} dataKey={`s${i}`} stackId="t" isAnimationActive={false} minPointSize={0}>
                {t.rows.map((r) => (
                  <Cell key={r.version} fill={colorOf(r.phases[i] ?? null)} />
                ))}
              </Bar>
            ))}
            <ReferenceLine x={t.now - t.start} stroke={ink} strokeDasharray="4 3" label={{ value: 'now', position: 'top', fill: ink, fontSize: 11 }} />
          </BarChart>
        </ResponsiveContainer>
      </Box>
      <Group gap="md" wrap="wrap" aria-hidden="true">
        {phases.map((p) => (
          <Group gap={6} key={p} wrap="nowrap">
            <Box w={12} h={12} style={{ background: colorOf(p), borderRadius: 3 }} />
            <Text size="xs" c="dimmed">
              {PHASE_LABELS[p]}
            </Text>
          </Group>
        ))}
      </Group>
    </Stack>
  );
}

function VersionsTable({ versions }: { versions: KeyVersion[] }) {
  const date = (iso: string | null) =>
    iso ? (
      <Text size="xs" title={formatDateTime(iso)} style={{ whiteSpace: 'nowrap' }}>
        {formatDateTime(iso).replace(/:\d{2} UTC$/, '')}
      </Text>
    ) : (
      <Text size="xs" c="dimmed">
        —
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={840}>
      <Table aria-label="Key versions (dates in UTC)" verticalSpacing={6} data-testid="versions-table">
        <Table.Caption>Dates in UTC; hover for the seconds.</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Generated</Table.Th>
            <Table.Th>Activation</Table.Th>
            <Table.Th>Deactivation</Table.Th>
            <Table.Th>Process-stop</Table.Th>
            <Table.Th>Compromise</Table.Th>
            <Table.Th>Destruction</Table.Th>
            <Table.Th>Fingerprint / KCV</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...versions]
            .sort((a, b) => b.version - a.version)
            .map((v) => (
              <Table.Tr key={v.version} data-testid="version-row" data-version={v.version} data-state={v.state}>
                <Table.Td>v{v.version}</Table.Td>
                <Table.Td>
                  <StateBadge state={v.state} testId="version-state" />
                </Table.Td>
                <Table.Td>{date(v.generatedAt)}</Table.Td>
                <Table.Td>{date(v.activationAt)}</Table.Td>
                <Table.Td>{date(v.deactivatedAt)}</Table.Td>
                <Table.Td>{date(v.processStopAt)}</Table.Td>
                <Table.Td>{date(v.compromisedAt)}</Table.Td>
                <Table.Td>{date(v.destroyedAt)}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace" style={{ whiteSpace: 'nowrap' }} title={v.fingerprint ?? v.kcv ?? ''}>
                    {v.fingerprint ? `${v.fingerprint.slice(0, 12)}…` : (v.kcv ?? '—')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/* ---------------- Scheduling: activation date and usage limit ---------------- */

type DateField = 'activationAt' | 'deactivationAt';

const DATE_FORMS: Record<DateField, { label: string; hint: string; saved: string; cleared: string; what: string; testId: string }> = {
  activationAt: {
    label: 'Activation date (UTC)',
    hint: 'The key activates by itself at this time (checked every minute while the vault is open).',
    saved: 'activates by itself at',
    cleared: 'waits to be activated by hand.',
    what: 'The activation date',
    testId: 'activation',
  },
  deactivationAt: {
    label: 'Deactivation date (UTC)',
    hint: 'The protect-stop date: from then on the key only verifies and decrypts, by itself.',
    saved: 'stops protecting (deactivates) by itself at',
    cleared: 'has no deactivation date.',
    what: 'The deactivation date',
    testId: 'deactivation',
  },
};

/** A date the key acts on by itself: activation (pre-active keys) or deactivation (protect-stop). */
function DateForm({ keyData, field, current, reason, onChanged }: { keyData: KeyDetail; field: DateField; current: string | null; reason: string | null; onChanged: OnChanged }) {
  const notify = useApp((s) => s.notify);
  const words = DATE_FORMS[field];
  const [value, setValue] = useState(current ? current.slice(0, 16) : '');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [error, setError] = useState<string | null>(null);

  const save = async (at: string | null) => {
    if (busy) return;
    setFailure(null);
    setBusy(true);
    try {
      await api.call('keys.schedule', { id: keyData.id, [field]: at });
      setBusy(false);
      notify({
        color: 'green',
        title: at ? `${words.what} is set` : `${words.what} is cleared`,
        message: at ? `${keyData.name} ${words.saved} ${formatDateTime(at)}.` : `${keyData.name} ${words.cleared}`,
      });
      if (!at) setValue('');
      await reread(keyData.id, onChanged);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf(`${words.what} was not saved`, err));
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reason) return;
    const iso = localInputToIso(value);
    if (!iso) {
      setError('Choose a date and time (UTC).');
      return;
    }
    setError(null);
    void save(iso);
  };

  return (
    <form onSubmit={submit} noValidate aria-label={words.label}>
      <Stack gap={6}>
        <Group align="flex-end" gap="sm">
          <TextInput
            type="datetime-local"
            label={words.label}
            description={current ? `Scheduled: ${formatDateTime(current)}` : words.hint}
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={error}
            disabled={!!reason || busy}
            w={340}
            data-testid={`${words.testId}-at`}
          />
          <GatedButton type="submit" reason={reason} loading={busy} onClick={() => undefined} variant="light" testId={`${words.testId}-save`}>
            Schedule
          </GatedButton>
          {current && !reason && (
            <Button variant="subtle" color="gray" onClick={() => void save(null)} disabled={busy} data-testid={`${words.testId}-clear`}>
              Clear
            </Button>
          )}
        </Group>
        {reason && (
          <Text size="xs" c="dimmed">
            {reason}
          </Text>
        )}
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      </Stack>
    </form>
  );
}

/** Manual or automatic rotation when the policy's cryptoperiod ends. */
function RotationModeForm({ keyData, reason, onChanged }: { keyData: KeyDetail; reason: string | null; onChanged: OnChanged }) {
  const notify = useApp((s) => s.notify);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const change = async (rotation: 'manual' | 'auto') => {
    if (busy || reason || rotation === keyData.rotation) return;
    setBusy(true);
    setFailure(null);
    try {
      await api.call('keys.schedule', { id: keyData.id, rotation });
      setBusy(false);
      notify({
        color: 'green',
        title: 'Rotation mode saved',
        message: rotation === 'auto' ? `${keyData.name} rotates by itself when its cryptoperiod ends.` : `${keyData.name} is rotated by hand; due rotations show under Tasks.`,
      });
      await reread(keyData.id, onChanged);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The rotation mode was not saved', err));
    }
  };

  return (
    <Stack gap={6}>
      <Text size="sm" fw={500} id="rotation-mode-label">
        Rotation when the cryptoperiod ends
      </Text>
      <SegmentedControl
        aria-labelledby="rotation-mode-label"
        value={keyData.rotation}
        onChange={(v) => void change(v === 'auto' ? 'auto' : 'manual')}
        data={[
          { value: 'manual', label: 'By hand (a task)' },
          { value: 'auto', label: 'By itself' },
        ]}
        disabled={!!reason || busy}
        w="fit-content"
        data-testid="rotation-mode"
      />
      <Text size="xs" c="dimmed">
        {reason ?? 'By itself: the core rotates the key while the vault is unlocked, when the active policy\'s cryptoperiod for it ends.'}
      </Text>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
    </Stack>
  );
}

function UsageLimitForm({ keyData, reason, onChanged }: { keyData: KeyDetail; reason: string | null; onChanged: OnChanged }) {
  const notify = useApp((s) => s.notify);
  const [value, setValue] = useState<number | string>(keyData.maxUses ?? '');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [error, setError] = useState<string | null>(null);
  const unchanged = (value === '' ? null : Number(value)) === keyData.maxUses;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || reason) return;
    const checked = checkMaxUses(value, keyData.useCount);
    if (!checked.ok) {
      setError(checked.error);
      return;
    }
    setError(null);
    setFailure(null);
    setBusy(true);
    try {
      await api.call('keys.schedule', { id: keyData.id, maxUses: checked.maxUses });
      setBusy(false);
      notify({
        color: 'green',
        title: 'Usage limit saved',
        message: checked.maxUses === null ? `${keyData.name} has no usage limit.` : `${keyData.name} may be used ${checked.maxUses} times per version.`,
      });
      await reread(keyData.id, onChanged);
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The usage limit was not saved', err));
    }
  };

  const max = keyData.maxUses;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Usage limit">
      <Stack gap={6}>
        <Group gap="xs" data-testid="usage-count">
          <Text size="sm">
            Used <strong>{keyData.useCount}</strong> {keyData.useCount === 1 ? 'time' : 'times'} (this version){max !== null ? ` of at most ${max}` : ', no limit'}.
          </Text>
        </Group>
        {max !== null && (
          <Progress
            value={Math.min(100, (keyData.useCount / max) * 100)}
            color={keyData.useCount >= max ? 'red' : keyData.useCount / max > 0.8 ? 'orange' : 'indigo'}
            aria-label="Uses of the limit"
            maw={420}
          />
        )}
        <Group align="flex-end" gap="sm">
          <NumberInput
            label="Usage limit (operations per version)"
            description="Signatures, encryptions and wraps; reaching it refuses further use until the key is rotated. Empty: no limit."
            placeholder="No limit"
            min={1}
            allowDecimal={false}
            allowNegative={false}
            value={value}
            onChange={setValue}
            error={error}
            disabled={!!reason || busy}
            w={300}
            data-testid="max-uses"
          />
          <GatedButton type="submit" reason={reason ?? (unchanged ? 'Type a different limit first.' : null)} loading={busy} onClick={() => undefined} variant="light" testId="max-uses-save">
            Save limit
          </GatedButton>
        </Group>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      </Stack>
    </form>
  );
}

/* ---------------- Policy findings for this key ---------------- */

function FindingItem({ f }: { f: Finding }) {
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="key-finding" data-rule-id={f.ruleId} data-severity={f.severity}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap">
          <Badge color={severityColor(f.severity)} variant={f.severity === 'critical' ? 'filled' : 'light'} size="sm" className="custos-badge">
            {severityLabel(f.severity)}
          </Badge>
          {f.enforcement === 'block' && (
            <Badge color="red" variant="outline" size="sm" className="custos-badge" title="The policy refuses such keys at generation and import">
              blocks generation
            </Badge>
          )}
          <Text size="sm" fw={600}>
            {f.title}
          </Text>
        </Group>
        <Text size="xs" c="dimmed">
          <Code fz="xs">{f.ruleId}</Code> · {f.packId} · applies from {f.appliesFrom.slice(0, 10)}
          {f.citation ? ` · ${f.citation}` : ''}
        </Text>
        {f.detail && <Text size="sm">{f.detail}</Text>}
        <Text size="sm">{f.explanation}</Text>
        <Text size="sm">
          <strong>Remediation:</strong> {f.remediation}
        </Text>
      </Stack>
    </Paper>
  );
}

/** What the active policy says about this key, today or as of a coming date. */
export function KeyFindings({ keyData }: { keyData: KeyDetail }) {
  const navigate = useApp((s) => s.navigate);
  const [asOf, setAsOf] = useState<string>('today');
  const [result, setResult] = useState<{ asOf: string; total: number; findings: Finding[] } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  useEffect(() => {
    setFailure(null);
    return loadWhileLive(
      () => api.call('policy.evaluate', { keyId: keyData.id, limit: 200, ...(asOf === 'today' ? {} : { asOf }) }),
      setResult,
      (err) => setFailure(failureOf('The policy could not be evaluated', err)),
    );
  }, [keyData.id, keyData.state, keyData.version, keyData.purpose, keyData.usageMask, asOf]);

  const groups = result ? groupBySeverity(result.findings) : [];
  const judged = !['compromised', 'destroyed', 'destroyed-compromised'].includes(keyData.state);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="key-findings-title" data-testid="key-findings">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <div>
            <Title order={3} fz="lg" id="key-findings-title">
              Policy findings
            </Title>
            <Text size="sm" c="dimmed">
              This key judged by the active policy —{' '}
              <Anchor component="button" type="button" fz="inherit" onClick={() => navigate({ name: 'policies' })}>
                see the Policies page
              </Anchor>
              . Compromised and destroyed keys are not judged.
            </Text>
          </div>
          <SegmentedControl
            aria-label="Findings as of"
            size="xs"
            value={asOf}
            onChange={setAsOf}
            data={[{ value: 'today', label: 'Today' }, ...AS_OF_PRESETS.map((d) => ({ value: d, label: d }))]}
          />
        </Group>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {!result && !failure && <Loader size="sm" aria-label="Evaluating the policy" />}
        {result && result.total === 0 && (
          <Text size="sm" c="dimmed" data-testid="key-findings-none">
            {judged
              ? `No findings as of ${result.asOf.slice(0, 10)}: the key meets the active policy.`
              : `A ${stateLabel(keyData.state).toLowerCase()} key is not judged by the policy: it protects nothing any more.`}
          </Text>
        )}
        {groups.map((g) => (
          <Stack gap={6} key={g.severity}>
            <Text size="xs" fw={700} tt="uppercase" c="dimmed">
              {severityLabel(g.severity)} ({g.findings.length})
            </Text>
            {g.findings.map((f, i) => (
              // One rule can find a key more than once (an analysis finding per certificate).
              <FindingItem key={`${f.ruleId}:${i}`} f={f} />
            ))}
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}

/* ---------------- The section ---------------- */

/** Versions, rotation, destruction, schedule and policy findings of one key. */
export function KeyVersions({ keyData, role, onChanged }: { keyData: KeyDetail; role: Role | null; onChanged: OnChanged }) {
  const [versions, setVersions] = useState<KeyVersion[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [rotating, setRotating] = useState(false);
  const [destroying, setDestroying] = useState(false);
  const [pending, setPending] = useState<RequestOutcome | null>(null);
  const navigate = useApp((s) => s.navigate);

  useLoad(
    () => api.call('keys.versions', { id: keyData.id }),
    (v) => {
      setVersions(v);
      setFailure(null);
    },
    (err) => setFailure(failureOf('The versions could not be read', err)),
    [keyData.id, keyData.version, keyData.state, keyData.destroyAt],
  );

  // A destruction that got scheduled (or cancelled) is no longer waiting for approval.
  useEffect(() => {
    if (keyData.destroyAt) setPending(null);
  }, [keyData.destroyAt]);

  const rotateReason =
    deniedReason(role, 'keys.generate', 'rotate keys') ??
    (isGeneratedAlgorithm(keyData.algorithm) ? null : 'An imported key of an algorithm Custos does not generate cannot be rotated here; replace it where it is used.') ??
    rotateBlocked(keyData.state);
  const destroyReason =
    deniedReason(role, 'keys.lifecycle', 'request the destruction of keys') ??
    destroyBlocked(keyData.state, keyData.destroyAt) ??
    (pending ? 'A destruction request for this key is waiting for approval.' : null);
  const lifecycleDenied = deniedReason(role, 'keys.lifecycle', 'schedule keys');

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="versions-title" data-testid="versions-panel">
      <Stack gap="md">
        <div>
          <Title order={3} fz="lg" id="versions-title">
            Versions and schedule
          </Title>
          <Text size="sm" c="dimmed">
            Each rotation adds a version; the SP 800-57 dates of every version, and what comes next.
          </Text>
        </div>

        <Group gap="xl" wrap="wrap">
          <Text size="sm">
            Purpose:{' '}
            <Text span fw={600} data-testid="key-purpose">
              {purposeLabel(keyData.purpose)}
            </Text>
          </Text>
          <Text size="sm">
            Current version:{' '}
            <Text span fw={600} data-testid="key-version">
              {keyData.version}
            </Text>
          </Text>
        </Group>

        <Group gap="xs" wrap="wrap">
          <GatedButton reason={rotateReason} onClick={() => setRotating(true)} testId="rotate-key">
            Rotate…
          </GatedButton>
          <GatedButton reason={destroyReason} onClick={() => setDestroying(true)} variant="light" color="red" testId="schedule-destruction">
            Schedule destruction…
          </GatedButton>
        </Group>

        {pending && (
          <Alert color="yellow" variant="light" title="Waiting for approval" data-testid="destruction-pending">
            <Text size="sm">
              Request {pending.requestId ? shortId(pending.requestId) : ''}: {pending.summary}. Another person must approve it in{' '}
              <Anchor component="button" type="button" fz="inherit" onClick={() => navigate({ name: 'approvals' })}>
                Approvals
              </Anchor>
              ; the waiting period starts then.
            </Text>
          </Alert>
        )}

        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {!versions && !failure && <Loader size="sm" aria-label="Loading versions" />}
        {versions && versions.length > 0 && (
          <>
            <VersionTimeline versions={versions} plan={{ version: keyData.version, deactivationAt: keyData.deactivationAt }} />
            <VersionsTable versions={versions} />
          </>
        )}

        <Stack gap="md">
          <Title order={4} fz="md">
            Schedule and limits
          </Title>
          <DateForm
            key={`a:${keyData.state}:${keyData.activationAt ?? ''}`}
            keyData={keyData}
            field="activationAt"
            current={keyData.state === 'pre-active' ? keyData.activationAt : null}
            reason={lifecycleDenied ?? activationBlocked(keyData.state)}
            onChanged={onChanged}
          />
          <DateForm
            key={`d:${keyData.state}:${keyData.deactivationAt ?? ''}`}
            keyData={keyData}
            field="deactivationAt"
            current={deactivationBlocked(keyData.state) ? null : keyData.deactivationAt}
            reason={lifecycleDenied ?? deactivationBlocked(keyData.state)}
            onChanged={onChanged}
          />
          <UsageLimitForm key={`${keyData.maxUses ?? ''}`} keyData={keyData} reason={lifecycleDenied ?? scheduleBlocked(keyData.state)} onChanged={onChanged} />
          <RotationModeForm keyData={keyData} reason={lifecycleDenied ?? scheduleBlocked(keyData.state)} onChanged={onChanged} />
        </Stack>
      </Stack>

      <RotateModal
        target={rotating ? { id: keyData.id, name: keyData.name, version: keyData.version } : null}
        onClose={() => setRotating(false)}
        onRotated={(k) => {
          setRotating(false);
          onChanged(k);
          void reread(keyData.id, onChanged);
        }}
      />
      <DestroyModal
        keyData={keyData}
        opened={destroying}
        onClose={() => setDestroying(false)}
        onRequested={(outcome) => {
          setDestroying(false);
          reportOutcome(outcome);
          if (outcome.status === 'pending') setPending(outcome);
          void reread(keyData.id, onChanged);
        }}
      />
    </Paper>
  );
}

/** The section and the key's findings, as KeyDetail mounts them. */
export function KeyPlanning(props: { keyData: KeyDetail; role: Role | null; onChanged: OnChanged }) {
  return (
    <>
      <KeyVersions {...props} />
      <KeyFindings keyData={props.keyData} />
    </>
  );
}
