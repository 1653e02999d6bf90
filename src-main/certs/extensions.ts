import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import type { KeyFamily } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';

/**
 * The X.509 v3 extensions Custos writes, from what the core knows about a key: its family, its
 * KMIP usage mask and what the person asked for (CA or not, path length, DNS names, EKU).
 */

export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

const FLAG: Record<KeyUsageName, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
};

/**
 * X.509 KeyUsage bits (RFC 5280 §4.2.1.3) from a KMIP usage mask. Only usages the key's family can
 * really perform are carried over:
 *   Sign → digitalSignature; CertificateSign → keyCertSign; CRLSign → cRLSign (any signing key);
 *   Encrypt/Decrypt → keyEncipherment + dataEncipherment, WrapKey/UnwrapKey → keyEncipherment
 *   (RSA only: EC and Ed25519 keys do not encrypt); KeyAgreement → keyAgreement (EC only).
 * Verify, MAC, Export and DeriveKey have no KeyUsage bit. The result is in KEY_USAGE_NAMES order.
 */
export function keyUsageFromMask(mask: number, family: KeyFamily): KeyUsageName[] {
  const set = new Set<KeyUsageName>();
  const has = (bit: number) => (mask & bit) !== 0;
  const signs = family === 'rsa' || family === 'ec' || family === 'eddsa';
  if (signs && has(KMIP_USAGE.Sign)) set.add('digitalSignature');
  if (signs && has(KMIP_USAGE.CertificateSign)) set.add('keyCertSign');
  if (signs && has(KMIP_USAGE.CRLSign)) set.add('cRLSign');
  if (family === 'rsa' && (has(KMIP_USAGE.Encrypt) || has(KMIP_USAGE.Decrypt))) {
    set.add('keyEncipherment');
    set.add('dataEncipherment');
  }
  if (family === 'rsa' && (has(KMIP_USAGE.WrapKey) || has(KMIP_USAGE.UnwrapKey))) set.add('keyEncipherment');
  if (family === 'ec' && has(KMIP_USAGE.KeyAgreement)) set.add('keyAgreement');
  return KEY_USAGE_NAMES.filter((n) => set.has(n));
}

export function keyUsageFlags(names: readonly KeyUsageName[]): number {
  return names.reduce((f, n) => f | FLAG[n], 0);
}

/**
 * Subject key identifier, RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING
 * value (without tag, length and unused-bits octet). It is the value openssl, Windows and most CAs
 * compute, so tools that match SKI/AKI agree with us. SHA-1 here is an identifier, not a signature.
 */
export function subjectKeyIdentifier(spki: Uint8Array): Buffer {
  const parsed = asn1js.fromBER(new Uint8Array(spki));
  const seq = parsed.result;
  if (parsed.offset === -1 || !(seq instanceof asn1js.Sequence)) throw new CustosError('E_INPUT', 'The public key is not a valid DER SubjectPublicKeyInfo.');
  const bits = seq.valueBlock.value[1];
  if (!(bits instanceof asn1js.BitString)) throw new CustosError('E_INPUT', 'The public key is not a valid DER SubjectPublicKeyInfo.');
  return createHash('sha1').update(new Uint8Array(bits.valueBlock.valueHexView)).digest();
}

/** Extended key usages by name (RFC 5280 §4.2.1.12); a dotted OID is accepted as well. */
export const EXTENDED_KEY_USAGES = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;
export type ExtendedKeyUsageName = keyof typeof EXTENDED_KEY_USAGES;

export function extendedKeyUsageOids(usages: readonly string[]): string[] {
  return usages.map((u) => {
    const named = (EXTENDED_KEY_USAGES as Record<string, string>)[u];
    if (named) return named;
    if (/^[0-2](\.\d+)+$/.test(u)) return u;
    throw new CustosError('E_INPUT', `"${u}" is not an extended key usage: use ${Object.keys(EXTENDED_KEY_USAGES).join(', ')} or a dotted OID.`);
  });
}

/**
 * A DNS name for subjectAltName: letters, digits and hyphens per label (RFC 1035/5890 A-labels),
 * labels ≤ 63, name ≤ 253, optionally a single leading "*." wildcard. IP addresses are refused
 * here: they belong in an iPAddress name, not a dNSName.
 */
export function checkDnsName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  const bare = n.startsWith('*.') ? n.slice(2) : n;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  if (!bare || n.length > 253 || isIP(bare) !== 0 || !bare.split('.').every((l) => label.test(l))) {
    throw new CustosError('E_INPUT', `"${name}" is not a DNS name for subjectAltName (letters, digits, hyphens and dots; a leading "*." is allowed; IDNs as xn-- A-labels).`);
  }
  return n;
}

export interface ExtensionRequest {
  /** BasicConstraints cA. Omitted in a CSR unless set; always written (critical) in a certificate. */
  ca?: boolean;
  /** BasicConstraints pathLenConstraint; only with ca: true. */
  pathLength?: number;
  /** KeyUsage from the key's KMIP usage mask (critical). Omitted when no bit applies. */
  keyUsage?: readonly KeyUsageName[];
  dnsNames?: readonly string[];
  extendedKeyUsage?: readonly string[];
}

/** Builds the extensions in a fixed order: basicConstraints, keyUsage, extKeyUsage, subjectAltName. */
export function buildRequestedExtensions(req: ExtensionRequest, opts: { alwaysBasicConstraints: boolean }): x509.Extension[] {
  const out: x509.Extension[] = [];
  if (req.pathLength !== undefined) {
    if (!req.ca) throw new CustosError('E_INPUT', 'A path length constraint only applies to a CA certificate.');
    if (!Number.isInteger(req.pathLength) || req.pathLength < 0 || req.pathLength > 255) throw new CustosError('E_INPUT', 'The path length must be a whole number from 0 to 255.');
  }
  if (req.ca !== undefined || opts.alwaysBasicConstraints) {
    // RFC 5280 §4.2.1.9: critical in CA certificates; critical here in every case, as CAs do.
    out.push(new x509.BasicConstraintsExtension(req.ca === true, req.ca ? req.pathLength : undefined, true));
  }
  if (req.keyUsage && req.keyUsage.length > 0) out.push(new x509.KeyUsagesExtension(keyUsageFlags(req.keyUsage), true));
  if (req.extendedKeyUsage && req.extendedKeyUsage.length > 0) {
    out.push(new x509.ExtendedKeyUsageExtension(extendedKeyUsageOids(req.extendedKeyUsage), false));
  }
  if (req.dnsNames && req.dnsNames.length > 0) {
    const names = [...new Set(req.dnsNames.map(checkDnsName))];
    out.push(new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })), false));
  }
  return out;
}
