import type { ComplianceScore, InventoryAggregates } from '../../src-shared/contract-inventory.js';
import type { Db } from '../vault/database.js';
import { activePolicy, viewActivePolicy } from '../app/policy-service.js';
import { inventoryAggregates } from '../inventory/aggregates.js';

/**
 * The compliance report as data (custos.compliance-report/v1): inventory summary, compliance as of
 * the chosen date, findings with their remediation, cryptoperiod status, upcoming rotations and
 * certificate expiries. Everything comes from the inventory's summary tables and indexed lists
 * (never a scan of a million keys), so it is as fast as the dashboard. pdf.ts renders it.
 */

export const REPORT_FORMAT = 'custos.compliance-report/v1';

/** What to do about each kind of analysis finding (analysis_findings.rule). */
export const ANALYSIS_REMEDIATION: Readonly<Record<string, string>> = {
  'rsa-size': 'Replace the key with RSA-3072 or larger (or an EC key) and revoke certificates for it.',
  'rsa-exponent': 'Generate a new key with public exponent 65537 and retire this one.',
  'rsa-small-factor': 'The key is broken: revoke it, replace it, and treat everything it protected as exposed.',
  'rsa-close-primes': 'The key is broken: revoke it, replace it, and treat everything it protected as exposed.',
  'rsa-roca': 'Regenerate the key outside the affected Infineon library (update the token firmware) and revoke the old key.',
  'rsa-shared-prime': 'Both keys are broken: revoke and replace them; find the faulty generator (low entropy at boot).',
  'rsa-duplicate-modulus': 'Every key sharing the modulus shares the private key: give each holder its own new key.',
  'ec-curve': 'Replace the key with one on P-256, P-384, P-521 or Ed25519.',
  'ec-point': 'The public key is invalid: find where it came from and replace it.',
  'ed25519-point': 'The public key is invalid: find where it came from and replace it.',
  'ed25519-small-order': 'Replace the key; signatures under it prove nothing.',
  'ed25519-torsion': 'Replace the key with a canonical Ed25519 key.',
  'sym-des': 'Move to AES-256 and re-encrypt the data.',
  'sym-tdea': 'Move to AES-256 and re-encrypt the data.',
  'sym-size': 'Replace the key with an AES-256 key.',
  'hmac-key-size': 'Replace the HMAC key with one of at least 256 bits.',
  blocklist: 'The private key is public knowledge: revoke and replace the key now.',
  'cert-expired': 'Renew or remove the certificate; services presenting it fail validation.',
  'cert-expiring': 'Renew the certificate before it expires (automate renewal where possible).',
  'cert-weak-signature': 'Reissue the certificate with a SHA-256 (or stronger) signature.',
  'cert-key-usage': 'Reissue the certificate with key usages that fit the key.',
  'key-reuse-certificates': 'Give each certificate its own key.',
  'key-reuse-hosts': 'Give each endpoint its own key.',
  'key-reuse-purposes': 'Use one key per purpose.',
  'ca-key-outside-token': 'Move the CA key onto a token (HSM) and make it non-extractable.',
  'key-unreadable': 'Re-import the public key so it can be checked.',
};

export interface ComplianceReport {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  asOf: string;
  vaultId: string;
  generatedBy: string;
  policy: { id: string; title: string; packs: Array<{ id: string; version: string; title: string }> };
  inventory: Pick<InventoryAggregates, 'total' | 'byState' | 'byAlgorithm' | 'byStore' | 'byPurpose'>;
  compliance: ComplianceScore;
  policyFindings: Array<{ ruleId: string; packId: string; title: string; severity: string; keys: number; explanation: string; remediation: string; citation: string | null }>;
  analysisFindings: Array<{ rule: string; source: string; severity: string; title: string; count: number; remediation: string }>;
  cryptoperiods: { pastCryptoperiod: number; histogram: InventoryAggregates['ageHistogram'] };
  upcoming: {
    rotationsByMonth: Array<{ month: string; count: number }>;
    /** Overdue first, then due within 90 days of asOf; at most 200. */
    rotations: Array<{ keyId: string; name: string; algorithm: string; owner: string | null; dueAt: string; rule: string | null; overdue: boolean }>;
    certificatesByMonth: Array<{ month: string; count: number }>;
    /** Expired and expiring within 90 days of asOf; at most 200. */
    certificates: Array<{ subject: string; issuer: string; serial: string; notAfter: string; expired: boolean }>;
  };
}

