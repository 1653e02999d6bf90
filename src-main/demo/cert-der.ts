import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/**
 * Minimal X.509 v1 certificates for the demo estate: a real DER structure (RFC 5280) carrying a
 * real P-256 public key and a real ECDSA-SHA256 signature by the demo CA, so every parser and
 * `openssl x509` reads them; no extensions, because the demo only needs subjects, issuers,
 * validity and the SPKI that links a certificate to its key. Built by hand (a few hundred bytes
 * of DER) because the full certificate builder costs milliseconds per certificate and the demo
 * makes thousands.
 */

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const ECDSA_SHA256 = seq(Buffer.from('06082a8648ce3d040302', 'hex'));
const OID_CN = Buffer.from('0603550403', 'hex');
const OID_O = Buffer.from('060355040a', 'hex');

function name(cn: string, o: string): Buffer {
  return seq(tlv(0x31, seq(OID_O, tlv(0x0c, Buffer.from(o, 'utf8')))), tlv(0x31, seq(OID_CN, tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

function time(d: Date): Buffer {
  const iso = d.toISOString();
  const digits = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  const year = d.getUTCFullYear();
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return year < 2050 && year >= 1950 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export interface DemoCa {
  name: string;
  org: string;
  key: KeyObject;
}

export function demoCa(name: string, org: string): DemoCa {
  return { name, org, key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
}

export interface DemoCertificate {
  der: Buffer;
  /** SHA-256 of the DER, hex. */
  fingerprint: string;
  /** The subject key's SubjectPublicKeyInfo DER and its SHA-256 (the key's fingerprint). */
  spki: Buffer;
  spkiFingerprint: string;
  serial: string;
  subject: string;
  issuer: string;
}

/** A fresh P-256 key pair (the private half is dropped at once) and a certificate for it. */
export function demoCertificate(ca: DemoCa, o: { cn: string; org: string; serial: Buffer; notBefore: Date; notAfter: Date }): DemoCertificate {
  const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(integer(o.serial), ECDSA_SHA256, name(ca.name, ca.org), seq(time(o.notBefore), time(o.notAfter)), name(o.cn, o.org), spki);
  const signature = sign('sha256', tbs, ca.key);
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature));
  return {
    der,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    spki,
    spkiFingerprint: createHash('sha256').update(spki).digest('hex'),
    serial: o.serial.toString('hex'),
    subject: `CN=${o.cn}, O=${o.org}`,
    issuer: `CN=${ca.name}, O=${ca.org}`,
  };
}
