// One analysis run over the whole inventory: every key's public part (weak-key checks, batch GCD
// across all RSA moduli, the blocklist when one is loaded), every symmetric key's recorded
// algorithm and size, and every certificate (trust model, dates, signatures, usage, reuse).
//
// Three steps, so the core's serial queue is held only for reads and the final write:
//   inventorySource(read)    — reads what the checks need (public data only; no material), a
//                              chunk of keys per read (keyset pages by id), so a million keys are
//                              never in memory at once and the queue is free between chunks;
//   analyzeInventory(src, o) — the checks, chunk by chunk (progress per chunk, cancel between
//                              chunks), then one batch GCD over every RSA modulus;
//   persistAnalysis(v, r)    — replaces the stored findings of each source that ran and records
//                              one audit event, in one transaction.
// What stays in memory for the whole run is what the batch GCD needs (each RSA modulus and its
// owner's id), the certificates, and the findings; the SPKIs of a chunk are dropped once checked.
import { X509Certificate } from 'node:crypto';
import { certificateFindings, type CertificateFacts, type CertKeyFacts } from '../certs/cert-findings.js';
import { createTrustEvaluator, type TrustModel } from '../certs/trust.js';
import type { Db } from '../vault/database.js';
import type { UnlockedVault } from '../vault/vault.js';
import { checkBlocklist, type Blocklist } from './blocklist.js';
import { defaultBatchGcdWorker, findSharedFactors, sharedFactorFinding } from './batch-gcd.js';
import type { AnalysisFinding, Severity } from './findings.js';
import { replaceFindings, ruleTitle, type FindingSource, type NewFinding } from './findings-store.js';
import { algorithmStatusFindings } from './algorithm-status.js';
import { publicKeyChecks, type KeyCheckResult } from './key-checks.js';
import { KEY_CHUNK, openKeyChecksPool } from './key-checks-pool.js';
import { checkSymmetricKey } from './symmetric-checks.js';

export interface SnapshotKey {
  id: string;
  name: string;
  algorithm: string;
  family: string;
  size: number;
  /** Curve name (EC, EdDSA, XDH keys); absent in callers that build keys by hand. */
  curve?: string | null;
  store: string;
  usageMask: number;
  purpose: string | null;
  fingerprint: string | null;
  spki: Buffer | null;
}

export interface InventorySnapshot {
  keys: SnapshotKey[];
  certificates: CertificateFacts[];
}

/** Reads the live inventory (destroyed keys are not judged) and every certificate with its sightings, all at once. */
export function snapshotInventory(db: Db): InventorySnapshot {
  const keys = db.prepare(`SELECT ${KEY_COLUMNS} ${LIVE_KEYS}`).all() as SnapshotKey[];
  return { keys, certificates: snapshotCertificates(db) };
}

function snapshotCertificates(db: Db): CertificateFacts[] {
  const sightings = new Map<string, Array<{ kind: string; location: string }>>();
  for (const s of db.prepare('SELECT certificate_id AS id, kind, location FROM certificate_sightings').iterate() as Iterable<{ id: string; kind: string; location: string }>) {
    const list = sightings.get(s.id) ?? [];
    list.push({ kind: s.kind, location: s.location });
    sightings.set(s.id, list);
  }
  return (
    db
      .prepare('SELECT id, der, subject, spki_fingerprint AS spkiFingerprint, profile, is_ca AS isCa, not_before AS notBefore, not_after AS notAfter, signature_algorithm AS signatureAlgorithm FROM certificates')
      .all() as Array<Omit<CertificateFacts, 'isCa' | 'sightings'> & { isCa: number }>
  ).map((c) => ({ ...c, isCa: c.isCa === 1, sightings: sightings.get(c.id) ?? [] }));
}

/** Keys per read of the inventory (and per progress step). */
export const ANALYSIS_KEY_CHUNK = 4096;

const LIVE_KEYS = `FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version
       WHERE k.state NOT IN ('destroyed', 'destroyed-compromised')`;
const KEY_COLUMNS = 'k.id, k.name, k.algorithm, k.family, k.size, k.curve, k.store, k.usage_mask AS usageMask, k.purpose, k.fingerprint, v.public_spki AS spki';

