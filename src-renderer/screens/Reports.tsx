import { useState } from 'react';
import { Button, Group, Paper, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { ChannelOutput } from '../../src-shared/contract';
import { api } from '../api/client';
import { CopyAction, ErrorAlert, PageTitle, failureOf, type Failure } from '../components/common';
import { IconDownload, IconReport } from '../components/icons';
import { AS_OF_PRESETS, isIsoDate, todayUtc } from '../lib/policy-view';
import { handleSessionError } from '../state/actions';

type ReportResult = ChannelOutput<'report.compliance'>;
type EvidenceResult = ChannelOutput<'report.evidence'>;
type CbomResult = ChannelOutput<'analysis.exportCbom'>;

function bytesText(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function AsOf({ value, onChange }: { value: string; onChange: (d: string) => void }) {
  const today = todayUtc();
  return (
    <Group gap="xs" align="flex-end" wrap="wrap">
      <TextInput type="date" label="As of (UTC)" value={value} onChange={(e) => onChange(e.currentTarget.value)} w={170} error={value && !isIsoDate(value) ? 'Not a date.' : undefined} data-testid="report-as-of" />
      <Button variant={value === today ? 'filled' : 'default'} onClick={() => onChange(today)} aria-pressed={value === today}>
        Today
      </Button>
      {AS_OF_PRESETS.map((d) => (
        <Button key={d} variant={value === d ? 'filled' : 'default'} onClick={() => onChange(d)} aria-pressed={value === d} data-testid={`report-as-of-${d}`}>
          {d}
        </Button>
      ))}
    </Group>
  );
}

/**
 * Reports people hand over: the compliance report (inventory summary, findings with remediation,
 * cryptoperiod status, rotations and expiries as of a date) as PDF or JSON, and the auditor
 * evidence pack. The core writes them into its export folder and says where; the console shows the
 * path (it never holds the file), like the audit export.
 */
export function Reports() {
  const [asOf, setAsOf] = useState(todayUtc());
  const [format, setFormat] = useState<'pdf' | 'json'>('pdf');
  const [busy, setBusy] = useState<'report' | 'evidence' | 'cbom' | null>(null);
  const [cbom, setCbom] = useState<CbomResult | null>(null);
  const [report, setReport] = useState<ReportResult | null>(null);
  const [evidence, setEvidence] = useState<EvidenceResult | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const valid = isIsoDate(asOf);

  const runReport = async () => {
    setBusy('report');
    setFailure(null);
    setReport(null);
    try {
      setReport(await api.call('report.compliance', { asOf, format }));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The compliance report was not written', err));
    } finally {
      setBusy(null);
    }
  };

  const runEvidence = async () => {
    setBusy('evidence');
    setFailure(null);
    setEvidence(null);
    try {
      setEvidence(await api.call('report.evidence', { asOf }));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The evidence pack was not written', err));
    } finally {
      setBusy(null);
    }
  };

  const runCbom = async () => {
    setBusy('cbom');
    setFailure(null);
    setCbom(null);
    try {
      setCbom(await api.call('analysis.exportCbom', {}));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The CBOM was not written', err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack gap="md">
      <div>
        <PageTitle>Reports</PageTitle>
        <Text size="sm" c="dimmed">
          What auditors ask for, as of any date: 2031-01-01 and 2036-01-01 show what the post-quantum deadlines will make of today's estate.
        </Text>
      </div>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}

      <Paper withBorder radius="md" p="md">
        <Stack gap="sm">
          <Title order={3} size="h4">
            Compliance report
          </Title>
          <Text size="sm" c="dimmed">
            Inventory summary, findings with their remediation, cryptoperiod status, upcoming rotations and certificate expiries.
          </Text>
          <AsOf value={asOf} onChange={setAsOf} />
          <Group gap="sm" align="flex-end">
            <SegmentedControl
              value={format}
              onChange={(v) => setFormat(v as 'pdf' | 'json')}
              data={[
                { value: 'pdf', label: 'PDF' },
                { value: 'json', label: 'JSON' },
              ]}
              aria-label="Format"
            />
            <Button leftSection={<IconDownload size={16} />} onClick={() => void runReport()} loading={busy === 'report'} disabled={!valid || busy !== null} data-testid="export-report">
              Export compliance report
            </Button>
          </Group>
          {report && (
            <Paper withBorder p="sm" radius="sm" data-testid="report-result">
              <Text size="sm" fw={600}>
                {report.format.toUpperCase()} report as of {report.asOf.slice(0, 10)} written ({bytesText(report.bytes)}):
              </Text>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" className="custos-mono" data-testid="report-path">
                  {report.path}
                </Text>
                <CopyAction value={report.path} label="Copy path" compact />
              </Group>
            </Paper>
          )}
        </Stack>
      </Paper>

      <Paper withBorder radius="md" p="md">
        <Stack gap="sm">
          <Title order={3} size="h4">
            Auditor evidence pack
          </Title>
          <Text size="sm" c="dimmed">
            The compliance report (PDF and JSON), the audit export bundle, the CBOM where available, the active policy and a manifest of SHA-256 digests, in one new folder (as of the date above).
          </Text>
          <Group>
            <Button variant="default" leftSection={<IconReport size={16} />} onClick={() => void runEvidence()} loading={busy === 'evidence'} disabled={!valid || busy !== null} data-testid="export-evidence">
              Write the evidence pack
            </Button>
          </Group>
          {evidence && (
            <Stack gap={4} data-testid="evidence-result">
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" className="custos-mono" data-testid="evidence-dir">
                  {evidence.dir}
                </Text>
                <CopyAction value={evidence.dir} label="Copy folder" compact />
              </Group>
              <Table withTableBorder fz="xs" aria-label="Evidence files">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>File</Table.Th>
                    <Table.Th>Size</Table.Th>
                    <Table.Th>SHA-256</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {evidence.files.map((f) => (
                    <Table.Tr key={f.name}>
                      <Table.Td>{f.name}</Table.Td>
                      <Table.Td>{bytesText(f.bytes)}</Table.Td>
                      <Table.Td className="custos-mono">{f.sha256}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          )}
        </Stack>
      </Paper>
      <Paper withBorder radius="md" p="md">
        <Stack gap="sm">
          <Title order={3} size="h4">
            Cryptographic bill of materials
          </Title>
          <Text size="sm" c="dimmed">
            The whole inventory as a CycloneDX 1.6 CBOM: keys with their state, size and fingerprint, algorithms and certificates.
          </Text>
          <Group>
            <Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => void runCbom()} loading={busy === 'cbom'} disabled={busy !== null} data-testid="export-cbom">
              Export CBOM
            </Button>
          </Group>
          {cbom && (
            <Group gap="xs" wrap="nowrap" data-testid="cbom-result">
              <Text size="sm">
                {cbom.components.toLocaleString('en')} components, {bytesText(cbom.bytes)}:
              </Text>
              <Text size="sm" className="custos-mono" data-testid="cbom-path">
                {cbom.path}
              </Text>
              <CopyAction value={cbom.path} label="Copy path" compact />
            </Group>
          )}
        </Stack>
      </Paper>
    </Stack>
  );
}
