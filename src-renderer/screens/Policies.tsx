import { Fragment, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import {
  Anchor,
  Badge,
  Box,
  Button,
  Center,
  Checkbox,
  Code,
  Grid,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  useComputedColorScheme,
  useMantineTheme,
} from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Finding } from '../../src-shared/contract';
import { api } from '../api/client';
import { ConfirmModal } from '../components/ConfirmModal';
import { ErrorAlert, PageTitle, PendingHint, RowToggle, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconChevron } from '../components/icons';
import { deniedReason } from '../lib/permissions';
import {
  appliesFromLabel,
  AS_OF_PRESETS,
  compositionRequest,
  dateOf,
  firedRules,
  isIsoDate,
  kindLabel,
  packChoices,
  packTitle,
  sameSelection,
  severityBars,
  severityColor,
  severityLabel,
  todayUtc,
  type Evaluation,
  type FiredRule,
  type PolicyView,
  type Severity,
} from '../lib/policy-view';
import { handleSessionError, reportOutcome } from '../state/actions';
import { useApp } from '../state/store';
import { loadWhileLive, useLoad } from '../state/load';

const EVALUATION_LIMIT = 500;

function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge color={severityColor(severity)} variant={severity === 'critical' ? 'filled' : 'light'} size="sm" className="custos-badge" data-testid="severity">
      {severityLabel(severity)}
    </Badge>
  );
}

/* ---------------- As of ---------------- */

function AsOfPicker({ asOf, onChange, busy }: { asOf: string | null; onChange: (d: string | null) => void; busy: boolean }) {
  const today = todayUtc();
  const [text, setText] = useState(asOf ?? today);
  useEffect(() => setText(asOf ?? todayUtc()), [asOf]);
  const invalid = text !== '' && !isIsoDate(text);
  const choose = (d: string | null) => onChange(d === today ? null : d);

  return (
    <Group align="flex-end" gap="sm" wrap="wrap">
      <TextInput
        type="date"
        label="As of (UTC)"
        value={text}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          if (isIsoDate(v)) choose(v);
        }}
        error={invalid ? 'Not a date.' : undefined}
        w={190}
        data-testid="as-of-input"
      />
      <Button variant={asOf === null ? 'filled' : 'default'} onClick={() => choose(null)} data-testid="as-of-today" aria-pressed={asOf === null}>
        Today
      </Button>
      {AS_OF_PRESETS.map((d) => (
        <Button key={d} variant={asOf === d ? 'filled' : 'default'} onClick={() => choose(d)} data-testid={`as-of-${d}`} aria-pressed={asOf === d}>
          {d}
        </Button>
      ))}
      {busy && <Loader size="sm" aria-label="Evaluating" />}
    </Group>
  );
}

/* ---------------- Findings ---------------- */