/** Where an analysis run reads the inventory from, a chunk at a time. */
export interface InventorySource {
  /** Live keys (not destroyed) with an id greater than `after`, in id order, at most `limit`. */
  keys(after: string | null, limit: number): Promise<SnapshotKey[]>;
  /** How many live keys there are (progress only: keys added during the run are still read). */
  countKeys(): Promise<number>;
  /** Every certificate with its sightings. */
  certificates(): Promise<CertificateFacts[]>;
  /** The live keys whose SPKI fingerprint is one of `fingerprints` (the inventory keys of certificates). */
  keysByFingerprint(fingerprints: readonly string[]): Promise<SnapshotKey[]>;
}

/**
 * The vault as a source: each call is one `read` (the core passes its serial queue, so other work
 * runs between chunks; the CLI passes a direct call).
 */
export function inventorySource(read: <T>(fn: (db: Db) => T) => Promise<T> | T): InventorySource {
  return {
    keys: async (after, limit) =>
      read((db) => db.prepare(`SELECT ${KEY_COLUMNS} ${LIVE_KEYS} AND k.id > ? ORDER BY k.id LIMIT ?`).all(after ?? '', limit) as SnapshotKey[]),
    countKeys: async () => read((db) => (db.prepare(`SELECT COUNT(*) AS n ${LIVE_KEYS}`).get() as { n: number }).n),
    certificates: async () => read((db) => snapshotCertificates(db)),
    keysByFingerprint: async (fingerprints) => {
      const out: SnapshotKey[] = [];
      for (let i = 0; i < fingerprints.length; i += 500) {
        const part = fingerprints.slice(i, i + 500);
        out.push(...(await read((db) => db.prepare(`SELECT ${KEY_COLUMNS} ${LIVE_KEYS} AND k.fingerprint IN (${part.map(() => '?').join(',')})`).all(...part) as SnapshotKey[])));
      }
      return out;
    },
  };
}

/** A snapshot already in memory as a source (tests, and callers that have one). */
export function snapshotSource(snapshot: InventorySnapshot): InventorySource {
  const sorted = [...snapshot.keys].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    keys: async (after, limit) => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (after !== null && sorted[mid]!.id <= after) lo = mid + 1;
        else hi = mid;
      }
      return sorted.slice(lo, lo + limit);
    },
    countKeys: async () => sorted.length,
    certificates: async () => snapshot.certificates,
    keysByFingerprint: async (fingerprints) => {
      const wanted = new Set(fingerprints);
      return sorted.filter((k) => k.fingerprint !== null && wanted.has(k.fingerprint));
    },
  };
}

export interface AnalysisRunOptions {
  now: Date;
  blocklist?: Blocklist | null;
  /** Certificates expiring within this many days are reported (default 30). */
  expiryHorizonDays?: number;
  /** Batch GCD worker bundle; undefined: the built one when present; null: in this thread. */
  workerScript?: string | null;
  /** Keys read and checked per chunk (default ANALYSIS_KEY_CHUNK). */
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, label: string) => void;
}
export interface AnalysisRunResult {
  /** Findings per source that ran (a source absent here keeps its stored findings). */
  findings: Partial<Record<FindingSource, NewFinding[]>>;
  trust: Array<{ certificateId: string; trust: TrustModel }>;
  keysAnalyzed: number;
  certificatesAnalyzed: number;
  /** Keys whose modulus was factored (shared prime): reported as such, the factor is never kept. */
  factoredKeys: number;
}

/** A public key to judge: an inventory key, or the key of a certificate not linked to one. */
interface Subject {
  keyId: string | null;
  certificateId: string | null;
  spki: Buffer;
}

/** The checks run on the core's thread: give the event loop a turn at least every 20 ms (about 10 RSA keys). */
const SLICE_MS = 20;
const tick = () => new Promise<void>((r) => setImmediate(r));

const toNew = (s: { keyId: string | null; certificateId: string | null }, f: { check: string; severity: Severity; message: string }): NewFinding => ({
  keyId: s.keyId,
  certificateId: s.certificateId,
  rule: f.check,
  severity: f.severity,
  title: ruleTitle(f.check),
  detail: f.message,
});

/** One run over a snapshot already in memory (see analyzeInventory). */
export function analyzeSnapshot(snapshot: InventorySnapshot, options: AnalysisRunOptions): Promise<AnalysisRunResult> {
  return analyzeInventory(snapshotSource(snapshot), options);
}

