import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CustosError } from '../errors.js';
import { parseDistinguishedName } from './dn.js';
import { toPemBlock } from './pem.js';
import { buildRequestedExtensions, keyUsageFromMask, type KeyUsageName } from './extensions.js';
import { checkSignedObject, resolveSigner, type CertSigner } from './signer.js';

/** A PKCS#10 certification request (RFC 2986), signed through the core's callback. */

export interface CsrOptions {
  /** RFC 4514 subject, most specific first: "CN=www.example.org, O=Example, C=GB". */
  subject: string;
  /**
   * The key's KMIP usage mask: when given, a KeyUsage extension derived from it
   * (keyUsageFromMask) is requested. Omit to request no KeyUsage.
   */
  usageMask?: number;
  /** Request BasicConstraints (cA, pathLen). Omitted from the request when undefined. */
  ca?: boolean;
  pathLength?: number;
  /** subjectAltName dNSName entries to request. */
  dnsNames?: readonly string[];
  /** Extended key usages to request: serverAuth, clientAuth, codeSigning, … or dotted OIDs. */
  extendedKeyUsage?: readonly string[];
  /**
   * Verify the signature of the result with the public key before returning it (default true).
   * Only tests turn this off, to show that a wrong signature really ends up in the output.
   */
  checkSignature?: boolean;
}

export interface CsrResult {
  der: Uint8Array;
  pem: string;
  /** The subject as RFC 4514 text, normalised. */
  subject: string;
  signatureAlgorithm: string;
  keyUsage: KeyUsageName[];
}

export async function createCsr(signer: CertSigner, options: CsrOptions): Promise<CsrResult> {
  const resolved = resolveSigner(signer);
  const subject = parseDistinguishedName(options.subject);
  const keyUsage = options.usageMask === undefined ? [] : keyUsageFromMask(options.usageMask, resolved.info.family);
  const extensions = buildRequestedExtensions(
    { ca: options.ca, pathLength: options.pathLength, keyUsage, dnsNames: options.dnsNames, extendedKeyUsage: options.extendedKeyUsage },
    { alwaysBasicConstraints: false },
  );
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = await x509.Pkcs10CertificateRequestGenerator.create(
      { name: subject.name, keys: resolved.webKey, signingAlgorithm: resolved.signingAlgorithm, extensions },
      resolved.provider,
    );
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError('E_CRYPTO', 'The certificate request could not be built or signed.', { cause: e });
  }
  const der = new Uint8Array(csr.rawData);
  if (options.checkSignature !== false) checkSignedObject(resolved, der, 'certificate request');
  return { der, pem: toPemBlock('CERTIFICATE REQUEST', der), subject: subject.text, signatureAlgorithm: resolved.signatureAlgorithmName, keyUsage };
}
