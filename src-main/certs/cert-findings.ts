// Findings about certificates and how their keys are used (issue 7):
//
// - cert-expired / cert-expiring: notAfter passed, or within the horizon (default 30 days).
// - cert-weak-signature: signed with MD2, MD5 or SHA-1 (chosen-prefix collisions: Stevens et al.,
//   "Short chosen-prefix collisions for MD5 and the creation of a rogue CA certificate",
//   CRYPTO 2009; Leurent & Peyrin, "SHA-1 is a Shambles", USENIX Security 2020; SHA-1 signatures
//   disallowed by NIST SP 800-131A Rev. 2 §3). Self-signed certificates are exempt: nobody
//   verifies a trust anchor's own signature (RFC 5280 §6.1).
// - cert-key-usage: the certificate's KeyUsage/EKU do not fit the key's KMIP usage mask (a
//   certificate allowing digitalSignature for a key that may not Sign, keyCertSign for one that
//   may not CertificateSign, keyEncipherment for one that may neither Encrypt nor WrapKey,
//   keyAgreement for one that may not KeyAgreement), or its profile does not fit the key's
//   purpose; and KeyUsage inconsistent with the EKU or BasicConstraints within the certificate
//   itself (RFC 5280 §4.2.1.3 and §4.2.1.12: a CA certificate without keyCertSign; serverAuth
//   without digitalSignature/keyEncipherment/keyAgreement, per RFC 5280's EKU table).
// - key-reuse-certificates / key-reuse-hosts / key-reuse-purposes: one public key (SPKI) in
//   several certificates, behind several TLS endpoints, or for several profiles (SP 800-57 Pt 1
//   Rev. 5 §5.2: a key is used for one purpose).
// - ca-key-outside-token: a CA certificate whose key is in the inventory but not on a token
//   (CA/Browser Forum Baseline Requirements §6.2.7: CA private keys in a hardware module).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import type { Severity } from '../analysis/findings.js';
import { EKU, KU } from './profile.js';

export interface CertificateFacts {
  id: string;
  der: Uint8Array;
  subject: string;
  spkiFingerprint: string;
  profile: string;
  isCa: boolean;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: string;
  sightings: Array<{ kind: string; location: string }>;
}

export interface CertKeyFacts {
  id: string;
  fingerprint: string;
  usageMask: number;
  purpose: string | null;
  store: string;
  family: string;
}

export interface CertFinding {
  certificateId: string | null;
  keyId: string | null;
  check: string;
  severity: Severity;
  message: string;
}

export interface CertFindingOptions {
  now: Date;
  /** Days before notAfter from which a certificate counts as expiring. */
  horizonDays?: number;
}

export const DEFAULT_EXPIRY_HORIZON_DAYS = 30;

/** Signature algorithm OIDs with a broken hash (MD2, MD5, SHA-1), with a readable name. */
export const WEAK_SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
  '1.3.14.3.2.29': 'sha1WithRSASignature (OIW)',
};
const WEAK_NAMES = /^(md2|md5|sha1)(with|-with-)|ecdsa-with-sha1$|dsa-with-sha1$/i;

/** Profiles (derived from EKU/KU/BasicConstraints) and the key purposes each fits. */
const PROFILE_PURPOSES: Readonly<Record<string, readonly string[]>> = {
  'tls-server': ['tls-server', 'device-identity', 'general'],
  'tls-client': ['tls-client', 'device-identity', 'general'],
  'code-signing': ['code-signing', 'general'],
  email: ['document-signing', 'general'],
  ca: ['ca-root', 'ca-intermediate'],
  'ocsp-signing': ['ca-intermediate', 'general'],
  device: ['device-identity', 'tls-client', 'general'],
};

export function isWeakSignatureAlgorithm(alg: string): boolean {
  return alg in WEAK_SIGNATURE_ALGORITHMS || WEAK_NAMES.test(alg);
}

interface Parsed {
  keyUsage: number | null;
  eku: string[];
  selfSigned: boolean;
  caConstraint: boolean;
  /** The outer signatureAlgorithm OID, read from the DER (the stored name may be in any style). */
  signatureOid: string;
}

function parse(der: Uint8Array): Parsed | null {
  try {
    const c = new x509.X509Certificate(new Uint8Array(der));
    const ku = c.getExtension(x509.KeyUsagesExtension);
    const eku = c.getExtension(x509.ExtendedKeyUsageExtension);
    const bc = c.getExtension(x509.BasicConstraintsExtension);
    const signatureOid = pkijs.Certificate.fromBER(new Uint8Array(der)).signatureAlgorithm.algorithmId;
    return { keyUsage: ku ? ku.usages : null, eku: eku ? eku.usages.map(String) : [], selfSigned: c.subject === c.issuer, caConstraint: bc?.ca ?? false, signatureOid };
  } catch {
    return null;
  }
}

const DAY = 86_400_000;

