import { startTransition, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { Box, Button, Center, EmptyState, Grid, Group, Loader, Paper, RingProgress, SimpleGrid, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import type { ComplianceScore, InventoryAggregates, InventoryFilter } from '../../src-shared/contract-inventory';
import { api } from '../api/client';
import { ChartBars } from '../components/ChartBars';
import { ChartHistogram } from '../components/ChartHistogram';
import { ChartCard, useChartColors } from '../components/ChartKit';
import { ChartPie } from '../components/ChartPie';
import { DeniedButton, ErrorAlert, PageTitle, failureOf, type Failure } from '../components/common';
import { IconKey, IconList, IconPlus, IconReport } from '../components/icons';
import {
  ageHistogram,
  byAlgorithm,
  byPurpose,
  byState,
  byStore,
  certificateMonths,
  certificatesWithin,
  complianceRules,
  dueWithinMonths,
  findingRules,
  findingsBySeverity,
  rotationsDue,
  scoreColor,
  scoreSentence,
  scoreText,
  type Datum,
} from '../lib/dashboard';
import { deniedReason } from '../lib/permissions';
import { AS_OF_PRESETS, isIsoDate } from '../lib/policy-view';
import { openInventory } from '../state/inventory';
import { useApp } from '../state/store';
import { loadWhileLive } from '../state/load';

/** A number that opens the inventory on its keys. */
function Kpi({ label, value, hint, filter, color, testId }: { label: string; value: string; hint?: string; filter?: InventoryFilter | null; color?: string; testId: string }) {
  const body = (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={26} fw={800} c={color} style={{ fontVariantNumeric: 'tabular-nums' }} data-testid={`${testId}-value`}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Stack>
  );
  return (
    <Paper withBorder radius="md" p="sm" data-testid={testId}>
      {filter ? (
        <UnstyledButton onClick={() => openInventory(filter)} w="100%" aria-label={`${label}: ${value}. Show these keys`}>
          {body}
        </UnstyledButton>
      ) : (
        body
      )}
    </Paper>
  );
}

function RuleList({ rules, testId, empty }: { rules: Datum[]; testId: string; empty: string }) {
  const colors = useChartColors();
  if (rules.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {empty}
      </Text>
    );
  const max = Math.max(...rules.map((r) => r.count), 1);
  return (
    <Stack gap={4} role="list" aria-label="Rules">
      {rules.slice(0, 10).map((r) => (
        <UnstyledButton
          key={r.id}
          role="listitem"
          onClick={() => r.filter && openInventory(r.filter)}
          data-testid={`${testId}-item`}
          aria-label={`${r.label}: ${r.count.toLocaleString('en')} keys, show them`}
        >
          <Group gap={8} wrap="nowrap" justify="space-between">
            <Text size="xs" truncate="end" title={r.label}>
              {r.label}
            </Text>
            <Text size="xs" fw={600} style={{ fontVariantNumeric: 'tabular-nums' }}>
              {r.count.toLocaleString('en')}
            </Text>
          </Group>
          <div style={{ height: 4, borderRadius: 2, background: colors.grid }}>
            <div style={{ height: 4, borderRadius: 2, width: `${(100 * r.count) / max}%`, background: colors.fill(r.color ?? 'indigo') }} />
          </div>
        </UnstyledButton>
      ))}
      {rules.length > 10 && (
        <Text size="xs" c="dimmed">
          and {rules.length - 10} more rules
        </Text>
      )}
    </Stack>
  );
}

function Score({ score, title, testId }: { score: ComplianceScore; title: string; testId: string }) {
  const colors = useChartColors();
  const color = score.judged === 0 ? 'gray' : scoreColor(score.score);
  return (
    <Group gap="sm" wrap="nowrap" data-testid={testId} data-score={score.score}>
      <RingProgress
        size={92}
        thickness={9}
        roundCaps
        sections={[{ value: score.judged === 0 ? 0 : score.score, color: colors.fill(color) }]}
        label={
          <Text ta="center" fw={800} size="sm" data-testid={`${testId}-value`}>
            {score.judged === 0 ? '—' : scoreText(score.score)}
          </Text>
        }
      />
      <Stack gap={2}>
        <Text size="sm" fw={700}>
          {title}
        </Text>
        <Text size="xs" c="dimmed" maw={260}>
          {scoreSentence(score)}
        </Text>
      </Stack>
    </Group>
  );
}

function CompareDate({ value, onChange, busy }: { value: string; onChange: (d: string) => void; busy: boolean }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <Group gap={6} align="flex-end" wrap="wrap">
      {AS_OF_PRESETS.map((d) => (
        <Button key={d} size="xs" variant={value === d ? 'filled' : 'default'} aria-pressed={value === d} onClick={() => onChange(d)} data-testid={`compare-${d}`}>
          {d}
        </Button>
      ))}
      <TextInput
        type="date"
        size="xs"
        aria-label="Compare with the compliance as of (UTC)"
        value={text}
        w={150}
        onChange={(e) => {
          setText(e.currentTarget.value);
          if (isIsoDate(e.currentTarget.value)) onChange(e.currentTarget.value);
        }}
        data-testid="compare-date"
      />
      {busy && <Loader size="xs" aria-label="Computing" />}
    </Group>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return (
    <Center mih={120}>
      <Text size="sm" c="dimmed" ta="center" maw={320}>
        {children}
      </Text>
    </Center>
  );
}

/**
 * The estate at a glance: every chart element and number opens the inventory on exactly the keys
 * it counts (the core hands each element its filter). One `inventory.aggregates` call per date.
 */
export function Dashboard() {
  const navigate = useApp((s) => s.navigate);
  const role = useApp((s) => s.status?.user?.role ?? null);
  const generateDenied = deniedReason(role, 'keys.generate', 'generate keys');
  const [compare, setCompare] = useState<string>(AS_OF_PRESETS[0]);
  const [data, setData] = useState<InventoryAggregates | null>(null);
  const [busy, setBusy] = useState(true);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);
  const painted = useRef(false);
  /** The charts below the fold are drawn after the first paint (see the effect below). */
  const [belowFold, setBelowFold] = useState(false);

  // A layout effect, so the request leaves before the navigation badges' passive effects (the
  // core answers in order, and the task list of a large vault takes seconds).
  useLayoutEffect(() => {
    setBusy(true);
    if (!painted.current) performance.mark('custos:dashboard-request');
    return loadWhileLive(
      () => api.call('inventory.aggregates', { compareAsOf: compare }),
      (a) => {
        if (!painted.current) performance.mark('custos:dashboard-data');
        setData(a);
        setFailure(null);
        setBusy(false);
      },
      (err) => {
        setFailure(failureOf('The dashboard could not be computed', err));
        setBusy(false);
      },
    );
  }, [compare, reload]);

  // Marks for the first paint with data and for the whole page (the end-to-end test reads them;
  // nothing asserts a time). The numbers and the four donuts paint first; the other charts follow
  // in a transition (React yields between them), so a large estate shows something at once.
  useEffect(() => {
    if (!data || painted.current) return;
    painted.current = true;
    requestAnimationFrame(() => {
      performance.mark('custos:dashboard-painted');
      startTransition(() => setBelowFold(true));
    });
  }, [data]);
  useEffect(() => {
    if (belowFold) requestAnimationFrame(() => performance.mark('custos:dashboard-complete'));
  }, [belowFold]);

  const drill = (f: InventoryFilter) => openInventory(f);
  const newKey = generateDenied ? (
    <DeniedButton reason={generateDenied} leftSection={<IconPlus size={16} />}>
      New key
    </DeniedButton>
  ) : (
    <Button leftSection={<IconPlus size={16} />} onClick={() => navigate({ name: 'generate' })}>
      New key
    </Button>
  );

  const header = (
    <Group justify="space-between" align="flex-end">
      <div>
        <PageTitle>Overview</PageTitle>
        <Text size="sm" c="dimmed">
          The whole estate{data ? ` as of ${data.asOf.slice(0, 10)} (UTC)` : ''}. Click any slice, bar or number to see its keys.
        </Text>
      </div>
      <Group gap="xs">
        <Button variant="default" leftSection={<IconList size={16} />} onClick={() => openInventory({})}>
          Inventory
        </Button>
        <Button variant="default" leftSection={<IconReport size={16} />} onClick={() => navigate({ name: 'reports' })}>
          Reports
        </Button>
        {newKey}
      </Group>
    </Group>
  );

  if (!data) {
    return (
      <Stack gap="md">
        {header}
        {failure ? (
          <>
            <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />
            <Group>
              <Button variant="default" size="xs" onClick={() => setReload((n) => n + 1)}>
                Try again
              </Button>
            </Group>
          </>
        ) : (
          <Center py="xl">
            <Loader aria-label="Computing the dashboard" />
          </Center>
        )}
      </Stack>
    );
  }

  if (data.total === 0) {
    return (
      <Stack gap="md" data-testid="dashboard" data-ready="true">
        {header}
        <EmptyState
          icon={<IconKey size={28} />}
          title="No keys yet"
          description={
            generateDenied
              ? `This vault holds no keys yet. ${generateDenied} Once keys are generated, imported or discovered, their states, algorithms, ages and findings appear here.`
              : 'Generate a key, discover the keys on a token, or try the console on synthetic data with `custos demo seed --keys 10000`. Charts of states, algorithms, ages, rotations and findings appear here.'
          }
          data-testid="dashboard-empty"
          py="xl"
        >
          {!generateDenied && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => navigate({ name: 'generate' })}>
              Generate your first key
            </Button>
          )}
        </EmptyState>
      </Stack>
    );
  }

  const histogram = ageHistogram(data);
  const rotations = rotationsDue(data);
  const certMonths = certificateMonths(data);
  const severities = findingsBySeverity(data.findings.bySeverity);
  const compliance = data.compliance;
  const failingToday = complianceRules(compliance.today);
  const failingLater = compliance.compare ? complianceRules(compliance.compare) : [];
  const dueNext = data.rotationsDue.months.reduce((n, m) => n + m.count, 0);

  return (
    <Stack gap="md" data-testid="dashboard" data-ready="true" data-took-ms={data.tookMs}>
      {header}
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}

      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
        <Kpi label="Keys" value={data.total.toLocaleString('en')} filter={{}} testId="kpi-total" />
        <Kpi
          label="Compliance today"
          value={compliance.today.judged ? scoreText(compliance.today.score) : '—'}
          color={compliance.today.judged ? scoreColor(compliance.today.score) : undefined}
          hint={`${compliance.today.compliant.toLocaleString('en')} of ${compliance.today.judged.toLocaleString('en')} live keys`}
          filter={{ finding: { severities: ['error', 'critical'] } }}
          testId="kpi-compliance"
        />
        <Kpi label="Rotations overdue" value={data.rotationsDue.overdue.count.toLocaleString('en')} color={data.rotationsDue.overdue.count ? 'red' : undefined} filter={data.rotationsDue.overdue.filter} testId="kpi-overdue" />
        <Kpi label="Rotations in 12 months" value={dueNext.toLocaleString('en')} filter={dueWithinMonths(data)} testId="kpi-due" />
        <Kpi label="Certificates ≤ 30 days" value={data.certificates.within30Days.toLocaleString('en')} hint={`${data.certificates.expired.toLocaleString('en')} expired · ${data.certificates.total.toLocaleString('en')} in all`} filter={certificatesWithin(data.asOf, 30)} testId="kpi-certs" />
        <Kpi label="Findings" value={data.findings.total.toLocaleString('en')} filter={data.findings.total ? { finding: { present: true } } : null} testId="kpi-findings" />
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 2, xl: 4 }} spacing="sm">
        <ChartCard title="Keys by state" testId="chart-state">
          <ChartPie data={byState(data)} onDrill={drill} testId="chart-state" label="Keys by state" />
        </ChartCard>
        <ChartCard title="By algorithm and size" testId="chart-algorithm">
          <ChartPie data={byAlgorithm(data)} onDrill={drill} testId="chart-algorithm" label="Keys by algorithm" />
        </ChartCard>
        <ChartCard title="By store" subtitle="Vault, each token, external (discovered)" testId="chart-store">
          <ChartPie data={byStore(data)} onDrill={drill} testId="chart-store" label="Keys by store" />
        </ChartCard>
        <ChartCard title="By purpose" testId="chart-purpose">
          <ChartPie data={byPurpose(data)} onDrill={drill} testId="chart-purpose" label="Keys by purpose" />
        </ChartCard>
      </SimpleGrid>

      {!belowFold ? (
        <Box mih={900} aria-busy="true" data-testid="dashboard-more-loading" />
      ) : (
      <Grid gap="sm" data-testid="dashboard-below-fold">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <ChartCard
            title="Age against cryptoperiod"
            subtitle="Active keys per cryptoperiod rule, by how much of their period has passed"
            testId="chart-age"
            empty={histogram.rows.length === 0 ? <Empty>No active key falls under a cryptoperiod rule. Activate keys, or compose a policy pack with cryptoperiods on the Policies page.</Empty> : undefined}
          >
            <ChartHistogram rows={histogram.rows} buckets={histogram.buckets} filterOf={histogram.filterOf} onDrill={drill} testId="chart-age" />
          </ChartCard>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <ChartCard
            title="Rotations due"
            subtitle="Overdue, then each of the next 12 months"
            testId="chart-rotations"
            empty={rotations.every((r) => r.count === 0) ? <Empty>No rotation is due in the next 12 months. Keys get a due date when they are active and a cryptoperiod or deactivation date applies.</Empty> : undefined}
          >
            <ChartBars data={rotations} onDrill={drill} testId="chart-rotations" label="Rotations due" />
          </ChartCard>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <ChartCard
            title="Certificates expiring"
            subtitle={`${data.certificates.within90Days.toLocaleString('en')} within 90 days · ${data.certificates.expired.toLocaleString('en')} expired`}
            testId="chart-certificates"
            empty={data.certificates.total === 0 ? <Empty>No certificates known. Issue one from a key's page, or discover certificates (TLS scan, import) to see their expiries.</Empty> : undefined}
          >
            <ChartBars data={certMonths} onDrill={drill} testId="chart-certificates" label="Certificates expiring per month" color="orange" />
          </ChartCard>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <ChartCard
            title="Findings by severity"
            subtitle="Weak-key and certificate analysis"
            testId="chart-findings"
            empty={data.findings.total === 0 ? <Empty>No findings. Run `custos analyze` (weak keys, shared factors) to check the inventory.</Empty> : undefined}
          >
            <ChartBars data={severities} onDrill={drill} testId="chart-findings" label="Findings by severity" height={150} />
            <RuleList rules={findingRules(data)} testId="finding-rule" empty="No rule fired." />
          </ChartCard>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <ChartCard title="Compliance" subtitle="Share of live keys without an error or critical policy finding" testId="chart-compliance">
            <Stack gap="sm">
              <Score score={compliance.today} title={`Today (${compliance.today.asOf.slice(0, 10)})`} testId="score-today" />
              <CompareDate value={compare} onChange={setCompare} busy={busy} />
              {compliance.compare && <Score score={compliance.compare} title={`As of ${compliance.compare.asOf.slice(0, 10)}`} testId="score-compare" />}
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                Rules failing {compliance.compare ? `as of ${compliance.compare.asOf.slice(0, 10)}` : 'today'}
              </Text>
              <RuleList rules={compliance.compare ? failingLater : failingToday} testId="compliance-rule" empty="No policy rule fires." />
            </Stack>
          </ChartCard>
        </Grid.Col>
      </Grid>
      )}
      <Text size="xs" c="dimmed" ta="right">
        Computed by the core in {Math.round(data.tookMs)} ms.
      </Text>
    </Stack>
  );
}
