import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Badge, Button, FileButton, Group, NativeSelect, NumberInput, Paper, Progress, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import type { AnalysisFindingRow, AnalysisSeverity, FindingsSummaryView } from '../../src-shared/contract-analysis';
import { api, isApiError } from '../api/client';
import { ErrorAlert, PageTitle, failureOf, type Failure } from '../components/common';
import { FindingsTable } from '../components/FindingsTable';
import { GatedButton } from '../components/GatedButton';
import { SEVERITY_COLORS, SEVERITY_LABELS, SEVERITY_ORDER, newJobId, parseTargetsText, progressText, runSummary } from '../lib/analysis';
import { formatDateTime } from '../lib/format';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';
import { useLoad } from '../state/load';

const PAGE = 100;

function Section({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title} data-testid={testId}>
      <Stack gap="sm">
        <Title order={3} fz="lg">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

type ScanRow = { target: string; outcome: string; message: string | null; certificates: Array<{ subject: string }> };

/** TLS endpoints: exactly the listed HOST:PORT targets are contacted; their chains enter the inventory. */
function TlsScan({ denied, onDone }: { denied: string | null; onDone: () => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [rows, setRows] = useState<ScanRow[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const targets = parseTargetsText(text);
  const scan = async () => {
    setBusy(true);
    setFailure(null);
    try {
      setRows(await api.call('analysis.scanTls', { targets }));
      onDone();
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The scan failed', err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Scan TLS endpoints" testId="tls-scan">
      <Textarea label="Targets (HOST:PORT, one per line)" description="Only these endpoints are contacted." autosize minRows={2} value={text} onChange={(e) => setText(e.currentTarget.value)} data-testid="tls-targets" />
      <Group>
        <GatedButton reason={denied ?? (targets.length === 0 ? 'Type at least one HOST:PORT target first.' : null)} onClick={() => void scan()} loading={busy} testId="tls-scan-button">
          Scan {targets.length || ''} target{targets.length === 1 ? '' : 's'}
        </GatedButton>
      </Group>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {rows && (
        <Table data-testid="tls-results">
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.target}>
                <Table.Td className="custos-mono">{r.target}</Table.Td>
                <Table.Td>
                  <Badge color={r.outcome === 'recorded' ? 'green' : 'red'} variant="light" className="custos-badge">
                    {r.outcome}
                  </Badge>
                </Table.Td>
                <Table.Td>{r.certificates.map((c) => c.subject).join(' ← ') || r.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

/** Blocklist and CBOM: the officer's own list of compromised keys, and inventory exchange. */
function Exchange({ denied, onDone }: { denied: string | null; onDone: () => void }) {
  const notify = useApp((s) => s.notify);
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const act = async (what: string, fn: () => Promise<string>) => {
    setBusy(what);
    setFailure(null);
    try {
      notify({ color: 'green', title: what, message: await fn() });
      onDone();
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf(`${what} failed`, err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Section title="Blocklist and CBOM" testId="analysis-exchange">
      <Group align="flex-end">
        <TextInput label="badkeys blocklist (blocklist.dat)" placeholder="/path/to/blocklist.dat" value={path} onChange={(e) => setPath(e.currentTarget.value)} style={{ flex: 1 }} data-testid="blocklist-path" />
        <GatedButton reason={denied ?? (path.trim() ? null : 'Type the path of a blocklist file first.')} loading={busy === 'Blocklist'} testId="blocklist-load" onClick={() => void act('Blocklist', async () => {
          const r = await api.call('analysis.loadBlocklist', { path: path.trim() });
          return `${r.records} records loaded; ${r.matches} key${r.matches === 1 ? '' : 's'} in the inventory ${r.matches === 1 ? 'is' : 'are'} on it.`;
        })}>
          Load and match
        </GatedButton>
      </Group>
      <Group>
        <Button variant="default" loading={busy === 'CBOM export'} data-testid="cbom-export" onClick={() => void act('CBOM export', async () => {
          const r = await api.call('analysis.exportCbom', {});
          return `${r.components} components written to ${r.path}.`;
        })}>
          Export CBOM (CycloneDX 1.6)
        </Button>
        <FileButton accept=".json,application/json" onChange={(file) => file && void act('CBOM import', async () => {
          const r = await api.call('analysis.importCbom', { name: file.name, content: await file.text() });
          const n = (o: string) => r.components.filter((c) => c.outcome === o).length;
          return `${n('imported')} imported, ${n('duplicate')} already known, ${r.components.length - n('imported') - n('duplicate')} skipped.`;
        })}>
          {(props) => (
            <GatedButton reason={denied} variant="default" loading={busy === 'CBOM import'} testId="cbom-import" onClick={props.onClick}>
              Import CBOM…
            </GatedButton>
          )}
        </FileButton>
      </Group>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
    </Section>
  );
}

/** Weak-key and certificate analysis of the whole inventory: one button, its progress, and the findings. */
export function Analysis() {
  const role = useApp((s) => s.status?.user?.role ?? null);
  const [summary, setSummary] = useState<FindingsSummaryView | null>(null);
  const [items, setItems] = useState<AnalysisFindingRow[]>([]);
  const [total, setTotal] = useState(0);
  const [severity, setSeverity] = useState<AnalysisSeverity | ''>('');
  const [rule, setRule] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<{ label: string; fraction: number } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [horizon, setHorizon] = useState(30);
  const jobRef = useRef<string | null>(null);
  const denied = deniedReason(role, 'keys.generate', 'run analyses, scans or imports');

  useLoad(
    () => Promise.all([api.call('analysis.summary', {}), api.call('analysis.findings', { limit: PAGE, ...(severity ? { severity } : {}), ...(rule ? { rule } : {}) })]),
    ([s, f]) => {
      setSummary(s);
      setItems(f.items);
      setTotal(f.total);
    },
    (err) => setFailure(failureOf('The findings could not be read', err)),
    [severity, rule, reload],
  );

  useEffect(() => api.on('job.progress', (p) => p.jobId === jobRef.current && setProgress({ label: p.label, fraction: p.fraction })), []);

  const more = async () => {
    const f = await api.call('analysis.findings', { limit: PAGE, offset: items.length, ...(severity ? { severity } : {}), ...(rule ? { rule } : {}) });
    setItems((x) => [...x, ...f.items]);
  };

  const run = useCallback(async () => {
    const jobId = newJobId();
    jobRef.current = jobId;
    setRunning(true);
    setProgress(null);
    setResult(null);
    setFailure(null);
    try {
      setResult(runSummary(await api.call('analysis.run', { jobId, expiryHorizonDays: horizon })));
      setReload((n) => n + 1);
    } catch (err) {
      if (isApiError(err, 'E_CONFLICT')) setResult('The analysis was cancelled; the previous findings are kept.');
      else if (!handleSessionError(err)) setFailure(failureOf('The analysis failed', err));
    } finally {
      jobRef.current = null;
      setRunning(false);
    }
  }, [horizon]);

  return (
    <Stack gap="lg">
      <PageTitle>Analysis</PageTitle>
      <Text c="dimmed" size="sm">
        Every public key is checked for weak parameters (RSA size, exponent, small factors, close primes, ROCA, shared primes across the inventory; EC curves and points), symmetric keys for DES, triple DES and short
        HMAC keys, certificates for dates, signatures, usage, trust and key reuse, and every key against a blocklist when one is loaded.
      </Text>

      <Paper withBorder p="md" radius="md" data-testid="analysis-run">
        <Stack gap="sm">
          <Group>
            <GatedButton reason={denied} onClick={() => void run()} loading={running} testId="analysis-run-button">
              Run analysis
            </GatedButton>
            <NumberInput
              aria-label="Certificate expiry horizon in days"
              title="Certificates expiring within this many days are reported"
              min={1}
              max={3650}
              w={150}
              suffix=" days"
              value={horizon}
              onChange={(v) => setHorizon(typeof v === 'number' && v >= 1 && v <= 3650 ? Math.floor(v) : 30)}
              disabled={running}
              data-testid="analysis-horizon"
            />
            {running && (
              <Button variant="default" color="red" onClick={() => void api.call('analysis.cancel', {})} data-testid="analysis-cancel">
                Cancel
              </Button>
            )}
            {summary && (
              <Text size="sm" c="dimmed" data-testid="analysis-last-run">
                {summary.lastFoundAt ? `Findings from ${formatDateTime(summary.lastFoundAt)}` : 'No analysis has been stored yet.'}
                {summary.blocklist ? ` · blocklist of ${summary.blocklist.records} records loaded` : ''}
              </Text>
            )}
          </Group>
          {running && (
            <Stack gap={4} data-testid="analysis-progress">
              <Progress value={(progress?.fraction ?? 0) * 100} animated aria-label="Analysis progress" />
              <Text size="xs" c="dimmed">
                {progressText(progress)}
              </Text>
            </Stack>
          )}
          {result && (
            <Text size="sm" data-testid="analysis-result">
              {result}
            </Text>
          )}
        </Stack>
      </Paper>

      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}

      <Section title="Findings" testId="analysis-findings">
        <Group justify="space-between">
          <Group gap="xs" data-testid="analysis-summary">
            {summary &&
              SEVERITY_ORDER.map((s) => (
                <Badge key={s} color={SEVERITY_COLORS[s]} variant={summary.bySeverity[s] ? 'filled' : 'light'} className="custos-badge" data-testid={`summary-${s}`}>
                  {summary.bySeverity[s]} {SEVERITY_LABELS[s].toLowerCase()}
                </Badge>
              ))}
          </Group>
          <Group gap="xs">
            <NativeSelect
              aria-label="Rule"
              value={rule}
              onChange={(e) => setRule(e.currentTarget.value)}
              data={[{ value: '', label: 'All rules' }, ...[...new Map((summary?.byRule ?? []).map((r) => [r.rule, r])).values()].map((r) => ({ value: r.rule, label: r.title }))]}
              data-testid="analysis-rule-filter"
            />
            <NativeSelect
              aria-label="Severity"
              value={severity}
              onChange={(e) => setSeverity(e.currentTarget.value as AnalysisSeverity | '')}
              data={[{ value: '', label: 'All severities' }, ...SEVERITY_ORDER.map((s) => ({ value: s, label: SEVERITY_LABELS[s] }))]}
            />
          </Group>
        </Group>
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="analysis-empty">
            No findings{severity ? ` of severity ${severity}` : ''}{rule ? ` for ${rule}` : ''}.
          </Text>
        ) : (
          <FindingsTable items={items} />
        )}
        {items.length < total && (
          <Group>
            <Button variant="subtle" onClick={() => void more()}>
              Show more ({total - items.length} left)
            </Button>
          </Group>
        )}
      </Section>

      <TlsScan denied={denied} onDone={() => setReload((n) => n + 1)} />
      <Exchange denied={denied} onDone={() => setReload((n) => n + 1)} />
    </Stack>
  );
}
