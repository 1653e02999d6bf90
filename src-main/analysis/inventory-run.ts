// One analysis run over the whole inventory: every key's public part (weak-key checks, batch GCD
// across all RSA moduli, the blocklist when one is loaded), every symmetric key's recorded
// algorithm and size, and every certificate (trust model, dates, signatures, usage, reuse).
//
// Three steps, so the core's serial queue is held only for reads and the final write:
//   snapshotInventory(db)  — reads what the checks need (public data only; no material);
//   analyzeSnapshot(s, o)  — the checks, yielding to the event loop every 20 ms, cancellable;
//   persistAnalysis(v, r)  — replaces the stored findings of each source that ran and records
//                            one audit event, in one transaction.
import { X509Certificate } from 'node:crypto';
import { certificateFindings, type CertificateFacts, type CertKeyFacts } from '../certs/cert-findings.js';
import { createTrustEvaluator, type TrustModel } from '../certs/trust.js';
import type { Db } from '../vault/database.js';
import type { UnlockedVault } from '../vault/vault.js';
import { checkBlocklist, type Blocklist } from './blocklist.js';
import { defaultBatchGcdWorker, findSharedFactors, sharedFactorFinding } from './batch-gcd.js';
import type { AnalysisFinding, Severity } from './findings.js';
import { replaceFindings, ruleTitle, type FindingSource, type NewFinding } from './findings-store.js';
import { publicKeyChecks, type KeyCheckResult } from './key-checks.js';
import { checkKeysInWorkers, KEY_CHUNK } from './key-checks-pool.js';
import { checkSymmetricKey } from './symmetric-checks.js';

