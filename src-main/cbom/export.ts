// Export of the inventory as a CycloneDX 1.6 CBOM: one algorithm component per algorithm in use,
// one related-crypto-material component per key (public metadata only), one certificate
// component per certificate. No private or secret material is ever written: asymmetric keys are
// described by their public key (value = base64 DER SubjectPublicKeyInfo, which is public),
// symmetric keys by algorithm, size, state and KCV.
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { ALGORITHMS, INVENTORY_ONLY_ALGORITHMS, type AlgorithmInfo, type InventoryOnlyAlgorithmInfo } from '../../src-shared/keys.js';
import type { KeyState } from '../../src-shared/keys.js';
import { securityStrength } from '../policy/key-facts.js';
import type { Db } from '../vault/database.js';
import type { UnlockedVault } from '../vault/vault.js';
import { PROP, type MATERIAL_STATES } from './model.js';

/** SP 800-57 state → CycloneDX relatedCryptoMaterialProperties.state (Destroyed Compromised is destroyed; custos:state keeps the exact one). */
export const STATE_TO_CBOM: Readonly<Record<KeyState, (typeof MATERIAL_STATES)[number]>> = {
  'pre-active': 'pre-activation',
  active: 'active',
  suspended: 'suspended',
  deactivated: 'deactivated',
  compromised: 'compromised',
  destroyed: 'destroyed',
  'destroyed-compromised': 'destroyed',
};

interface AlgorithmDescription {
  ref: string;
  name: string;
  primitive: string;
  parameterSetIdentifier?: string;
  curve?: string;
  oid?: string;
  cryptoFunctions: string[];
  classicalSecurityLevel?: number;
}

