// The findings of one key, judged when it enters the inventory (import, TLS scan, CBOM, token
// discovery), so a weak key is reported at once instead of after the next analysis run.
//
// Decision — one source for import and run: the rows are stored under the source 'weak-keys',
// the source an analysis run replaces as a whole (findings-store.ts replaceFindings). The
// checks here are exactly the run's per-key checks of that key (publicKeyChecks and the SP 800-131A
// algorithm status), so the next run writes the same rows again: nothing is
// duplicated, and nothing is lost. What needs the whole inventory (shared primes by batch GCD) or
// state the writer does not have (the blocklist, held in the core's memory) waits for a run.
import type { Db } from '../vault/database.js';
import { algorithmStatusFindings, type AlgorithmFacts } from './algorithm-status.js';
import type { AnalysisFinding } from './findings.js';
import { ruleTitle } from './findings-store.js';
import { publicKeyChecks } from './key-checks.js';

export interface NewKeyFacts extends AlgorithmFacts {
  id: string;
  /** DER SPKI; null for a secret key. */
  spki: Uint8Array | null;
}

/** Every per-key finding of one key: what a run would store for it, apart from cross-key checks. */
export function keyFindings(k: NewKeyFacts, asOf: Date): AnalysisFinding[] {
  if (!k.spki) return [];
  return [...publicKeyChecks(k.spki).findings, ...algorithmStatusFindings(k, asOf)];
}

/** Stores `keyFindings` of a new key under the run's source (call inside the key's transaction); returns how many. */
export function recordKeyFindings(db: Db, k: NewKeyFacts, now: Date): number {
  const found = keyFindings(k, now);
  const insert = db.prepare("INSERT INTO analysis_findings (key_id, certificate_id, source, rule, severity, title, detail, found_at) VALUES (?, NULL, 'weak-keys', ?, ?, ?, ?, ?)");
  for (const f of found) insert.run(k.id, f.check, f.severity, ruleTitle(f.check), f.message, now.toISOString());
  return found.length;
}