/**
 * One run over the whole inventory, read from `source` a chunk of keys at a time: the per-key
 * checks (in worker threads above KEY_CHUNK keys when the worker is built), the blocklist and the
 * symmetric checks per chunk; then the batch GCD over every RSA modulus of every chunk (so a pair
 * split across chunks is found), then the certificates.
 */
export async function analyzeInventory(source: InventorySource, options: AnalysisRunOptions): Promise<AnalysisRunResult> {
  const { signal } = options;
  const progress = (fraction: number, label: string) => options.onProgress?.(Math.min(1, Math.max(0, fraction)), label);
  signal?.throwIfAborted();
  const chunkSize = Math.max(1, options.chunkSize ?? ANALYSIS_KEY_CHUNK);
  const weak: NewFinding[] = [];
  const blocked: NewFinding[] = [];
  const moduli: bigint[] = [];
  const owners: Array<{ keyId: string | null; certificateId: string | null }> = [];

  // Certificates first: their public keys are judged too when the inventory does not hold them
  // (an RSA-1024 TLS certificate cannot be held as a key, but its weakness is still a finding).
  const certificates = await source.certificates();
  signal?.throwIfAborted();
  const linkedKeys = (await source.keysByFingerprint([...new Set(certificates.map((c) => c.spkiFingerprint))])).filter((k) => k.spki && k.fingerprint);
  const keyFacts = new Map<string, CertKeyFacts>();
  for (const k of linkedKeys) keyFacts.set(k.fingerprint!, { id: k.id, fingerprint: k.fingerprint!, usageMask: k.usageMask, purpose: k.purpose, store: k.store, family: k.family });
  const certSubjects: Subject[] = [];
  const seen = new Set(keyFacts.keys());
  for (const c of certificates) {
    if (seen.has(c.spkiFingerprint)) continue;
    seen.add(c.spkiFingerprint);
    // A certificate Node cannot read has no key to check; the certificate checks still run.
    const spki = certificateSpki(c.der);
    if (spki) certSubjects.push({ keyId: null, certificateId: c.id, spki });
  }

  // Per-key checks: in worker threads when the analysis worker is built and the inventory is
  // large enough to pay for starting them (started once for the run); otherwise here, in 20 ms slices.
  const total = (await source.countKeys()) + certSubjects.length;
  const worker = options.workerScript === undefined ? defaultBatchGcdWorker() : options.workerScript;
  const pool = worker && total > KEY_CHUNK ? openKeyChecksPool({ workerScript: worker, signal }) : null;
  let done = 0;
  let keysAnalyzed = 0;
  const checkChunk = async (subjects: Subject[]) => {
    let checked: KeyCheckResult[];
    if (pool) {
      checked = await pool.check(
        subjects.map((x) => x.spki),
        (n) => progress((0.5 * (done + n)) / Math.max(1, total), 'Checking keys'),
      );
    } else {
      checked = [];
      let slice = performance.now();
      for (let i = 0; i < subjects.length; i++) {
        checked.push(publicKeyChecks(subjects[i]!.spki));
        if (performance.now() - slice > SLICE_MS) {
          progress((0.5 * (done + i + 1)) / Math.max(1, total), 'Checking keys');
          await tick();
          signal?.throwIfAborted();
          slice = performance.now();
        }
      }
    }
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[i]!;
      const r = checked[i]!;
      for (const f of r.findings) weak.push(toNew(s, f));
      if (r.modulus !== null) {
        moduli.push(r.modulus);
        owners.push({ keyId: s.keyId, certificateId: s.certificateId });
      }
      if (options.blocklist) for (const f of safeBlocklist(options.blocklist, s.spki)) blocked.push(toNew(s, f));
    }
  };
  try {
    // Keyset pages by id: each read is short, and a key is read at most once whatever changes between reads.
    let after: string | null = null;
    for (;;) {
      const chunk = await source.keys(after, chunkSize);
      signal?.throwIfAborted();
      if (chunk.length === 0) break;
      after = chunk.at(-1)!.id;
      const subjects: Subject[] = [];
      for (const k of chunk) {
        if (k.spki) {
          subjects.push({ keyId: k.id, certificateId: null, spki: k.spki });
          // A key nobody recorded a use for: what SP 800-131A says about its algorithm and size (as at import).
          for (const f of algorithmStatusFindings(k, options.now)) weak.push(toNew({ keyId: k.id, certificateId: null }, f));
        } else for (const f of checkSymmetricKey(k)) weak.push(toNew({ keyId: k.id, certificateId: null }, f));
      }
      await checkChunk(subjects);
      keysAnalyzed += chunk.length;
      done += chunk.length;
      progress((0.5 * done) / Math.max(1, total, done), 'Checking keys');
      await tick();
      signal?.throwIfAborted();
      if (chunk.length < chunkSize) break;
    }
    for (let i = 0; i < certSubjects.length; i += chunkSize) {
      await checkChunk(certSubjects.slice(i, i + chunkSize));
      done += Math.min(chunkSize, certSubjects.length - i);
      signal?.throwIfAborted();
    }
    keysAnalyzed += certSubjects.length;
  } finally {
    await pool?.close();
  }
  progress(0.5, 'Looking for shared primes');

  // Batch GCD over every RSA modulus (Heninger et al. 2012): factored keys are reported as such.
  let factoredKeys = 0;
  if (moduli.length > 1) {
    const shared = await findSharedFactors(moduli, {
      workerScript: worker ?? undefined,
      signal,
      onProgress: (p) => progress(0.5 + (0.4 * p.done) / Math.max(1, p.total), 'Looking for shared primes'),
    });
    for (const s of shared) {
      const f = sharedFactorFinding(s);
      if (f.factor !== undefined) factoredKeys++;
      weak.push(toNew(owners[s.index]!, f));
    }
  }
  signal?.throwIfAborted();
  progress(0.9, 'Checking certificates');

  // Certificates: findings, and the trust model of each, following issuers among known certificates.
  const certs = certificateFindings(certificates, keyFacts, { now: options.now, horizonDays: options.expiryHorizonDays }).map((f) => toNew(f, f));
  const trustOf = createTrustEvaluator(certificates.map((c) => c.der));
  const trust: AnalysisRunResult['trust'] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < certificates.length; i++) {
    const c = certificates[i]!;
    trust.push({ certificateId: c.id, trust: trustOf(c.der) });
    if (performance.now() - sliceStart > SLICE_MS) {
      await tick();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
  progress(1, 'Done');
  const findings: AnalysisRunResult['findings'] = { 'weak-keys': weak, certificates: certs };
  if (options.blocklist) findings.blocklist = blocked;
  return { findings, trust, keysAnalyzed, certificatesAnalyzed: certificates.length, factoredKeys };
}

export interface AnalysisRunSummary {
  keysAnalyzed: number;
  certificatesAnalyzed: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  sources: FindingSource[];
  foundAt: string;
}

/** Stores the run's findings (replacing each source that ran) and trust models, audited as one event. */
export function persistAnalysis(v: UnlockedVault, result: AnalysisRunResult, actor: string | null, extra: Record<string, string | number | boolean> = {}): AnalysisRunSummary {
  const foundAt = v.now().toISOString();
  const sources = Object.keys(result.findings) as FindingSource[];
  const all = sources.flatMap((s) => result.findings[s]!);
  const bySeverity = { critical: 0, error: 0, warning: 0, info: 0 } as Record<Severity, number>;
  for (const f of all) bySeverity[f.severity]++;
  // Findings may name keys or certificates removed since the snapshot; those rows are dropped.
  const liveKey = v.db.prepare('SELECT 1 FROM keys WHERE id = ?');
  const liveCert = v.db.prepare('SELECT 1 FROM certificates WHERE id = ?');
  v.change(
    {
      actor,
      operation: 'inventory.analyze',
      outcome: 'success',
      details: {
        keys: result.keysAnalyzed, certificates: result.certificatesAnalyzed, findings: all.length, factoredKeys: result.factoredKeys,
        critical: bySeverity.critical, error: bySeverity.error, warning: bySeverity.warning, info: bySeverity.info, sources: sources.join(','), ...extra,
      },
    },
    () => {
      for (const s of sources) {
        const kept = result.findings[s]!.filter((f) => (f.keyId === null || liveKey.get(f.keyId)) && (f.certificateId === null || liveCert.get(f.certificateId)));
        replaceFindings(v.db, s, kept, foundAt);
      }
      const setTrust = v.db.prepare('UPDATE certificates SET trust = ? WHERE id = ?');
      for (const t of result.trust) setTrust.run(t.trust, t.certificateId);
    },
  );
  return { keysAnalyzed: result.keysAnalyzed, certificatesAnalyzed: result.certificatesAnalyzed, findings: all.length, bySeverity, sources, foundAt };
}

/**
 * The inventory with its keys as a lazy sequence (one row at a time from SQLite), for a pass that
 * needs each key once and nothing across keys (matchBlocklist): a million keys never in memory.
 * Iterate it before writing to the database.
 */
export function streamedInventory(db: Db): { keys: Iterable<SnapshotKey>; certificates: CertificateFacts[] } {
  return { keys: db.prepare(`SELECT ${KEY_COLUMNS} ${LIVE_KEYS}`).iterate() as Iterable<SnapshotKey>, certificates: snapshotCertificates(db) };
}

/** Only the blocklist, over every public key of the inventory (when an officer loads a new list). */
export function matchBlocklist(snapshot: { keys: Iterable<SnapshotKey>; certificates: CertificateFacts[] }, blocklist: Blocklist): AnalysisRunResult {
  const blocked: NewFinding[] = [];
  const seen = new Set<string>(snapshot.certificates.map((c) => c.spkiFingerprint));
  const linked = new Set<string>();
  let keys = 0;
  for (const k of snapshot.keys) {
    keys++;
    if (!k.spki) continue;
    if (k.fingerprint && seen.has(k.fingerprint)) linked.add(k.fingerprint);
    for (const f of safeBlocklist(blocklist, k.spki)) blocked.push(toNew({ keyId: k.id, certificateId: null }, f));
  }
  const done = new Set<string>(linked);
  for (const c of snapshot.certificates) {
    if (done.has(c.spkiFingerprint)) continue;
    done.add(c.spkiFingerprint);
    const spki = certificateSpki(c.der);
    if (spki) for (const f of safeBlocklist(blocklist, spki)) blocked.push(toNew({ keyId: null, certificateId: c.id }, f));
  }
  return { findings: { blocklist: blocked }, trust: [], keysAnalyzed: keys, certificatesAnalyzed: snapshot.certificates.length, factoredKeys: 0 };
}

/**
 * matchBlocklist over a source read a chunk at a time (keyset pages by id, each one `read`: one
 * short turn of the core's serial queue), so loading a list over a million keys never holds the
 * queue; progress per chunk, cancel between chunks. Same findings as matchBlocklist.
 */
export async function matchBlocklistInChunks(
  source: InventorySource,
  blocklist: Blocklist,
  options: { chunkSize?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<AnalysisRunResult> {
  const { signal } = options;
  const size = Math.max(1, options.chunkSize ?? ANALYSIS_KEY_CHUNK);
  const certificates = await source.certificates();
  const total = await source.countKeys();
  const certFingerprints = new Set<string>(certificates.map((c) => c.spkiFingerprint));
  const linked = new Set<string>();
  const blocked: NewFinding[] = [];
  let keys = 0;
  let after: string | null = null;
  for (;;) {
    const chunk = await source.keys(after, size);
    signal?.throwIfAborted();
    if (chunk.length === 0) break;
    after = chunk.at(-1)!.id;
    for (const k of chunk) {
      if (!k.spki) continue;
      if (k.fingerprint && certFingerprints.has(k.fingerprint)) linked.add(k.fingerprint);
      for (const f of safeBlocklist(blocklist, k.spki)) blocked.push(toNew({ keyId: k.id, certificateId: null }, f));
    }
    keys += chunk.length;
    options.onProgress?.(keys, Math.max(total, keys));
    await tick();
    signal?.throwIfAborted();
    if (chunk.length < size) break;
  }
  const done = new Set<string>(linked);
  for (const c of certificates) {
    if (done.has(c.spkiFingerprint)) continue;
    done.add(c.spkiFingerprint);
    const spki = certificateSpki(c.der);
    if (spki) for (const f of safeBlocklist(blocklist, spki)) blocked.push(toNew({ keyId: null, certificateId: c.id }, f));
  }
  return { findings: { blocklist: blocked }, trust: [], keysAnalyzed: keys, certificatesAnalyzed: certificates.length, factoredKeys: 0 };
}

function safeBlocklist(list: Blocklist, spki: Buffer): AnalysisFinding[] {
  try {
    return checkBlocklist(list, spki);
  } catch {
    return [];
  }
}

function certificateSpki(der: Uint8Array): Buffer | null {
  try {
    return Buffer.from(new X509Certificate(Buffer.from(der)).publicKey.export({ type: 'spki', format: 'der' }));
  } catch {
    return null;
  }
}
