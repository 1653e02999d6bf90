import type { CertificateDetail, CertificateSummary } from '../../src-shared/contract-discovery.js';
import { CustosError } from '../errors.js';
import { EKU, KU } from '../certs/profile.js';
import type { Db } from '../vault/database.js';
import { certificateFacts, certificatePem } from './certificate-facts.js';

/** Reading certificates back: those of a key (by SPKI fingerprint), and one in detail. */

interface Row {
  id: string;
  fingerprint: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: string;
  not_after: string;
  signature_algorithm: string;
  spki_fingerprint: string;
  profile: CertificateSummary['profile'];
  trust: 'public' | 'private' | null;
  is_ca: number;
  key_id: string | null;
  sightings: number;
}

const SELECT = `SELECT c.id, c.fingerprint, c.subject, c.issuer, c.serial, c.not_before, c.not_after, c.signature_algorithm, c.spki_fingerprint,
       c.profile, c.trust, c.is_ca,
       (SELECT k.id FROM keys k WHERE k.fingerprint = c.spki_fingerprint LIMIT 1) AS key_id,
       (SELECT count(*) FROM certificate_sightings s WHERE s.certificate_id = c.id) AS sightings
  FROM certificates c`;

function summary(r: Row): CertificateSummary {
  return {
    id: r.id, fingerprint: r.fingerprint, subject: r.subject, issuer: r.issuer, serial: r.serial, notBefore: r.not_before, notAfter: r.not_after,
    signatureAlgorithm: r.signature_algorithm, spkiFingerprint: r.spki_fingerprint, profile: r.profile, trust: r.trust, isCa: r.is_ca === 1, keyId: r.key_id, sightings: r.sightings,
  };
}

/** Certificates whose key is any version of this key, the latest expiry first. E_NOT_FOUND for an unknown key. */
export function certificatesForKey(db: Db, keyId: string): CertificateSummary[] {
  if (!db.prepare('SELECT 1 FROM keys WHERE id = ?').get(keyId)) throw new CustosError('E_NOT_FOUND', `No key with id ${keyId} in this vault.`);
  const rows = db
    .prepare(`${SELECT} WHERE c.spki_fingerprint IN (SELECT fingerprint FROM key_versions WHERE key_id = ? AND fingerprint IS NOT NULL) ORDER BY c.not_after DESC, c.id`)
    .all(keyId) as Row[];
  return rows.map((r) => ({ ...summary(r), keyId }));
}

const KU_NAMES: Array<[number, string]> = Object.entries(KU).map(([name, bit]) => [bit, name]);
const EKU_NAMES = new Map<string, string>(Object.entries(EKU).map(([name, oid]) => [oid, name]));

export function certificateDetail(db: Db, id: string): CertificateDetail {
  const r = db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
  if (!r) throw new CustosError('E_NOT_FOUND', `No certificate with id ${id} in this vault.`);
  const { der } = db.prepare('SELECT der FROM certificates WHERE id = ?').get(id) as { der: Buffer };
  const f = certificateFacts(der);
  const keyName = r.key_id ? ((db.prepare('SELECT name FROM keys WHERE id = ?').get(r.key_id) as { name: string }).name ?? null) : null;
  const sightings = db
    .prepare('SELECT kind, location, chain_position AS chainPosition, seen_at AS seenAt FROM certificate_sightings WHERE certificate_id = ? ORDER BY seen_at DESC, kind, location')
    .all(id) as CertificateDetail['sightings'];
  return {
    ...summary(r),
    keyName,
    pem: certificatePem(der),
    selfIssued: f.selfIssued,
    subjectAltNames: f.subjectAltNames,
    keyUsage: f.keyUsage === null ? null : KU_NAMES.filter(([bit]) => (f.keyUsage! & bit) !== 0).map(([, n]) => n),
    extendedKeyUsage: f.extendedKeyUsage?.map((oid) => EKU_NAMES.get(oid) ?? oid) ?? null,
    pathLength: f.pathLength,
    sightings,
  };
}