/** Findings on each certificate alone (dates, signature, internal consistency, fit with its key). */
function perCertificate(c: CertificateFacts, key: CertKeyFacts | undefined, o: Required<CertFindingOptions>): CertFinding[] {
  const out: CertFinding[] = [];
  const add = (check: string, severity: Severity, message: string) => out.push({ certificateId: c.id, keyId: key?.id ?? null, check, severity, message });
  const notAfter = Date.parse(c.notAfter);
  const now = o.now.getTime();
  if (Number.isFinite(notAfter)) {
    if (notAfter < now) add('cert-expired', 'error', `The certificate "${c.subject}" expired on ${c.notAfter.slice(0, 10)}.`);
    else if (notAfter - now <= o.horizonDays * DAY) add('cert-expiring', 'warning', `The certificate "${c.subject}" expires on ${c.notAfter.slice(0, 10)}, within ${o.horizonDays} days: renew it.`);
  }
  const p = parse(c.der);
  const sig = p?.signatureOid ?? c.signatureAlgorithm;
  if (isWeakSignatureAlgorithm(sig) && !p?.selfSigned) {
    add('cert-weak-signature', 'error', `The certificate "${c.subject}" is signed with ${WEAK_SIGNATURE_ALGORITHMS[sig] ?? sig}, a broken hash: have it reissued with SHA-256 or better.`);
  }
  if (p && p.keyUsage !== null) {
    if ((c.isCa || p.caConstraint) && !(p.keyUsage & KU.keyCertSign)) add('cert-key-usage', 'warning', `The CA certificate "${c.subject}" lacks the keyCertSign key usage (RFC 5280 §4.2.1.3).`);
    if (p.eku.includes(EKU.serverAuth) && !(p.keyUsage & (KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement))) {
      add('cert-key-usage', 'warning', `The certificate "${c.subject}" allows TLS server authentication but its key usage allows neither digitalSignature, keyEncipherment nor keyAgreement.`);
    }
  }
  if (key) {
    const has = (bit: number) => (key.usageMask & bit) !== 0;
    const ku = p?.keyUsage ?? 0;
    const misfits: string[] = [];
    if (ku & (KU.digitalSignature | KU.nonRepudiation) && !has(KMIP_USAGE.Sign)) misfits.push('digitalSignature without Sign');
    if (ku & KU.keyCertSign && !has(KMIP_USAGE.CertificateSign)) misfits.push('keyCertSign without CertificateSign');
    if (ku & KU.cRLSign && !has(KMIP_USAGE.CRLSign)) misfits.push('cRLSign without CRLSign');
    if (ku & (KU.keyEncipherment | KU.dataEncipherment) && !has(KMIP_USAGE.Encrypt | KMIP_USAGE.WrapKey)) misfits.push('keyEncipherment without Encrypt or WrapKey');
    if (ku & KU.keyAgreement && !has(KMIP_USAGE.KeyAgreement | KMIP_USAGE.DeriveKey)) misfits.push('keyAgreement without KeyAgreement');
    if (misfits.length) add('cert-key-usage', 'warning', `The certificate "${c.subject}" allows more than the key's usage mask: ${misfits.join('; ')}.`);
    const fits = PROFILE_PURPOSES[c.profile];
    if (key.purpose && fits && !fits.includes(key.purpose)) add('cert-key-usage', 'warning', `The certificate "${c.subject}" is a ${c.profile} certificate, but its key's purpose is ${key.purpose}.`);
    if ((c.isCa || p?.caConstraint) && key.store !== 'token') add('ca-key-outside-token', 'error', `The key of the CA certificate "${c.subject}" is not on a token (store: ${key.store}): CA keys belong in a hardware module.`);
  }
  return out;
}

/** Findings for a set of certificates, and key reuse across them (grouped by SPKI). */
export function certificateFindings(certs: readonly CertificateFacts[], keysByFingerprint: ReadonlyMap<string, CertKeyFacts>, options: CertFindingOptions): CertFinding[] {
  const o = { now: options.now, horizonDays: options.horizonDays ?? DEFAULT_EXPIRY_HORIZON_DAYS };
  const out: CertFinding[] = [];
  const bySpki = new Map<string, CertificateFacts[]>();
  for (const c of certs) {
    out.push(...perCertificate(c, keysByFingerprint.get(c.spkiFingerprint), o));
    const g = bySpki.get(c.spkiFingerprint) ?? [];
    g.push(c);
    bySpki.set(c.spkiFingerprint, g);
  }
  for (const [spki, group] of bySpki) {
    const key = keysByFingerprint.get(spki);
    const hosts = new Set(group.flatMap((c) => c.sightings.filter((s) => s.kind === 'tls').map((s) => s.location)));
    const profiles = new Set(group.map((c) => c.profile).filter((p) => p !== 'other'));
    // A reuse finding belongs to the key when it is in the inventory, else to each certificate.
    const add = (check: string, message: string) => {
      if (key) out.push({ certificateId: null, keyId: key.id, check, severity: 'warning', message });
      else for (const c of group) out.push({ certificateId: c.id, keyId: null, check, severity: 'warning', message });
    };
    if (group.length > 1) add('key-reuse-certificates', `One public key is certified in ${group.length} certificates (${group.map((c) => `"${c.subject}"`).slice(0, 5).join(', ')}).`);
    if (hosts.size > 1) add('key-reuse-hosts', `One public key is presented by ${hosts.size} TLS endpoints (${[...hosts].sort().slice(0, 5).join(', ')}).`);
    if (profiles.size > 1) add('key-reuse-purposes', `One public key is certified for several purposes (${[...profiles].sort().join(', ')}).`);
  }
  return out;
}
