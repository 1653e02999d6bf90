import { useState } from 'react';
import { Anchor, Badge, Loader, Stack, Table, Text, Title } from '@mantine/core';
import type { CertificateSummary } from '../../src-shared/contract-discovery';
import { api, errorMessage } from '../api/client';
import { formatDateTime } from '../lib/format';
import { expiryState, PROFILE_LABELS } from '../lib/import-certificates';
import { ErrorAlert } from './common';
import { CertificateView } from './CertificateView';
import { useLoad } from '../state/load';

/** The certificates linked to a key (same SPKI fingerprint as one of its versions); each opens in a certificate view. */
export function CertificateList({ keyId }: { keyId: string }) {
  const [items, setItems] = useState<CertificateSummary[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  useLoad(
    () => api.call('certificates.forKey', { keyId }),
    (r) => setItems(r.items),
    (err) => setFailure(errorMessage(err)),
    [keyId],
  );

  const now = new Date();
  return (
    <Stack gap="xs" data-testid="linked-certificates">
      <Title order={3} fz="lg">
        Linked certificates
      </Title>
      {failure && <ErrorAlert title="The certificates could not be read" message={failure} />}
      {!items && !failure && <Loader size="sm" aria-label="Loading certificates" />}
      {items && items.length === 0 && (
        <Text c="dimmed" size="sm">
          No certificate for this key has been imported or seen.
        </Text>
      )}
      {items && items.length > 0 && (
        <Table striped verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Issuer</Table.Th>
              <Table.Th>Profile</Table.Th>
              <Table.Th>Valid until</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((c) => {
              const expiry = expiryState(c.notAfter, now);
              return (
                <Table.Tr key={c.id} data-testid="linked-certificate">
                  <Table.Td>
                    <Anchor component="button" type="button" size="sm" onClick={() => setOpen(c.id)} data-testid="open-certificate">
                      {c.subject || '(empty subject)'}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.issuer}</Text>
                  </Table.Td>
                  <Table.Td>{PROFILE_LABELS[c.profile]}</Table.Td>
                  <Table.Td>
                    <Text size="sm" span>
                      {formatDateTime(c.notAfter)}{' '}
                    </Text>
                    <Badge size="xs" variant="light" color={expiry.color} className="custos-badge">
                      {expiry.label}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <CertificateView id={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}
