import type { CertificateDetail, CertificateSummary } from '../../src-shared/contract-discovery';

/** How certificate facts read in the console. */

export const PROFILE_LABELS: Record<CertificateSummary['profile'], string> = {
  'tls-server': 'TLS server',
  'tls-client': 'TLS client',
  'code-signing': 'Code signing',
  email: 'E-mail (S/MIME)',
  ca: 'Certificate authority',
  'ocsp-signing': 'OCSP signing',
  device: 'Device identity',
  other: 'Other',
};

export const SIGHTING_LABELS: Record<CertificateDetail['sightings'][number]['kind'], string> = {
  file: 'File',
  tls: 'TLS endpoint',
  cbom: 'CBOM',
  token: 'Token',
  issued: 'Issued here',
};

const DAY = 86_400_000;

/** Expired, expiring within 30 days, or valid — with the badge colour. */
export function expiryState(notAfter: string, now: Date): { label: string; color: string } {
  const left = Date.parse(notAfter) - now.getTime();
  if (left < 0) return { label: 'Expired', color: 'red' };
  if (left < 30 * DAY) return { label: `Expires in ${Math.max(1, Math.ceil(left / DAY))} days`, color: 'yellow' };
  return { label: 'Valid', color: 'green' };
}