function SeverityChart({ bySeverity }: { bySeverity: Record<string, number> }) {
  const theme = useMantineTheme();
  const scheme = useComputedColorScheme('light', { getInitialValueInEffect: false });
  const data = severityBars(bySeverity);
  const ink = scheme === 'dark' ? theme.colors.dark[1] : theme.colors.gray[7];
  const grid = scheme === 'dark' ? theme.colors.dark[4] : theme.colors.gray[3];
  const fill = (s: Severity) => theme.colors[severityColor(s)]![scheme === 'dark' ? 7 : 6]!;
  const label = data.map((d) => `${d.label} ${d.count}`).join(', ');
  return (
    <Box role="img" aria-label={`Findings by severity: ${label}`} data-testid="severity-chart" h={220}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 20, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke={grid} />
          <XAxis dataKey="label" tick={{ fill: ink, fontSize: 12 }} stroke={grid} />
          <YAxis allowDecimals={false} tick={{ fill: ink, fontSize: 12 }} stroke={grid} />
          <Tooltip
            cursor={{ fill: scheme === 'dark' ? 'rgba(255,255,255,0.05)' : 'rgba(0,0,0,0.04)' }}
            contentStyle={{ background: scheme === 'dark' ? theme.colors.dark[6] : theme.white, borderColor: grid, borderRadius: 6 }}
            labelStyle={{ color: ink }}
            itemStyle={{ color: ink }}
            isAnimationActive={false}
          />
          <Bar dataKey="count" name="Findings" isAnimationActive={false} radius={[4, 4, 0, 0]} maxBarSize={56}>
            {data.map((d) => (
              <Cell key={d.severity} fill={fill(d.severity)} />
            ))}
            <LabelList dataKey="count" position="top" fill={ink} fontSize={12} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}

function FindingRow({ f }: { f: Finding }) {
  const navigate = useApp((s) => s.navigate);
  return (
    <Stack gap={2} py={6} data-testid="finding" data-key-name={f.keyName} style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
      <Group gap="xs" wrap="wrap">
        <Anchor component="button" type="button" size="sm" fw={600} onClick={() => navigate({ name: 'key', id: f.keyId })} data-testid="finding-key">
          {f.keyName}
        </Anchor>
        {f.status && (
          <Badge size="xs" variant="outline" color={severityColor(f.severity)} className="custos-badge">
            {f.status}
          </Badge>
        )}
        <Text size="xs" c="dimmed">
          {appliesFromLabel(f)} {dateOf(f.appliesFrom)}
        </Text>
      </Group>
      {f.detail && <Text size="sm">{f.detail}</Text>}
      <Text size="sm" c="dimmed">
        {f.explanation}
      </Text>
      <Text size="sm">
        <strong>Remediation:</strong> {f.remediation}
      </Text>
      {f.citation && (
        <Text size="xs" c="dimmed">
          {f.citation}
        </Text>
      )}
    </Stack>
  );
}

function FiredRulesTable({ rules, evaluation }: { rules: FiredRule[]; evaluation: Evaluation }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const onKey = (e: KeyboardEvent, id: string) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(id);
    }
  };
  const truncated = evaluation.findings.length < evaluation.total;

  return (
    <Stack gap={6}>
      <Table.ScrollContainer minWidth={480}>
        <Table aria-label="Rules that fired" verticalSpacing="xs" highlightOnHover data-testid="fired-rules">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}>
                <span className="custos-visually-hidden">Findings</span>
              </Table.Th>
              <Table.Th>Severity</Table.Th>
              <Table.Th>Rule</Table.Th>
              <Table.Th ta="right">Keys</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.map((r) => {
              const expanded = open.has(r.ruleId);
              return (
                <Fragment key={r.ruleId}>
                  <Table.Tr
                    className="custos-row"
                    tabIndex={0}
                    aria-expanded={expanded}
                    onClick={() => toggle(r.ruleId)}
                    onKeyDown={(e) => onKey(e, r.ruleId)}
                    data-testid="fired-rule"
                    data-rule-id={r.ruleId}
                  >
                    <Table.Td>
                      <RowToggle open={expanded} label={`${expanded ? 'Hide' : 'Show'} the findings of ${r.title}`} onToggle={() => toggle(r.ruleId)} />
                    </Table.Td>
                    <Table.Td w={90}>
                      <SeverityBadge severity={r.severity} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500} data-testid="fired-rule-title">
                        {r.title}
                      </Text>
                      <Group gap={6} wrap="wrap">
                        <Code fz="xs">{r.ruleId}</Code>
                        <Text size="xs" c="dimmed">
                          {r.packId}
                        </Text>
                      </Group>
                    </Table.Td>
                    <Table.Td ta="right" data-testid="fired-rule-count">
                      {r.count}
                    </Table.Td>
                  </Table.Tr>
                  {expanded && (
                    <Table.Tr>
                      <Table.Td />
                      <Table.Td colSpan={3} data-testid="fired-rule-findings">
                        {r.findings.map((f, i) => (
                          <FindingRow key={`${f.keyId}:${f.ruleId}:${i}`} f={f} />
                        ))}
                        {r.findings.length < r.count && (
                          <Text size="xs" c="dimmed" pt={4}>
                            {r.findings.length === 0 ? 'None of its findings' : `${r.findings.length} of its ${r.count} findings`} fit in the first{' '}
                            {EVALUATION_LIMIT} of the evaluation; the CLI (<Code fz="xs">custos policy evaluate --as-of {dateOf(evaluation.asOf)} --json</Code>)
                            lists all.
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Fragment>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {truncated && (
        <Text size="xs" c="dimmed">
          Counts cover every key; the details of the first {evaluation.findings.length} of {evaluation.total} findings are shown.
        </Text>
      )}
    </Stack>
  );
}

/* ---------------- Packs and rules ---------------- */

function CompositionEditor({ view, onRequested }: { view: PolicyView; onRequested: () => void }) {
  const role = useApp((s) => s.status?.user?.role ?? null);
  const denied = deniedReason(role, 'policy.change', 'change the policy');
  const choices = useMemo(() => packChoices(view.packs), [view.packs]);
  const active = view.packs.map((p) => p.id);
  const [chosen, setChosen] = useState<string[]>(active);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const request = compositionRequest(chosen, choices, view.disabledRules);
  const unchanged = sameSelection(chosen, active);
  const reason = denied ?? (unchanged ? 'Choose packs other than the active ones first.' : !request.ok ? request.error : null);

  const submit = async () => {
    if (!request.ok || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const outcome = await api.call('policy.setComposition', { packs: request.packs, disabledRules: request.disabledRules });
      setBusy(false);
      setConfirming(false);
      reportOutcome(outcome);
      onRequested();
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The policy change was not requested', err));
    }
  };

  return (
    <Stack gap="sm" data-testid="composition-editor">
      <Title order={4} fz="md">
        Compose packs
      </Title>
      <Text size="sm" c="dimmed">
        Changing the active packs is a policy change: it waits for another person&apos;s approval (dual control) and is audited. CNSA 2.0 is for
        national security systems and refuses much of what is generated today.
      </Text>
      <Checkbox.Group value={chosen} onChange={setChosen} aria-label="Policy packs">
        <Stack gap={6}>
          {choices.map((id) => {
            const pack = view.packs.find((p) => p.id === id);
            return (
              <Checkbox
                key={id}
                value={id}
                disabled={!!denied || busy}
                data-testid={`pack-choice-${id}`}
                label={
                  <Text size="sm" span>
                    {packTitle(id, view.packs)}{' '}
                    <Text span size="xs" c="dimmed">
                      ({id}
                      {pack ? ` ${pack.version}, active` : ''})
                    </Text>
                  </Text>
                }
              />
            );
          })}
        </Stack>
      </Checkbox.Group>
      <Group gap="sm">
        <GatedButton reason={reason} onClick={() => setConfirming(true)} testId="composition-request">
          Request the change…
        </GatedButton>
        {!unchanged && !denied && (
          <Button variant="subtle" color="gray" onClick={() => setChosen(active)} disabled={busy}>
            Reset
          </Button>
        )}
      </Group>
      {denied && (
        <Text size="xs" c="dimmed" data-testid="composition-denied">
          {denied}
        </Text>
      )}
      <ConfirmModal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title="Request a policy change?"
        confirmLabel="Request change"
        color="indigo"
        busy={busy}
        failure={failure}
        onConfirm={() => void submit()}
      >
        {request.ok && (
          <Stack gap={6}>
            <Text size="sm">The active policy would compose these packs, in this order:</Text>
            <Stack gap={2}>
              {request.packs.map((p) => (
                <Code key={p}>{p}</Code>
              ))}
            </Stack>
            {request.dropped.length > 0 && (
              <Text size="sm" c="orange">
                Disabled rules of removed packs are dropped: {request.dropped.join(', ')}.
              </Text>
            )}
            <Text size="sm">Another person must approve it before it applies.</Text>
          </Stack>
        )}
      </ConfirmModal>
    </Stack>
  );
}

function PacksAndRules({ view, onRequested }: { view: PolicyView; onRequested: () => void }) {
  const [showRules, setShowRules] = useState(false);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="packs-title">
      <Stack gap="md">
        <div>
          <Title order={3} fz="lg" id="packs-title">
            Active packs
          </Title>
          <Text size="sm" c="dimmed">
            {view.title} <Code fz="xs">{view.id}</Code> — packs are versioned data files under resources/policies/, applied in this order.
          </Text>
        </div>
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Active packs" verticalSpacing="xs" data-testid="active-packs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Pack</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th ta="right">Rules</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {view.packs.map((p) => (
                <Table.Tr key={p.id} data-testid="active-pack" data-pack-id={p.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {p.title}
                    </Text>
                    <Code fz="xs">{p.id}</Code>
                  </Table.Td>
                  <Table.Td>{p.version}</Table.Td>
                  <Table.Td ta="right">{p.ruleCount}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>

        {view.disabledRules.length > 0 && (
          <Text size="sm" data-testid="disabled-rules">
            Disabled rules:{' '}
            {view.disabledRules.map((r, i) => (
              <Fragment key={r}>
                {i > 0 && ', '}
                <Code fz="xs">{r}</Code>
              </Fragment>
            ))}
          </Text>
        )}

        <Group>
          <Button variant="default" size="xs" onClick={() => setShowRules((s) => !s)} aria-expanded={showRules} leftSection={<IconChevron open={showRules} size={14} />} data-testid="toggle-rules">
            {showRules ? 'Hide' : 'Show'} the {view.rules.length} active rules
          </Button>
        </Group>
        {showRules && (
          <Table.ScrollContainer minWidth={900}>
            <Table aria-label="Active rules" verticalSpacing={6} striped data-testid="rules-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Rule</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Severity</Table.Th>
                  <Table.Th>At generation</Table.Th>
                  <Table.Th>Effective from</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {view.rules.map((r) => (
                  <Table.Tr key={r.id} data-testid="rule-row" data-rule-id={r.id}>
                    <Table.Td>
                      <Text size="sm">{r.title}</Text>
                      <Code fz="xs">{r.id}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{kindLabel(r.kind)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <SeverityBadge severity={r.severity} />
                    </Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="outline" color={r.enforcement === 'block' ? 'red' : 'gray'} className="custos-badge">
                        {r.enforcement === 'block' ? 'blocks' : 'warns'}
                      </Badge>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="xs">{r.effectiveFrom}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}

        <CompositionEditor key={view.packs.map((p) => p.id).join(',')} view={view} onRequested={onRequested} />
      </Stack>
    </Paper>
  );
}

/* ---------------- The page ---------------- */

/** The active policy, and what it says about the inventory today or as of any date. */
export function Policies() {
  const [view, setView] = useState<PolicyView | null>(null);
  const [viewFailure, setViewFailure] = useState<Failure | null>(null);
  const [viewReload, setViewReload] = useState(0);
  /** Null: today (the core's clock). */
  const [asOf, setAsOf] = useState<string | null>(null);
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const [evalFailure, setEvalFailure] = useState<Failure | null>(null);
  const [evaluating, setEvaluating] = useState(false);

  useLoad(
    () => api.call('policy.view'),
    (v) => {
      setView(v);
      setViewFailure(null);
    },
    (err) => setViewFailure(failureOf('The policy could not be read', err)),
    [viewReload],
  );

  useEffect(() => {
    setEvaluating(true);
    return loadWhileLive(
      () => api.call('policy.evaluate', { limit: EVALUATION_LIMIT, ...(asOf ? { asOf } : {}) }),
      (r) => {
        setEvaluation(r);
        setEvalFailure(null);
        setEvaluating(false);
      },
      (err) => {
        setEvaluating(false);
        setEvalFailure(failureOf('The inventory could not be evaluated', err));
      },
    );
  }, [asOf, viewReload]);

  const rules = useMemo(() => (evaluation ? firedRules(evaluation) : []), [evaluation]);

  return (
    <Stack gap="lg">
      <div>
        <PageTitle>Policies</PageTitle>
        <Text size="sm" c="dimmed">
          Every key judged against the active policy — today, or as of any date: what becomes non-compliant when NIST IR 8547 deprecates 112-bit keys
          (2031-01-01) or disallows quantum-vulnerable ones (2036-01-01).
        </Text>
      </div>
      <PendingHint />

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="findings-title">
        <Stack gap="md">
          <Group justify="space-between" align="flex-end" wrap="wrap">
            <div>
              <Title order={3} fz="lg" id="findings-title">
                Findings
              </Title>
              <Text size="sm" c="dimmed" data-testid="evaluation-summary">
                {evaluation
                  ? `As of ${dateOf(evaluation.asOf)}: ${evaluation.total} ${evaluation.total === 1 ? 'finding' : 'findings'} from ${rules.length} ${rules.length === 1 ? 'rule' : 'rules'}.`
                  : 'Evaluating…'}
              </Text>
            </div>
            <AsOfPicker asOf={asOf} onChange={setAsOf} busy={evaluating} />
          </Group>
          {evalFailure && <ErrorAlert title={evalFailure.title} message={evalFailure.message} code={evalFailure.code} />}
          {!evaluation && !evalFailure && (
            <Center py="lg">
              <Loader aria-label="Evaluating the inventory" />
            </Center>
          )}
          {evaluation && (
            <Grid gap="lg">
              <Grid.Col span={{ base: 12, md: 4 }}>
                <Text size="sm" fw={600} mb={4}>
                  By severity
                </Text>
                <SeverityChart bySeverity={evaluation.bySeverity} />
              </Grid.Col>
              <Grid.Col span={{ base: 12, md: 8 }}>
                <Text size="sm" fw={600} mb={4}>
                  Rules that fired
                </Text>
                {rules.length === 0 ? (
                  <Text size="sm" c="dimmed" data-testid="no-findings">
                    No findings as of {dateOf(evaluation.asOf)}: every key meets the active policy.
                  </Text>
                ) : (
                  <FiredRulesTable rules={rules} evaluation={evaluation} />
                )}
              </Grid.Col>
            </Grid>
          )}
        </Stack>
      </Paper>

      {viewFailure && <ErrorAlert title={viewFailure.title} message={viewFailure.message} code={viewFailure.code} />}
      {!view && !viewFailure && <Loader size="sm" aria-label="Loading the policy" />}
      {view && <PacksAndRules view={view} onRequested={() => setViewReload((n) => n + 1)} />}
    </Stack>
  );
}
