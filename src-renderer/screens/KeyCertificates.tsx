import { useEffect, useState, type FormEvent } from 'react';
import {
  Button,
  Checkbox,
  Code,
  DataList,
  Group,
  Loader,
  NumberInput,
  Paper,
  SegmentedControl,
  Stack,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import type { KeyDetail } from '../../src-shared/keys';
import { mayUse } from '../../src-shared/state-machine';
import type { Role } from '../../src-shared/users';
import { api } from '../api/client';
import { CopyAction, ErrorAlert, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconDownload } from '../components/icons';
import { PUBLIC_FORMATS, certificateFileName, checkSubject, csrFileName, mimeFor, parseDnsNames, publicKeyFileName, type PublicFormat } from '../lib/certificates';
import { formatDateTime } from '../lib/format';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { loadWhileLive } from '../state/load';

/*
 * Certificates and the public key of an asymmetric key: a PKCS#10 request, a self-signed X.509
 * certificate (both signed by the key itself through the core's signing gates and audit), and the
 * public key as PEM, JWK or an OpenSSH line. Nothing private comes back: these are public texts.
 */

/** A text offered as a file; the Blob URL lives as long as the link is shown. */
function TextDownload({ text, name, testId }: { text: string; name: string; testId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([text], { type: mimeFor(name) }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [text, name]);
  if (!url) return null;
  return (
    <Button component="a" href={url} download={name} size="xs" variant="light" leftSection={<IconDownload size={14} />} data-testid={testId}>
      Download {name}
    </Button>
  );
}

function TextResult({ text, name, copyLabel, testId }: { text: string; name: string; copyLabel: string; testId: string }) {
  return (
    <Stack gap={6}>
      <Group gap="xs">
        <TextDownload text={text} name={name} testId={`${testId}-download`} />
        <CopyAction value={text} label={copyLabel} />
      </Group>
      <Code block className="custos-pem" data-testid={testId}>
        {text.trim()}
      </Code>
    </Stack>
  );
}

/** Why the key cannot sign a request or certificate now (role, state, usage), or null. */
function signReason(keyData: KeyDetail, role: Role | null): string | null {
  const denied = deniedReason(role, 'keys.sign', 'sign with keys');
  if (denied) return denied;
  const r = mayUse(keyData.state, keyData.usageMask, 'sign');
  if (r.ok) return null;
  return `A request or certificate is signed by the key: ${r.reason}.`;
}

function PublicKeyExport({ keyData }: { keyData: KeyDetail }) {
  const [format, setFormat] = useState<PublicFormat>('pem');
  const [text, setText] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  useEffect(() => {
    setText(null);
    setFailure(null);
    return loadWhileLive(
      () => api.call('keys.exportPublic', { id: keyData.id, format }),
      (r) => setText(r.text),
      (err) => setFailure(failureOf('The public key could not be exported', err)),
    );
  }, [keyData.id, keyData.version, format]);

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        The public key of the current version. JWK carries the Custos fingerprint as its kid; the OpenSSH line goes into authorized_keys.
      </Text>
      <SegmentedControl
        aria-label="Public key format"
        value={format}
        onChange={(v) => setFormat(v as PublicFormat)}
        data={PUBLIC_FORMATS}
        w="fit-content"
        data-testid="public-format"
      />
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {!text && !failure && <Loader size="sm" aria-label="Exporting the public key" />}
      {text && <TextResult text={text} name={publicKeyFileName(keyData.name, format)} copyLabel="Copy" testId="public-export" />}
    </Stack>
  );
}

function DnsNamesInput({ value, onChange, error, disabled }: { value: string; onChange: (v: string) => void; error: string | null; disabled: boolean }) {
  return (
    <Textarea
      label="DNS names (subjectAltName)"
      description="Optional; one per line, or separated by commas. A leading *. makes a wildcard."
      placeholder={'www.example.com\nexample.com'}
      autosize
      minRows={2}
      maxRows={6}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      disabled={disabled}
    />
  );
}

function checkNames(subject: string, dns: string): { ok: true; subject: string; dnsNames: string[] } | { ok: false; subject?: string; dns?: string } {
  const subjectError = checkSubject(subject);
  const parsed = parseDnsNames(dns);
  const dnsError = parsed.invalid.length ? `Not a DNS name: ${parsed.invalid.join(', ')}.` : parsed.names.length > 100 ? 'At most 100 DNS names.' : null;
  if (subjectError || dnsError) return { ok: false, ...(subjectError ? { subject: subjectError } : {}), ...(dnsError ? { dns: dnsError } : {}) };
  return { ok: true, subject: subject.trim(), dnsNames: parsed.names };
}

function CsrForm({ keyData, reason }: { keyData: KeyDetail; reason: string | null }) {
  const [subject, setSubject] = useState('');
  const [dns, setDns] = useState('');
  const [errors, setErrors] = useState<{ subject?: string; dns?: string }>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [result, setResult] = useState<{ pem: string; subject: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || reason) return;
    const checked = checkNames(subject, dns);
    if (!checked.ok) {
      setErrors(checked);
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      const r = await api.call('keys.csr', { id: keyData.id, subject: checked.subject, ...(checked.dnsNames.length ? { dnsNames: checked.dnsNames } : {}) });
      setResult(r);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The request was not created', err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Certificate signing request">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          A PKCS#10 request signed by this key, for a certificate authority. Its key usage follows the key&apos;s usage mask.
        </Text>
        <TextInput
          label="Subject (distinguished name)"
          placeholder="CN=www.example.com, O=Example Ltd, C=GB"
          value={subject}
          onChange={(e) => setSubject(e.currentTarget.value)}
          error={errors.subject}
          disabled={busy}
          data-testid="csr-subject"
        />
        <DnsNamesInput value={dns} onChange={setDns} error={errors.dns ?? null} disabled={busy} />
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
        <Group>
          <GatedButton type="submit" reason={reason} loading={busy} onClick={() => undefined} testId="csr-create">
            Create request
          </GatedButton>
        </Group>
        {result && (
          <Stack gap={6} data-testid="csr-result">
            <Text size="sm">
              Request for <strong>{result.subject}</strong>
            </Text>
            <TextResult text={result.pem} name={csrFileName(keyData.name)} copyLabel="Copy request" testId="csr-pem" />
          </Stack>
        )}
      </Stack>
    </form>
  );
}

function SelfSignForm({ keyData, reason }: { keyData: KeyDetail; reason: string | null }) {
  const [subject, setSubject] = useState('');
  const [dns, setDns] = useState('');
  const [days, setDays] = useState<number | string>(365);
  const [ca, setCa] = useState(keyData.purpose === 'ca-root');
  const [pathLength, setPathLength] = useState<number | string>('');
  const [errors, setErrors] = useState<{ subject?: string; dns?: string; days?: string; pathLength?: string }>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [result, setResult] = useState<{ pem: string; subject: string; serialNumber: string; fingerprint: string; notAfter: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || reason) return;
    const checked = checkNames(subject, dns);
    const n = Number(days);
    const daysError = days === '' || !Number.isInteger(n) || n < 1 || n > 36_500 ? 'From 1 to 36500 days.' : undefined;
    const p = Number(pathLength);
    const pathError = ca && pathLength !== '' && (!Number.isInteger(p) || p < 0 || p > 10) ? 'From 0 to 10, or empty for no limit.' : undefined;
    if (!checked.ok || daysError || pathError) {
      setErrors({ ...(checked.ok ? {} : checked), ...(daysError ? { days: daysError } : {}), ...(pathError ? { pathLength: pathError } : {}) });
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      const r = await api.call('keys.selfSign', {
        id: keyData.id,
        subject: checked.subject,
        days: n,
        ca,
        ...(ca && pathLength !== '' ? { pathLength: p } : {}),
        ...(checked.dnsNames.length ? { dnsNames: checked.dnsNames } : {}),
      });
      setResult(r);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The certificate was not created', err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Self-signed certificate">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          An X.509 v3 certificate for this key, signed by the key itself — a root CA certificate when it is a CA.
        </Text>
        <TextInput
          label="Subject (distinguished name)"
          placeholder="CN=Example Root CA, O=Example Ltd, C=GB"
          value={subject}
          onChange={(e) => setSubject(e.currentTarget.value)}
          error={errors.subject}
          disabled={busy}
          data-testid="cert-subject"
        />
        <Group align="flex-start" gap="md">
          <NumberInput
            label="Valid for (days)"
            min={1}
            max={36_500}
            allowDecimal={false}
            allowNegative={false}
            value={days}
            onChange={setDays}
            error={errors.days}
            disabled={busy}
            w={180}
            data-testid="cert-days"
          />
          <Stack gap={6} pt={28}>
            <Checkbox label="Certificate authority (basicConstraints CA)" checked={ca} onChange={(e) => setCa(e.currentTarget.checked)} disabled={busy} data-testid="cert-ca" />
          </Stack>
          {ca && (
            <NumberInput
              label="Path length"
              description="Empty: no limit"
              min={0}
              max={10}
              allowDecimal={false}
              allowNegative={false}
              value={pathLength}
              onChange={setPathLength}
              error={errors.pathLength}
              disabled={busy}
              w={140}
            />
          )}
        </Group>
        <DnsNamesInput value={dns} onChange={setDns} error={errors.dns ?? null} disabled={busy} />
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
        <Group>
          <GatedButton type="submit" reason={reason} loading={busy} onClick={() => undefined} testId="cert-create">
            Create certificate
          </GatedButton>
        </Group>
        {result && (
          <Stack gap={6} data-testid="cert-result">
            <DataList labelWidth={170}>
              <DataList.Item>
                <DataList.ItemLabel>Subject</DataList.ItemLabel>
                <DataList.ItemValue>{result.subject}</DataList.ItemValue>
              </DataList.Item>
              <DataList.Item>
                <DataList.ItemLabel>Serial number</DataList.ItemLabel>
                <DataList.ItemValue className="custos-mono">{result.serialNumber}</DataList.ItemValue>
              </DataList.Item>
              <DataList.Item>
                <DataList.ItemLabel>Valid until</DataList.ItemLabel>
                <DataList.ItemValue>{formatDateTime(result.notAfter)}</DataList.ItemValue>
              </DataList.Item>
              <DataList.Item>
                <DataList.ItemLabel>SHA-256 fingerprint</DataList.ItemLabel>
                <DataList.ItemValue className="custos-mono">{result.fingerprint}</DataList.ItemValue>
              </DataList.Item>
            </DataList>
            <TextResult text={result.pem} name={certificateFileName(keyData.name)} copyLabel="Copy certificate" testId="cert-pem" />
          </Stack>
        )}
      </Stack>
    </form>
  );
}

/** The certificates panel of the key page; symmetric keys have no public part and show nothing. */
export function KeyCertificates({ keyData, role }: { keyData: KeyDetail; role: Role | null }) {
  const [tab, setTab] = useState<string | null>('public');
  if (keyData.family === 'aes' || keyData.family === 'hmac') return null;
  const reason = signReason(keyData, role);
  const destroyed = keyData.state === 'destroyed' || keyData.state === 'destroyed-compromised';

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="certs-title" data-testid="certificates-panel">
      <Stack gap="sm">
        <div>
          <Title order={3} fz="lg" id="certs-title">
            Certificates and public key
          </Title>
          <Text size="sm" c="dimmed">
            Requests and certificates are signed by the key through the same state, usage and audit checks as any signature.
          </Text>
        </div>
        <Tabs value={tab} onChange={setTab} keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="public">Public key</Tabs.Tab>
            <Tabs.Tab value="csr" data-blocked={reason ?? undefined}>
              Certificate request (CSR)
            </Tabs.Tab>
            <Tabs.Tab value="self" data-blocked={reason ?? undefined}>
              Self-signed certificate
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="public" pt="sm">
            {destroyed && !keyData.publicKeyPem ? (
              <Text size="sm" c="dimmed">
                This key has been destroyed and kept no public key.
              </Text>
            ) : (
              <PublicKeyExport keyData={keyData} />
            )}
          </Tabs.Panel>
          <Tabs.Panel value="csr" pt="sm">
            <CsrForm keyData={keyData} reason={reason} />
          </Tabs.Panel>
          <Tabs.Panel value="self" pt="sm">
            <SelfSignForm keyData={keyData} reason={reason} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </Paper>
  );
}