function describeAlgorithm(id: string): AlgorithmDescription {
  const info =
    (ALGORITHMS as Record<string, AlgorithmInfo | undefined>)[id] ?? (INVENTORY_ONLY_ALGORITHMS as Record<string, InventoryOnlyAlgorithmInfo | undefined>)[id];
  const ref = `crypto/algorithm/${id}`;
  if (!info) return { ref, name: id, primitive: 'unknown', cryptoFunctions: ['unknown'] };
  // SP 800-57 Part 1 strength, as the policy engine rates it; none where the size is each key's own (rsa-other, ec-other, dsa).
  const base = { ref, name: info.label, classicalSecurityLevel: info.size ? securityStrength(info.family, info.size, info.curve) || undefined : undefined };
  switch (info.family) {
    case 'rsa':
      // rsa-other has no one size: each key component carries its own.
      return { ...base, primitive: 'signature', ...(info.size ? { parameterSetIdentifier: String(info.size) } : {}), oid: '1.2.840.113549.1.1.1', cryptoFunctions: ['keygen', 'sign', 'verify', 'encrypt', 'decrypt'] };
    case 'ec':
      return { ...base, primitive: 'signature', ...(info.curve ? { curve: { 'P-256': 'secp256r1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[info.curve] ?? info.curve } : {}), oid: '1.2.840.10045.2.1', cryptoFunctions: ['keygen', 'sign', 'verify'] };
    case 'eddsa':
      return info.curve === 'Ed448'
        ? { ...base, primitive: 'signature', curve: 'Ed448', oid: '1.3.101.113', cryptoFunctions: ['sign', 'verify'] }
        : { ...base, primitive: 'signature', curve: 'Ed25519', oid: '1.3.101.112', cryptoFunctions: ['keygen', 'sign', 'verify'] };
    case 'dsa':
      return { ...base, primitive: 'signature', oid: '1.2.840.10040.4.1', cryptoFunctions: ['sign', 'verify'] };
    case 'xdh':
      return { ...base, primitive: 'key-agree', curve: info.curve!, oid: info.curve === 'X448' ? '1.3.101.111' : '1.3.101.110', cryptoFunctions: ['keygen', 'keyderive'] };
    case 'aes':
      return { ...base, primitive: 'block-cipher', parameterSetIdentifier: String(info.size), cryptoFunctions: ['keygen', 'encrypt', 'decrypt'] };
    case 'hmac':
      return { ...base, primitive: 'mac', oid: '1.2.840.113549.2.9', cryptoFunctions: ['keygen', 'tag'] };
  }
}

const SIGNATURE_PRIMITIVE = (name: string) => ({ ref: `crypto/algorithm/signature/${name}`, name, primitive: 'signature', cryptoFunctions: ['sign', 'verify'] }) satisfies AlgorithmDescription;

interface KeyRow {
  id: string;
  name: string;
  algorithm: string;
  size: number;
  store: string;
  state: KeyState;
  purpose: string | null;
  fingerprint: string | null;
  kcv: string | null;
  spki: Buffer | null;
  createdAt: string;
  activationAt: string | null;
  processStopAt: string | null;
}

interface CertRow {
  id: string;
  fingerprint: string;
  der: Buffer;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: string;
  spkiFingerprint: string;
  profile: string;
  trust: string | null;
}

const prop = (name: string, value: string | null | undefined) => (value === null || value === undefined ? [] : [{ name, value }]);

const KEY_COLUMNS = `k.id, k.name, k.algorithm, k.size, k.store, k.state, k.purpose, k.fingerprint, k.kcv, v.public_spki AS spki,
              v.generated_at AS createdAt, v.activation_at AS activationAt, v.process_stop_at AS processStopAt`;
const CERT_COLUMNS = 'id, fingerprint, der, subject, issuer, not_before AS notBefore, not_after AS notAfter, signature_algorithm AS signatureAlgorithm, spki_fingerprint AS spkiFingerprint, profile, trust';

/** One related-crypto-material component (public metadata only). */
function keyComponent(k: KeyRow, alg: AlgorithmDescription) {
  const asymmetric = k.spki !== null;
  return {
    type: 'cryptographic-asset',
    'bom-ref': `crypto/key/${k.id}`,
    name: k.name,
    ...(k.spki ? { hashes: [{ alg: 'SHA-256', content: createHash('sha256').update(k.spki).digest('hex') }] } : {}),
    cryptoProperties: {
      assetType: 'related-crypto-material',
      relatedCryptoMaterialProperties: {
        type: asymmetric ? 'public-key' : 'secret-key',
        id: k.id,
        state: STATE_TO_CBOM[k.state],
        algorithmRef: alg.ref,
        creationDate: k.createdAt,
        ...(k.activationAt ? { activationDate: k.activationAt } : {}),
        ...(k.processStopAt ? { expirationDate: k.processStopAt } : {}),
        size: k.size,
        ...(k.spki ? { format: 'DER', value: k.spki.toString('base64') } : {}),
        securedBy: { mechanism: k.store === 'token' ? 'HSM' : k.store === 'vault' ? 'Software (encrypted vault)' : 'None (public key only)' },
      },
    },
    properties: [
      ...prop(PROP.keyId, k.id),
      ...prop(PROP.state, k.state),
      ...prop(PROP.store, k.store),
      ...prop(PROP.purpose, k.purpose),
      ...prop(PROP.spkiFingerprint, k.fingerprint),
      ...prop(PROP.kcv, k.kcv),
    ],
  };
}

/** One certificate component; `keyRef` is the component of the inventory key with its public key, when there is one. */
function certComponent(c: CertRow, sig: AlgorithmDescription, keyRef: string | undefined) {
  return {
    type: 'cryptographic-asset',
    'bom-ref': `crypto/certificate/${c.fingerprint}`,
    name: c.subject || c.fingerprint,
    hashes: [{ alg: 'SHA-256', content: c.fingerprint }],
    cryptoProperties: {
      assetType: 'certificate',
      certificateProperties: {
        subjectName: c.subject,
        issuerName: c.issuer,
        notValidBefore: c.notBefore,
        notValidAfter: c.notAfter,
        signatureAlgorithmRef: sig.ref,
        ...(keyRef ? { subjectPublicKeyRef: keyRef } : {}),
        certificateFormat: 'X.509',
        certificateExtension: 'der',
      },
    },
    properties: [...prop(PROP.spkiFingerprint, c.spkiFingerprint), ...prop(PROP.profile, c.profile), ...prop(PROP.trust, c.trust), ...prop(PROP.certificateDer, c.der.toString('base64'))],
  };
}

function algorithmComponent(a: AlgorithmDescription) {
  return {
    type: 'cryptographic-asset',
    'bom-ref': a.ref,
    name: a.name,
    cryptoProperties: {
      assetType: 'algorithm',
      ...(a.oid ? { oid: a.oid } : {}),
      algorithmProperties: {
        primitive: a.primitive,
        ...(a.parameterSetIdentifier ? { parameterSetIdentifier: a.parameterSetIdentifier } : {}),
        ...(a.curve ? { curve: a.curve } : {}),
        cryptoFunctions: a.cryptoFunctions,
        ...(a.classicalSecurityLevel ? { classicalSecurityLevel: a.classicalSecurityLevel, nistQuantumSecurityLevel: 0 } : {}),
      },
    },
  };
}

function bomHeader(options: { now: Date; toolVersion: string }) {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: { timestamp: options.now.toISOString(), tools: { components: [{ type: 'application', name: 'Custos', version: options.toolVersion }] } },
  };
}

/**
 * The whole inventory, or the keys `keyIds` and the certificates of their public keys, as a
 * CycloneDX 1.6 BOM object (serialise with JSON.stringify), in one synchronous pass (the evidence
 * pack, a selection's CBOM from the inventory's bulk bar).
 */
export function exportCbom(db: Db, options: { now: Date; toolVersion: string; keyIds?: readonly string[] }): Record<string, unknown> {
  const selected = options.keyIds === undefined ? null : JSON.stringify(options.keyIds);
  const keys = (
    selected === null
      ? db.prepare(`SELECT ${KEY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version ORDER BY k.created_at, k.id`).all()
      : db.prepare(`SELECT ${KEY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.id IN (SELECT value FROM json_each(?)) ORDER BY k.created_at, k.id`).all(selected)
  ) as KeyRow[];
  const certs = (
    selected === null
      ? db.prepare(`SELECT ${CERT_COLUMNS} FROM certificates ORDER BY first_seen_at, id`).all()
      : db.prepare(`SELECT ${CERT_COLUMNS} FROM certificates WHERE spki_fingerprint IN (SELECT fingerprint FROM keys WHERE id IN (SELECT value FROM json_each(?)) AND fingerprint IS NOT NULL) ORDER BY first_seen_at, id`).all(selected)
  ) as CertRow[];

  const algorithms = new Map<string, AlgorithmDescription>();
  const keyRefByFingerprint = new Map<string, string>();
  const keyComponents = keys.map((k) => {
    const alg = describeAlgorithm(k.algorithm);
    algorithms.set(alg.ref, alg);
    if (k.fingerprint) keyRefByFingerprint.set(k.fingerprint, `crypto/key/${k.id}`);
    return keyComponent(k, alg);
  });
  const certComponents = certs.map((c) => {
    const sig = SIGNATURE_PRIMITIVE(c.signatureAlgorithm);
    algorithms.set(sig.ref, sig);
    return certComponent(c, sig, keyRefByFingerprint.get(c.spkiFingerprint));
  });
  return { ...bomHeader(options), components: [...[...algorithms.values()].map(algorithmComponent), ...keyComponents, ...certComponents] };
}

export interface CbomStreamOptions {
  now: Date;
  toolVersion: string;
  /** Keys (or certificates) per read; default 1,024. */
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * The whole-inventory CBOM written to `path` a page at a time: each page of keys (then of
 * certificates) is one `read` — one short turn of the core's serial queue — and is turned into
 * JSON and written outside it, so a million keys never hold the queue (or sit in memory) at once.
 * Same document as exportCbom, one component per line; pages follow rowid (insertion order, which
 * is creation order for the demo seeder and nearly so otherwise) because a keyset on the primary
 * key needs no sort. The file is written as `path.partial` and renamed at the end; a cancel
 * (AbortSignal) or an error removes it. Returns the counts; the caller audits.
 */
export async function streamCbom(read: <T>(fn: (db: Db) => T) => Promise<T>, path: string, options: CbomStreamOptions): Promise<{ path: string; components: number; keys: number; bytes: number }> {
  const size = Math.max(1, options.chunkSize ?? 1024);
  const { signal } = options;
  const head = await read((db) => ({
    algorithms: (db.prepare('SELECT DISTINCT algorithm FROM keys').pluck().all() as string[]).map(describeAlgorithm),
    signatures: (db.prepare('SELECT DISTINCT signature_algorithm FROM certificates').pluck().all() as string[]).map(SIGNATURE_PRIMITIVE),
    keys: (db.prepare('SELECT COUNT(*) FROM keys').pluck().get() as number),
    certificates: (db.prepare('SELECT COUNT(*) FROM certificates').pluck().get() as number),
  }));
  const total = head.keys + head.certificates;
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  let bytes = 0;
  let components = 0;
  let keys = 0;
  let done = 0;
  const write = (text: string) => {
    bytes += writeSync(fd, text);
  };
  const emit = (c: unknown) => {
    write(`${components === 0 ? '' : ',\n'}${JSON.stringify(c)}`);
    components++;
  };
  try {
    const header = JSON.stringify(bomHeader(options));
    write(`${header.slice(0, -1)},"components":[\n`);
    const algs = new Map<string, AlgorithmDescription>();
    for (const a of [...head.algorithms, ...head.signatures]) algs.set(a.ref, a);
    for (const a of algs.values()) emit(algorithmComponent(a));
    let after = 0;
    for (;;) {
      const page = await read((db) => db.prepare(`SELECT k.rowid AS rid, ${KEY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.rowid > ? ORDER BY k.rowid LIMIT ?`).all(after, size) as Array<KeyRow & { rid: number }>);
      signal?.throwIfAborted();
      if (page.length === 0) break;
      after = page.at(-1)!.rid;
      for (const k of page) emit(keyComponent(k, algs.get(`crypto/algorithm/${k.algorithm}`) ?? describeAlgorithm(k.algorithm)));
      keys += page.length;
      done += page.length;
      options.onProgress?.(done, total);
      await tick();
      signal?.throwIfAborted();
    }
    after = 0;
    for (;;) {
      const page = await read((db) => {
        const certs = db.prepare(`SELECT rowid AS rid, ${CERT_COLUMNS} FROM certificates WHERE rowid > ? ORDER BY rowid LIMIT ?`).all(after, size) as Array<CertRow & { rid: number }>;
        const fps = [...new Set(certs.map((c) => c.spkiFingerprint))];
        const refs = new Map<string, string>();
        if (fps.length) for (const r of db.prepare(`SELECT id, fingerprint FROM keys WHERE fingerprint IN (${fps.map(() => '?').join(',')})`).all(...fps) as Array<{ id: string; fingerprint: string }>) refs.set(r.fingerprint, `crypto/key/${r.id}`);
        return { certs, refs };
      });
      signal?.throwIfAborted();
      if (page.certs.length === 0) break;
      after = page.certs.at(-1)!.rid;
      for (const c of page.certs) emit(certComponent(c, algs.get(SIGNATURE_PRIMITIVE(c.signatureAlgorithm).ref) ?? SIGNATURE_PRIMITIVE(c.signatureAlgorithm), page.refs.get(c.spkiFingerprint)));
      done += page.certs.length;
      options.onProgress?.(done, total);
      await tick();
      signal?.throwIfAborted();
    }
    write('\n]}\n');
    closeSync(fd);
    renameSync(partial, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
    throw e;
  }
  return { path, components, keys, bytes };
}

/** Writes the CBOM to `path` (owner-only) and audits it (`cbom.export`). Callers check permissions. */
export function writeCbom(v: UnlockedVault, path: string, options: { now: Date; toolVersion: string }): { path: string; components: number; bytes: number } {
  const bom = exportCbom(v.db, options);
  const text = `${JSON.stringify(bom, null, 2)}\n`;
  writeFileSync(path, text, { mode: 0o600 });
  const components = (bom.components as unknown[]).length;
  v.record({ actor: v.user.name, operation: 'cbom.export', outcome: 'success', details: { path, components } });
  return { path, components, bytes: Buffer.byteLength(text) };
}
