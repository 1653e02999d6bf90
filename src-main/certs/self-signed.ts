import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CustosError } from '../errors.js';
import { parseDistinguishedName } from './dn.js';
import { buildRequestedExtensions, keyUsageFromMask, subjectKeyIdentifier, type KeyUsageName } from './extensions.js';
import { toPemBlock } from './pem.js';
import { checkSignedObject, resolveSigner, type CertSigner } from './signer.js';

/** A self-signed X.509 v3 certificate (RFC 5280), signed through the core's callback. */

export interface SelfSignedOptions {
  /** RFC 4514 subject (and issuer), most specific first: "CN=Root CA 2026, O=Example, C=GB". */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** The key's KMIP usage mask; KeyUsage is derived from it (keyUsageFromMask). */
  usageMask: number;
  /** BasicConstraints cA (written, critical, in every certificate). A CA needs CertificateSign in the mask. */
  ca: boolean;
  /** BasicConstraints pathLenConstraint; CA only. */
  pathLength?: number;
  /** subjectAltName dNSName entries. */
  dnsNames?: readonly string[];
  /** Extended key usages: serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning or dotted OIDs. */
  extendedKeyUsage?: readonly string[];
  /** See CsrOptions.checkSignature: tests only. */
  checkSignature?: boolean;
}

export interface CertificateResult {
  der: Uint8Array;
  pem: string;
  subject: string;
  /** Lowercase hex, as openssl prints it without colons. */
  serialNumber: string;
  /** As encoded: whole seconds. */
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER certificate, lowercase hex. */
  fingerprint: string;
  /** Subject (= authority) key identifier, lowercase hex. */
  subjectKeyIdentifier: string;
  signatureAlgorithm: string;
  keyUsage: KeyUsageName[];
}

/** 16 random bytes, high bit clear (positive) and next bit set (always 16 octets, never a leading zero). */
export function randomSerialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b.toString('hex');
}

function checkValidity(notBefore: Date, notAfter: Date): void {
  for (const [label, d] of [['notBefore', notBefore], ['notAfter', notAfter]] as const) {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new CustosError('E_INPUT', `The certificate's ${label} is not a valid date.`);
    const y = d.getUTCFullYear();
    if (y < 1950 || y > 9999) throw new CustosError('E_INPUT', `The certificate's ${label} must fall between the years 1950 and 9999.`);
  }
  if (Math.floor(notAfter.getTime() / 1000) <= Math.floor(notBefore.getTime() / 1000)) {
    throw new CustosError('E_INPUT', 'The certificate must expire (notAfter) after it becomes valid (notBefore).');
  }
}

export async function createSelfSignedCertificate(signer: CertSigner, options: SelfSignedOptions): Promise<CertificateResult> {
  const resolved = resolveSigner(signer);
  const subject = parseDistinguishedName(options.subject);
  checkValidity(options.notBefore, options.notAfter);
  const keyUsage = keyUsageFromMask(options.usageMask, resolved.info.family);
  if (options.ca && !keyUsage.includes('keyCertSign')) {
    throw new CustosError('E_INPUT', 'A CA certificate needs a key whose usage mask includes CertificateSign.');
  }
  const ski = subjectKeyIdentifier(resolved.spki).toString('hex');
  const extensions = [
    ...buildRequestedExtensions(
      { ca: options.ca, pathLength: options.pathLength, keyUsage, dnsNames: options.dnsNames, extendedKeyUsage: options.extendedKeyUsage },
      { alwaysBasicConstraints: true },
    ),
    new x509.SubjectKeyIdentifierExtension(ski, false),
    // Self-signed: the authority is the subject (RFC 5280 §4.2.1.1 allows omitting it; we write it).
    new x509.AuthorityKeyIdentifierExtension(ski, false),
  ];
  const serialNumber = randomSerialNumber();
  let cert: x509.X509Certificate;
  try {
    cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber,
        subject: subject.name,
        issuer: subject.name,
        notBefore: options.notBefore,
        notAfter: options.notAfter,
        publicKey: resolved.spki,
        signingKey: resolved.webKey.privateKey,
        signingAlgorithm: resolved.signingAlgorithm,
        extensions,
      },
      resolved.provider,
    );
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError('E_CRYPTO', 'The certificate could not be built or signed.', { cause: e });
  }
  const der = new Uint8Array(cert.rawData);
  if (options.checkSignature !== false) checkSignedObject(resolved, der, 'certificate');
  return {
    der,
    pem: toPemBlock('CERTIFICATE', der),
    subject: subject.text,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    subjectKeyIdentifier: ski,
    signatureAlgorithm: resolved.signatureAlgorithmName,
    keyUsage,
  };
}
