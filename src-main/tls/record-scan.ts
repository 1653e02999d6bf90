import { createTrustEvaluator, type TrustModel } from '../certs/trust.js';
import { CustosError } from '../errors.js';
import { recordCertificate } from '../import/inventory-writer.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { ChainResult } from './fetch-chain.js';

export interface TlsScanOutcome {
  target: string;
  outcome: 'recorded' | 'failed';
  message: string | null;
  protocol: string | null;
  certificates: Array<{ certificateId: string; subject: string; profile: string; position: number; created: boolean; trust: TrustModel }>;
  /** The inventory key of the leaf certificate (created when new), or null when it cannot be held. */
  leafKeyId: string | null;
  leafKeyCreated: boolean;
}

/**
 * Records each presented chain through the inventory writer: every certificate with a 'tls'
 * sighting at "host:port" and its chain position; the leaf's public key is linked into the
 * inventory (created as a discovered key when new). A certificate that cannot be read fails that
 * target only.
 */
export function recordScan(v: UnlockedVault, results: readonly ChainResult[]): TlsScanOutcome[] {
  return results.map((r): TlsScanOutcome => {
    if (!r.ok) return { target: r.target.label, outcome: 'failed', message: r.message, protocol: null, certificates: [], leafKeyId: null, leafKeyCreated: false };
    const certificates: TlsScanOutcome['certificates'] = [];
    let leafKeyId: string | null = null;
    let leafKeyCreated = false;
    let message: string | null = null;
    const trustOf = createTrustEvaluator(r.chain);
    for (let i = 0; i < r.chain.length; i++) {
      try {
        const rec = recordCertificate(v, r.chain[i]!, { kind: 'tls', location: r.target.label, chainPosition: i }, i === 0 ? { createKey: { origin: 'discovered' } } : {});
        certificates.push({ certificateId: rec.certificateId, subject: rec.subject, profile: rec.profile, position: i, created: rec.created, trust: trustOf(r.chain[i]!) });
        if (i === 0) {
          leafKeyId = rec.keyId;
          leafKeyCreated = rec.keyCreated;
          if (rec.keyUnsupported) message = `The leaf key is not held in the inventory: ${rec.keyUnsupported}`;
        }
      } catch (e) {
        if (!(e instanceof CustosError)) throw e;
        message = `Certificate ${i} of the chain could not be read: ${e.message}`;
        if (i === 0) return { target: r.target.label, outcome: 'failed', message, protocol: r.protocol, certificates, leafKeyId: null, leafKeyCreated: false };
      }
    }
    return { target: r.target.label, outcome: 'recorded', message, protocol: r.protocol, certificates, leafKeyId, leafKeyCreated };
  });
}

/**
 * A whole scan: the chains recorded (each through the writer, audited there), then one `tls.scan`
 * audit event in the same transaction as the trust model of every certificate presented (public
 * when its chain reaches a bundled Mozilla root, private otherwise).
 */
export function recordTlsScan(v: UnlockedVault, results: readonly ChainResult[], actor: string): TlsScanOutcome[] {
  const outcomes = recordScan(v, results);
  const setTrust = v.db.prepare('UPDATE certificates SET trust = ? WHERE id = ?');
  v.change(
    {
      actor,
      operation: 'tls.scan',
      outcome: 'success',
      details: {
        targets: results.map((r) => r.target.label).join(',').slice(0, 1000),
        recorded: outcomes.filter((o) => o.outcome === 'recorded').length,
        failed: outcomes.filter((o) => o.outcome === 'failed').length,
      },
    },
    () => {
      for (const o of outcomes) for (const c of o.certificates) setTrust.run(c.trust, c.certificateId);
    },
  );
  return outcomes;
}