const strip = <T extends { filter?: unknown }>(x: T): Omit<T, 'filter'> => {
  const { filter, ...rest } = x;
  void filter;
  return rest;
};

export function buildComplianceReport(db: Db, o: { now: Date; asOf: string; vaultId: string; user: string }): ComplianceReport {
  const agg = inventoryAggregates(db, { now: o.now, asOf: o.asOf });
  const policy = activePolicy(db);
  const view = viewActivePolicy(db);
  const rules = new Map(policy.rules.map((r) => [r.rule.id, r.rule]));
  const asOfIso = `${o.asOf}T00:00:00.000Z`;
  const in90 = new Date(Date.parse(asOfIso) + 90 * 86_400_000).toISOString();
  const rotations = db
    .prepare(
      `SELECT id AS keyId, name, algorithm, owner, due_at AS dueAt, due_rule AS rule FROM keys
       WHERE coalesce(due_at, '9999') < ? ORDER BY coalesce(due_at, '9999'), created_at LIMIT 200`,
    )
    .all(in90) as Array<{ keyId: string; name: string; algorithm: string; owner: string | null; dueAt: string; rule: string | null }>;
  const certificates = db
    .prepare('SELECT subject, issuer, serial, not_after AS notAfter FROM certificates WHERE not_after < ? ORDER BY not_after DESC LIMIT 200')
    .all(in90) as Array<{ subject: string; issuer: string; serial: string; notAfter: string }>;
  return {
    format: REPORT_FORMAT,
    generatedAt: o.now.toISOString(),
    asOf: asOfIso,
    vaultId: o.vaultId,
    generatedBy: o.user,
    policy: { id: view.id, title: view.title, packs: view.packs.map((p) => ({ id: p.id, version: p.version, title: p.title })) },
    inventory: {
      total: agg.total,
      byState: agg.byState.map(strip) as ComplianceReport['inventory']['byState'],
      byAlgorithm: agg.byAlgorithm.map(strip) as ComplianceReport['inventory']['byAlgorithm'],
      byStore: agg.byStore.map(strip) as ComplianceReport['inventory']['byStore'],
      byPurpose: agg.byPurpose.map(strip) as ComplianceReport['inventory']['byPurpose'],
    },
    compliance: { ...agg.compliance.today, byRule: agg.compliance.today.byRule.map(strip) as ComplianceScore['byRule'] },
    policyFindings: agg.compliance.today.byRule.map((r) => {
      const rule = rules.get(r.ruleId);
      const text = rule && rule.kind !== 'dual-control' ? rule : null;
      return { ruleId: r.ruleId, packId: r.packId, title: r.title, severity: r.severity, keys: r.count, explanation: text?.explanation ?? '', remediation: text?.remediation ?? '', citation: text?.citation ?? null };
    }),
    analysisFindings: agg.findings.byRule.map((f) => ({ rule: f.rule, source: f.source, severity: f.severity, title: f.title, count: f.count, remediation: ANALYSIS_REMEDIATION[f.rule] ?? 'Review the finding and replace the key if it is confirmed.' })),
    cryptoperiods: { pastCryptoperiod: agg.compliance.today.pastCryptoperiod, histogram: agg.ageHistogram },
    upcoming: {
      rotationsByMonth: [{ month: 'overdue', count: agg.rotationsDue.overdue.count }, ...agg.rotationsDue.months.map((m) => ({ month: m.month, count: m.count }))],
      rotations: rotations.map((r) => ({ ...r, overdue: r.dueAt < asOfIso })),
      certificatesByMonth: agg.certificates.months.map((m) => ({ month: m.month, count: m.count })),
      certificates: certificates.map((c) => ({ ...c, expired: c.notAfter < asOfIso })),
    },
  };
}
