import { useEffect, useState, type ReactNode } from 'react';
import { Badge, Code, DataList, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import type { CertificateDetail } from '../../src-shared/contract-discovery';
import { api, errorMessage } from '../api/client';
import { formatDateTime } from '../lib/format';
import { expiryState, PROFILE_LABELS, SIGHTING_LABELS } from '../lib/import-certificates';
import { CopyAction, ErrorAlert } from './common';
import { loadWhileLive } from '../state/load';

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue data-testid={testId}>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

/** One certificate decoded: subject, issuer, validity, profile, extensions, where it was seen, and its PEM. */
export function CertificateView({ id, onClose }: { id: string | null; onClose: () => void }) {
  const [cert, setCert] = useState<CertificateDetail | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    setCert(null);
    setFailure(null);
    if (!id) return;
    return loadWhileLive(
      () => api.call('certificates.get', { id }),
      setCert,
      (err) => setFailure(errorMessage(err)),
    );
  }, [id]);

  const expiry = cert ? expiryState(cert.notAfter, new Date()) : null;
  return (
    <Modal opened={id !== null} onClose={onClose} title="Certificate" size="xl" data-testid="certificate-view">
      {failure && <ErrorAlert title="The certificate could not be read" message={failure} />}
      {!cert && !failure && <Loader size="sm" aria-label="Loading certificate" />}
      {cert && (
        <Stack gap="md">
          <Group gap="xs">
            <Badge variant="light" className="custos-badge" data-testid="certificate-profile">
              {PROFILE_LABELS[cert.profile]}
            </Badge>
            {cert.isCa && (
              <Badge variant="light" color="grape" className="custos-badge">
                CA
              </Badge>
            )}
            {expiry && (
              <Badge variant="light" color={expiry.color} className="custos-badge">
                {expiry.label}
              </Badge>
            )}
            {cert.trust && (
              <Badge variant="light" color="gray" className="custos-badge">
                {cert.trust === 'public' ? 'Public trust' : 'Private trust'}
              </Badge>
            )}
          </Group>
          <DataList labelWidth={170} withDivider data-testid="certificate-fields">
            <Field label="Subject" testId="certificate-subject">
              {cert.subject}
            </Field>
            <Field label="Issuer" testId="certificate-issuer">
              {cert.issuer}
              {cert.selfIssued ? ' (self-issued)' : ''}
            </Field>
            <Field label="Serial">
              <Text className="custos-mono" size="sm" style={{ wordBreak: 'break-all' }}>
                {cert.serial}
              </Text>
            </Field>
            <Field label="Valid">
              {formatDateTime(cert.notBefore)} – {formatDateTime(cert.notAfter)}
            </Field>
            <Field label="Signature">{cert.signatureAlgorithm}</Field>
            <Field label="Key usage">{cert.keyUsage?.join(', ') ?? '—'}</Field>
            <Field label="Extended key usage">{cert.extendedKeyUsage?.join(', ') ?? '—'}</Field>
            {cert.isCa && <Field label="Path length">{cert.pathLength ?? 'unlimited'}</Field>}
            <Field label="Names (SAN)">{cert.subjectAltNames.map((n) => `${n.type}:${n.value}`).join(', ') || '—'}</Field>
            <Field label="Key">{cert.keyName ? `${cert.keyName}` : 'not in the inventory'}</Field>
            <Field label="SHA-256">
              <Group gap={4} wrap="nowrap" align="flex-start">
                <Text className="custos-mono" size="sm" style={{ wordBreak: 'break-all' }} data-testid="certificate-fingerprint">
                  {cert.fingerprint}
                </Text>
                <CopyAction value={cert.fingerprint} label="Copy certificate fingerprint" compact />
              </Group>
            </Field>
            <Field label="Key fingerprint">
              <Text className="custos-mono" size="sm" style={{ wordBreak: 'break-all' }}>
                {cert.spkiFingerprint}
              </Text>
            </Field>
          </DataList>
          <Stack gap={4}>
            <Title order={4} fz="md">
              Seen at
            </Title>
            <Table verticalSpacing={4} data-testid="certificate-sightings">
              <Table.Tbody>
                {cert.sightings.map((s) => (
                  <Table.Tr key={`${s.kind}|${s.location}`}>
                    <Table.Td>{SIGHTING_LABELS[s.kind]}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>
                      {s.location}
                      {s.chainPosition !== null ? ` (chain position ${s.chainPosition})` : ''}
                    </Table.Td>
                    <Table.Td>{formatDateTime(s.seenAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
          <Stack gap={4}>
            <Group justify="space-between">
              <Title order={4} fz="md">
                PEM
              </Title>
              <CopyAction value={cert.pem} label="Copy certificate PEM" />
            </Group>
            <Code block className="custos-pem" data-testid="certificate-pem">
              {cert.pem.trim()}
            </Code>
          </Stack>
        </Stack>
      )}
    </Modal>
  );
}
