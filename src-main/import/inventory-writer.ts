import { createPublicKey, randomBytes } from 'node:crypto';
import { FAMILY_USAGE, type InventoryAlgorithmId } from '../../src-shared/keys.js';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { KeyRepository } from '../keys/repository.js';
import { KU, type CertificateProfile } from '../certs/profile.js';
import type { UnlockedVault } from '../vault/vault.js';
import { certificateFacts, type CertificateFacts } from './certificate-facts.js';
import { spkiFacts } from './public-key-facts.js';
import { recordKeyFindings } from '../analysis/key-findings.js';

/**
 * The one place where discovered and imported public material enters the inventory: public keys
 * (store 'external', de-duplicated by SPKI fingerprint) and certificates (de-duplicated by the
 * SHA-256 of their DER, with a sighting per place they were seen, linked to their key by SPKI
 * fingerprint). Every change is audited in its own transaction. Callers check permissions.
 */

export type KeyOrigin = 'imported' | 'discovered';
export type SightingKind = 'file' | 'tls' | 'cbom' | 'token' | 'issued';

export interface RecordPublicKeyInput {
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  name: string;
  origin: KeyOrigin;
  /** Where it came from, for the audit trail: a file path, "tls:host:port", "cbom:file". */
  source: string;
  /** KMIP usage mask when known (a certificate's KeyUsage); 0 otherwise. Bits the family cannot have are dropped. */
  usageMask?: number;
}

export interface RecordedKey {
  keyId: string;
  /** false: a key with this SPKI fingerprint was already in the inventory (nothing changed). */
  created: boolean;
  fingerprint: string;
  algorithm: InventoryAlgorithmId;
  name: string;
}

export interface Sighting {
  kind: SightingKind;
  location: string;
  /** 0 = leaf, 1 = its issuer, … when seen in a chain. */
  chainPosition?: number | null;
}

export interface RecordCertificateOptions {
  /** When no key has the certificate's SPKI fingerprint, create a public key entry for it (store 'external'). */
  createKey?: { origin: KeyOrigin; name?: string };
}

export interface RecordedCertificate {
  certificateId: string;
  /** false: the certificate (same DER) was already stored; a new or refreshed sighting may still have been written. */
  created: boolean;
  /** true when this place was not yet among the certificate's sightings. */
  newSighting: boolean;
  fingerprint: string;
  spkiFingerprint: string;
  subject: string;
  profile: CertificateProfile;
  /** The inventory key with the same SPKI fingerprint, when there is one (or was just created). */
  keyId: string | null;
  keyCreated: boolean;
  /**
   * Set when createKey was asked but the key cannot be held (an algorithm outside even the
   * inventory-only ones, e.g. DH, or an unreadable SPKI): the certificate is stored all the same, unlinked.
   * RSA-1024, DSA, other curves, X25519, … are held (inventory-only algorithms, src-shared/keys.ts).
   */
  keyUnsupported: string | null;
}

