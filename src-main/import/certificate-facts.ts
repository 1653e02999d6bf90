import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { toPemBlock } from '../certs/pem.js';
import { certificateProfile, type CertificateProfile } from '../certs/profile.js';

/** Signature algorithm OIDs by the names OpenSSL prints; anything else is stored as its dotted OID. */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

/** What the inventory keeps of a certificate: its columns in `certificates`, and the decoded extensions. */
export interface CertificateFacts {
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  der: Buffer;
  /** RFC 4514-style text as @peculiar/x509 prints it ("CN=www.example.org, O=Example"). */
  subject: string;
  issuer: string;
  /** Lower-case hex, as the DER INTEGER carries it. */
  serial: string;
  notBefore: string;
  notAfter: string;
  /** OpenSSL's name ("sha256WithRSAEncryption", "ecdsa-with-SHA1") or the dotted OID. */
  signatureAlgorithm: string;
  signatureAlgorithmOid: string;
  spki: Buffer;
  spkiFingerprint: string;
  profile: CertificateProfile;
  isCa: boolean;
  selfIssued: boolean;
  keyUsage: number | null;
  extendedKeyUsage: string[] | null;
  subjectAltNames: Array<{ type: string; value: string }>;
  pathLength: number | null;
}

const SUBJECT_SERIAL_NUMBER = '2.5.4.5';
const EMAIL_ADDRESS = '1.2.840.113549.1.9.1';
const HARDWARE_MODULE_NAME = '1.3.6.1.5.5.7.8.4';

function hasAttribute(name: x509.Name, ...types: string[]): boolean {
  return name.toJSON().some((rdn) => types.some((t) => t in rdn));
}

/** The library's certificate, with the outer signature algorithm's OID from the structure it already decoded. */
class Certificate extends x509.X509Certificate {
  get signatureAlgorithmOid(): string {
    return this.asn.signatureAlgorithm.algorithm;
  }
}

/**
 * Decodes a DER X.509 certificate with @peculiar/x509 (fields, extensions, the outer signature
 * algorithm OID). Anything the libraries cannot read is E_INPUT: the caller reports the
 * file as malformed.
 */
export function certificateFacts(der: Uint8Array): CertificateFacts {
  const bytes = Buffer.from(der);
  let cert: Certificate;
  let sigOid: string;
  try {
    cert = new Certificate(bytes);
    sigOid = cert.signatureAlgorithmOid;
  } catch (e) {
    throw new CustosError('E_INPUT', `Not a readable X.509 certificate (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'}).`);
  }
  try {
    const spki = Buffer.from(cert.publicKey.rawData);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const names = (san?.names.items ?? []).map((n) => ({ type: String(n.type), value: String(n.value) }));
    const hmn = san ? JSON.stringify(san.names.toJSON()).includes(HARDWARE_MODULE_NAME) : false;
    const ekuOids = eku ? eku.usages.map((u) => String(u)) : null;
    const isCa = bc?.ca === true;
    const notBefore = cert.notBefore;
    const notAfter = cert.notAfter;
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw new Error('invalid validity dates');
    return {
      fingerprint: createHash('sha256').update(bytes).digest('hex'),
      der: bytes,
      subject: cert.subject,
      issuer: cert.issuer,
      serial: cert.serialNumber.toLowerCase(),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      signatureAlgorithm: SIGNATURE_ALGORITHMS[sigOid] ?? sigOid,
      signatureAlgorithmOid: sigOid,
      spki,
      spkiFingerprint: spkiFingerprint(spki),
      profile: certificateProfile({
        eku: ekuOids,
        keyUsage: ku ? ku.usages : null,
        ca: isCa,
        hasDnsOrIp: names.some((n) => n.type === 'dns' || n.type === 'ip'),
        hasEmail: names.some((n) => n.type === 'email') || hasAttribute(cert.subjectName, EMAIL_ADDRESS, 'E'),
        hasDeviceIdentity: hmn || hasAttribute(cert.subjectName, SUBJECT_SERIAL_NUMBER, 'serialNumber'),
      }),
      isCa,
      selfIssued: cert.subject === cert.issuer,
      keyUsage: ku ? ku.usages : null,
      extendedKeyUsage: ekuOids,
      subjectAltNames: names,
      pathLength: bc?.pathLength ?? null,
    };
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError('E_INPUT', `The certificate's fields cannot be read (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'}).`);
  }
}

export function certificatePem(der: Uint8Array): string {
  return toPemBlock('CERTIFICATE', der);
}
