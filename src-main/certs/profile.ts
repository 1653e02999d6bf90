/**
 * What a certificate is for, derived from its extensions (RFC 5280 §4.2.1.3 KeyUsage, §4.2.1.9
 * BasicConstraints, §4.2.1.12 ExtendedKeyUsage), so an inventory can say "TLS server
 * certificate" without a person reading each one. Pure: takes the decoded extension values.
 */

export const CERTIFICATE_PROFILES = ['tls-server', 'tls-client', 'code-signing', 'email', 'ca', 'ocsp-signing', 'device', 'other'] as const;
export type CertificateProfile = (typeof CERTIFICATE_PROFILES)[number];

/** RFC 5280 §4.2.1.12 and RFC 4945/5280 key purposes used below. */
export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ipsecEndSystem: '1.3.6.1.5.5.7.3.5',
  ipsecTunnel: '1.3.6.1.5.5.7.3.6',
  ipsecUser: '1.3.6.1.5.5.7.3.7',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  eapOverLan: '1.3.6.1.5.5.7.3.14',
  ipsecIke: '1.3.6.1.5.5.7.3.17',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/** KeyUsage bits as @peculiar/x509 numbers them (digitalSignature = 1 … decipherOnly = 256). */
export const KU = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
} as const;

export interface ProfileInput {
  /** ExtendedKeyUsage OIDs; null when the extension is absent. */
  eku: readonly string[] | null;
  /** KeyUsage bits (see KU); null when the extension is absent. */
  keyUsage: number | null;
  /** BasicConstraints cA; false when the extension is absent. */
  ca: boolean;
  /** SAN dNSName / iPAddress entries present. */
  hasDnsOrIp: boolean;
  /** SAN rfc822Name entries, or an emailAddress attribute in the subject. */
  hasEmail: boolean;
  /** IEEE 802.1AR / RFC 4108 device identity: a hardwareModuleName SAN, or a serialNumber attribute in the subject. */
  hasDeviceIdentity: boolean;
}

const DEVICE_EKUS: readonly string[] = [EKU.ipsecEndSystem, EKU.ipsecTunnel, EKU.ipsecUser, EKU.eapOverLan, EKU.ipsecIke];

/**
 * The profile, first match wins:
 * 1. `ca` — BasicConstraints cA, or keyCertSign in KeyUsage (RFC 5280 requires cA with
 *    keyCertSign; a certificate asserting either is treated as able to issue).
 * 2. `ocsp-signing`, 3. `code-signing`, 4. `tls-server` (a server certificate usually carries
 *    clientAuth too), 5. `tls-client`, 6. `email` — by EKU.
 * 7. `device` — a device EKU (IPsec, IKE, EAP over LAN), or, with no specific EKU, an 802.1AR-style
 *    identity (hardwareModuleName or subject serialNumber) without DNS or e-mail names.
 * Without EKU (or with only anyExtendedKeyUsage), the names decide: DNS/IP names with a
 *    signature or key-transport usage → `tls-server` (the pre-EKU web PKI); e-mail names → `email`.
 * 8. `other` otherwise (time stamping, document signing, unknown purposes).
 */
export function certificateProfile(p: ProfileInput): CertificateProfile {
  const ku = p.keyUsage;
  if (p.ca || (ku !== null && (ku & KU.keyCertSign) !== 0)) return 'ca';
  const eku = new Set(p.eku ?? []);
  if (eku.has(EKU.ocspSigning)) return 'ocsp-signing';
  if (eku.has(EKU.codeSigning)) return 'code-signing';
  if (eku.has(EKU.serverAuth)) return 'tls-server';
  if (eku.has(EKU.clientAuth)) return 'tls-client';
  if (eku.has(EKU.emailProtection)) return 'email';
  if (DEVICE_EKUS.some((o) => eku.has(o))) return 'device';
  const unconstrained = p.eku === null || (eku.size === 1 && eku.has(EKU.anyExtendedKeyUsage));
  if (!unconstrained) return 'other';
  const endEntityUse = ku === null || (ku & (KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement)) !== 0;
  if (p.hasDnsOrIp && endEntityUse) return 'tls-server';
  if (p.hasEmail) return 'email';
  if (p.hasDeviceIdentity) return 'device';
  return 'other';
}

/** How a profile reads in a table. */
export const PROFILE_LABELS: Readonly<Record<CertificateProfile, string>> = {
  'tls-server': 'TLS server',
  'tls-client': 'TLS client',
  'code-signing': 'Code signing',
  email: 'E-mail (S/MIME)',
  ca: 'Certificate authority',
  'ocsp-signing': 'OCSP signing',
  device: 'Device identity',
  other: 'Other',
};