/** Names are labels people read: no control characters, at most 128 characters, never empty. */
export function sanitizeName(name: string, fallback: string): string {
  const clean = name.replace(/[\p{Cc}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return (clean || fallback).slice(0, 128);
}

/** KMIP usages a certificate's KeyUsage grants the key (RFC 5280 §4.2.1.3 → KMIP); recordPublicKey limits them to the key's family. */
export function usageFromKeyUsage(keyUsage: number | null): number {
  if (keyUsage === null) return 0;
  let m = 0;
  if (keyUsage & (KU.digitalSignature | KU.nonRepudiation)) m |= KMIP_USAGE.Sign | KMIP_USAGE.Verify;
  if (keyUsage & KU.keyEncipherment) m |= KMIP_USAGE.WrapKey | KMIP_USAGE.UnwrapKey;
  if (keyUsage & KU.dataEncipherment) m |= KMIP_USAGE.Encrypt | KMIP_USAGE.Decrypt;
  if (keyUsage & KU.keyAgreement) m |= KMIP_USAGE.KeyAgreement;
  if (keyUsage & KU.keyCertSign) m |= KMIP_USAGE.CertificateSign;
  if (keyUsage & KU.cRLSign) m |= KMIP_USAGE.CRLSign;
  return m;
}

/** The canonical SPKI fingerprint (Node re-encodes the key); the raw bytes' digest when Node cannot read them. */
export function canonicalSpkiFingerprint(spki: Uint8Array): string {
  try {
    return spkiFingerprint(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' }));
  } catch {
    return spkiFingerprint(spki);
  }
}

/**
 * Records a public key, or returns the inventory key that already has its SPKI fingerprint.
 * New entries: store 'external', state 'active' (the key is in use somewhere; the vault holds no
 * material, so nothing here can use it), no material. Keys of inventory-only algorithms (RSA-1024,
 * secp256k1, DSA, X25519, …) are recorded like any other: that is how the analysis and the policy
 * see them. Throws E_UNSUPPORTED for algorithms not even the inventory holds (DH, …), E_INPUT for unreadable SPKI.
 */
export function recordPublicKey(v: UnlockedVault, input: RecordPublicKeyInput): RecordedKey {
  const facts = spkiFacts(input.spki);
  const fingerprint = spkiFingerprint(facts.spki);
  const repo = new KeyRepository(v.db);
  const existing = repo.findByFingerprint(fingerprint);
  if (existing) {
    const r = v.db.prepare('SELECT name, algorithm FROM keys WHERE id = ?').get(existing) as { name: string; algorithm: InventoryAlgorithmId };
    return { keyId: existing, created: false, fingerprint, algorithm: r.algorithm, name: r.name };
  }
  const id = randomBytes(16).toString('hex');
  const name = sanitizeName(input.name, `${facts.algorithm} ${fingerprint.slice(0, 12)}`);
  const usageMask = (input.usageMask ?? 0) & FAMILY_USAGE[facts.family];
  const now = v.now();
  const createdAt = now.toISOString();
  v.change(
    {
      actor: v.sessionUser?.name ?? null, operation: 'key.import', keyId: id, keyVersion: 1, outcome: 'success',
      details: { origin: input.origin, store: 'external', material: 'public', algorithm: facts.algorithm, fingerprint, usageMask, source: input.source.slice(0, 512) },
    },
    () => {
      repo.insert({
        id, name, algorithm: facts.algorithm, family: facts.family, size: facts.size, curve: facts.curve, store: 'external', state: 'active',
        createdAt, createdBy: v.sessionUser?.name ?? 'system', fingerprint, kcv: null, spki: facts.spki, usageMask, origin: input.origin, extractable: false, token: null,
      });
      // Its weak-key findings at once, in the same transaction (see ../analysis/key-findings.ts).
      recordKeyFindings(v.db, { id, spki: facts.spki, algorithm: facts.algorithm, family: facts.family, size: facts.size, curve: facts.curve, usageMask }, now);
    },
  );
  return { keyId: id, created: true, fingerprint, algorithm: facts.algorithm, name };
}

function commonName(subject: string): string | null {
  const m = /(?:^|,\s*)CN=((?:[^,\\]|\\.)*)/.exec(subject);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}

/**
 * Records a certificate (one row per distinct DER), where it was seen, and its link to the key
 * with the same SPKI fingerprint. A repeated sighting of the same place refreshes its time and
 * position. With `createKey`, a missing key is recorded first, in the same transaction.
 * Throws E_INPUT when the DER is not a readable certificate (nothing is written).
 */
export function recordCertificate(v: UnlockedVault, der: Uint8Array | CertificateFacts, sighting: Sighting, options: RecordCertificateOptions = {}): RecordedCertificate {
  // Facts decoded elsewhere (the parse worker) may arrive as plain Uint8Arrays after structured clone.
  const facts = der instanceof Uint8Array ? certificateFacts(der) : { ...der, der: Buffer.from(der.der), spki: Buffer.from(der.spki) };
  const spkiFp = canonicalSpkiFingerprint(facts.spki);
  const location = sighting.location.slice(0, 1024);
  const now = v.now().toISOString();
  return v.db.transaction((): RecordedCertificate => {
    let keyId = new KeyRepository(v.db).findByFingerprint(spkiFp);
    let keyCreated = false;
    let keyUnsupported: string | null = null;
    if (!keyId && options.createKey) {
      try {
        const k = recordPublicKey(v, {
          spki: facts.spki,
          name: options.createKey.name ?? commonName(facts.subject) ?? facts.subject,
          origin: options.createKey.origin,
          source: `${sighting.kind}:${location}`,
          usageMask: usageFromKeyUsage(facts.keyUsage),
        });
        keyId = k.keyId;
        keyCreated = k.created;
      } catch (e) {
        if (!(e instanceof CustosError) || (e.code !== 'E_UNSUPPORTED' && e.code !== 'E_INPUT')) throw e;
        keyUnsupported = e.message;
      }
    }
    const row = v.db.prepare('SELECT id FROM certificates WHERE fingerprint = ?').get(facts.fingerprint) as { id: string } | undefined;
    const certificateId = row?.id ?? randomBytes(16).toString('hex');
    const seen = row
      ? (v.db.prepare('SELECT 1 FROM certificate_sightings WHERE certificate_id = ? AND kind = ? AND location = ?').get(certificateId, sighting.kind, location) as unknown)
      : undefined;
    const newSighting = seen === undefined;
    v.change(
      {
        actor: v.sessionUser?.name ?? null, operation: row ? 'certificate.sighting' : 'certificate.record', keyId, outcome: 'success',
        details: { certificate: facts.fingerprint, spkiFingerprint: spkiFp, subject: facts.subject.slice(0, 256), profile: facts.profile, kind: sighting.kind, location, chainPosition: sighting.chainPosition ?? null, linked: keyId !== null },
      },
      () => {
        if (!row) {
          v.db
            .prepare(
              `INSERT INTO certificates (id, fingerprint, der, subject, issuer, serial, not_before, not_after, signature_algorithm, spki_fingerprint, profile, is_ca, first_seen_at)
               VALUES (@id, @fingerprint, @der, @subject, @issuer, @serial, @notBefore, @notAfter, @signatureAlgorithm, @spkiFingerprint, @profile, @isCa, @now)`,
            )
            .run({ ...pick(facts), id: certificateId, spkiFingerprint: spkiFp, isCa: facts.isCa ? 1 : 0, now });
        }
        v.db
          .prepare(
            `INSERT INTO certificate_sightings (certificate_id, kind, location, chain_position, seen_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (certificate_id, kind, location) DO UPDATE SET chain_position = excluded.chain_position, seen_at = excluded.seen_at`,
          )
          .run(certificateId, sighting.kind, location, sighting.chainPosition ?? null, now);
      },
    );
    return { certificateId, created: !row, newSighting, fingerprint: facts.fingerprint, spkiFingerprint: spkiFp, subject: facts.subject, profile: facts.profile, keyId, keyCreated, keyUnsupported };
  })();
}

function pick(f: CertificateFacts) {
  return { fingerprint: f.fingerprint, der: f.der, subject: f.subject, issuer: f.issuer, serial: f.serial, notBefore: f.notBefore, notAfter: f.notAfter, signatureAlgorithm: f.signatureAlgorithm, profile: f.profile };
}