export interface SnapshotKey {
  id: string;
  name: string;
  algorithm: string;
  family: string;
  size: number;
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

/** Reads the live inventory (destroyed keys are not judged) and every certificate with its sightings. */
export function snapshotInventory(db: Db): InventorySnapshot {
  const keys = db
    .prepare(
      `SELECT k.id, k.name, k.algorithm, k.family, k.size, k.store, k.usage_mask AS usageMask, k.purpose, k.fingerprint, v.public_spki AS spki
       FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version
       WHERE k.state NOT IN ('destroyed', 'destroyed-compromised')`,
    )
    .all() as SnapshotKey[];
  const sightings = new Map<string, Array<{ kind: string; location: string }>>();
  for (const s of db.prepare('SELECT certificate_id AS id, kind, location FROM certificate_sightings').iterate() as Iterable<{ id: string; kind: string; location: string }>) {
    const list = sightings.get(s.id) ?? [];
    list.push({ kind: s.kind, location: s.location });
    sightings.set(s.id, list);
  }
  const certificates = (
    db
      .prepare('SELECT id, der, subject, spki_fingerprint AS spkiFingerprint, profile, is_ca AS isCa, not_before AS notBefore, not_after AS notAfter, signature_algorithm AS signatureAlgorithm FROM certificates')
      .all() as Array<Omit<CertificateFacts, 'isCa' | 'sightings'> & { isCa: number }>
  ).map((c) => ({ ...c, isCa: c.isCa === 1, sightings: sightings.get(c.id) ?? [] }));
  return { keys, certificates };
}

export interface AnalysisRunOptions {
  now: Date;
  blocklist?: Blocklist | null;
  /** Certificates expiring within this many days are reported (default 30). */
  expiryHorizonDays?: number;
  /** Batch GCD worker bundle; undefined: the built one when present; null: in this thread. */
  workerScript?: string | null;
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

export async function analyzeSnapshot(snapshot: InventorySnapshot, options: AnalysisRunOptions): Promise<AnalysisRunResult> {
  const { signal } = options;
  const progress = (fraction: number, label: string) => options.onProgress?.(Math.min(1, Math.max(0, fraction)), label);
  signal?.throwIfAborted();
  const weak: NewFinding[] = [];
  const blocked: NewFinding[] = [];

  // Public keys: the inventory's, then those of certificates whose key is not in the inventory
  // (an RSA-1024 TLS certificate cannot be held as a key, but its weakness is still a finding).
  const subjects: Subject[] = [];
  const fingerprints = new Set<string>();
  for (const k of snapshot.keys) {
    if (k.spki) {
      subjects.push({ keyId: k.id, certificateId: null, spki: k.spki });
      if (k.fingerprint) fingerprints.add(k.fingerprint);
    } else {
      for (const f of checkSymmetricKey(k)) weak.push(toNew({ keyId: k.id, certificateId: null }, f));
    }
  }
  for (const c of snapshot.certificates) {
    if (fingerprints.has(c.spkiFingerprint)) continue;
    fingerprints.add(c.spkiFingerprint);
    // A certificate Node cannot read has no key to check; the certificate checks still run.
    const spki = certificateSpki(c.der);
    if (spki) subjects.push({ keyId: null, certificateId: c.id, spki });
  }

  // Per-key checks: in worker threads when the analysis worker is built and the inventory is
  // large enough to pay for starting them; otherwise here, in 20 ms slices.
  const worker = options.workerScript === undefined ? defaultBatchGcdWorker() : options.workerScript;
  let checked: KeyCheckResult[];
  if (worker && subjects.length > KEY_CHUNK) {
    checked = await checkKeysInWorkers(
      subjects.map((x) => x.spki),
      { workerScript: worker, signal, onChunk: (done) => progress((0.5 * done) / subjects.length, 'Checking keys') },
    );
  } else {
    checked = [];
    let slice = performance.now();
    for (let i = 0; i < subjects.length; i++) {
      checked.push(publicKeyChecks(subjects[i]!.spki));
      if (performance.now() - slice > SLICE_MS) {
        progress((0.5 * (i + 1)) / subjects.length, 'Checking keys');
        await tick();
        signal?.throwIfAborted();
        slice = performance.now();
      }
    }
  }
  const moduli: Array<{ subject: Subject; n: bigint }> = [];
  let sliceStart = performance.now();
  for (let i = 0; i < subjects.length; i++) {
    const s = subjects[i]!;
    const r = checked[i]!;
    for (const f of r.findings) weak.push(toNew(s, f));
    if (r.modulus !== null) moduli.push({ subject: s, n: r.modulus });
    if (options.blocklist) for (const f of safeBlocklist(options.blocklist, s.spki)) blocked.push(toNew(s, f));
    if (performance.now() - sliceStart > SLICE_MS) {
      await tick();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
  progress(0.5, 'Looking for shared primes');

  // Batch GCD over every RSA modulus (Heninger et al. 2012): factored keys are reported as such.
  let factoredKeys = 0;
  if (moduli.length > 1) {
    const shared = await findSharedFactors(
      moduli.map((m) => m.n),
      { workerScript: worker ?? undefined, signal, onProgress: (p) => progress(0.5 + (0.4 * p.done) / Math.max(1, p.total), 'Looking for shared primes') },
    );
    for (const s of shared) {
      const f = sharedFactorFinding(s);
      if (f.factor !== undefined) factoredKeys++;
      weak.push(toNew(moduli[s.index]!.subject, f));
    }
  }
  signal?.throwIfAborted();
  progress(0.9, 'Checking certificates');

  // Certificates: findings, and the trust model of each, following issuers among known certificates.
  const keyFacts = new Map<string, CertKeyFacts>();
  for (const k of snapshot.keys) {
    if (k.fingerprint && k.spki) keyFacts.set(k.fingerprint, { id: k.id, fingerprint: k.fingerprint, usageMask: k.usageMask, purpose: k.purpose, store: k.store, family: k.family });
  }
  const certs = certificateFindings(snapshot.certificates, keyFacts, { now: options.now, horizonDays: options.expiryHorizonDays }).map((f) => toNew(f, f));
  const trustOf = createTrustEvaluator(snapshot.certificates.map((c) => c.der));
  const trust: AnalysisRunResult['trust'] = [];
  sliceStart = performance.now();
  for (let i = 0; i < snapshot.certificates.length; i++) {
    const c = snapshot.certificates[i]!;
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
  return { findings, trust, keysAnalyzed: subjects.length + snapshot.keys.filter((k) => !k.spki).length, certificatesAnalyzed: snapshot.certificates.length, factoredKeys };
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

/** Only the blocklist, over every public key of the snapshot (when an officer loads a new list). */
export function matchBlocklist(snapshot: InventorySnapshot, blocklist: Blocklist): AnalysisRunResult {
  const blocked: NewFinding[] = [];
  const seen = new Set<string>();
  for (const k of snapshot.keys) {
    if (!k.spki) continue;
    if (k.fingerprint) seen.add(k.fingerprint);
    for (const f of safeBlocklist(blocklist, k.spki)) blocked.push(toNew({ keyId: k.id, certificateId: null }, f));
  }
  for (const c of snapshot.certificates) {
    if (seen.has(c.spkiFingerprint)) continue;
    seen.add(c.spkiFingerprint);
    const spki = certificateSpki(c.der);
    if (spki) for (const f of safeBlocklist(blocklist, spki)) blocked.push(toNew({ keyId: null, certificateId: c.id }, f));
  }
  return { findings: { blocklist: blocked }, trust: [], keysAnalyzed: snapshot.keys.length, certificatesAnalyzed: snapshot.certificates.length, factoredKeys: 0 };
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
