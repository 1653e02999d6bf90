// The stored findings of analysis (table analysis_findings, schema v7) and the queries over them.
//
// Each run replaces the rows of the sources it ran (one DELETE + INSERTs per source, inside the
// caller's audited transaction): 'weak-keys' (per-key checks and batch GCD), 'blocklist'
// (known-compromised keys), 'certificates' (certificate and key-reuse findings). A run without a
// blocklist leaves the previous blocklist findings as they were.
import type { Db } from '../vault/database.js';
import type { Severity } from './findings.js';

export const FINDING_SOURCES = ['weak-keys', 'blocklist', 'certificates'] as const;
export type FindingSource = (typeof FINDING_SOURCES)[number];
export const SEVERITIES: readonly Severity[] = ['critical', 'error', 'warning', 'info'];

export interface NewFinding {
  keyId: string | null;
  certificateId: string | null;
  rule: string;
  severity: Severity;
  title: string;
  detail: string | null;
}

export interface StoredFinding extends NewFinding {
  id: number;
  source: FindingSource;
  foundAt: string;
  keyName: string | null;
  certificateSubject: string | null;
}

/** Short titles per rule, for tables and the dashboard (the detail says what about the key). */
export const RULE_TITLES: Readonly<Record<string, string>> = {
  'rsa-size': 'RSA modulus too short',
  'rsa-exponent': 'Unsafe RSA public exponent',
  'rsa-small-factor': 'RSA modulus has a small factor',
  'rsa-close-primes': 'RSA primes too close (Fermat)',
  'rsa-roca': 'ROCA-vulnerable RSA key (CVE-2017-15361)',
  'rsa-shared-prime': 'RSA modulus shares a prime with another key',
  'rsa-duplicate-modulus': 'RSA modulus used by several keys',
  'ec-curve': 'Curve not allowed',
  'ec-point': 'Invalid EC public point',
  'ed25519-point': 'Invalid Ed25519 public key',
  'ed25519-small-order': 'Ed25519 key of small order',
  'ed25519-torsion': 'Ed25519 key with a torsion component',
  dsa: 'DSA key (disallowed or no longer approved)',
  'sp800-131a-algorithm': 'Algorithm and size disallowed by SP 800-131A (use not recorded)',
  'sym-des': 'Single DES key',
  'sym-tdea': 'Triple DES key',
  'sym-size': 'Symmetric key too short',
  'hmac-key-size': 'HMAC key shorter than 112 bits',
  blocklist: 'Known-compromised key (blocklist)',
  'cert-expired': 'Certificate expired',
  'cert-expiring': 'Certificate expiring soon',
  'cert-weak-signature': 'Certificate signed with MD5 or SHA-1',
  'cert-key-usage': 'Certificate usage does not fit the key',
  'key-reuse-certificates': 'One key in several certificates',
  'key-reuse-hosts': 'One key on several TLS endpoints',
  'key-reuse-purposes': 'One key for several purposes',
  'ca-key-outside-token': 'CA key not on a token',
  'key-unreadable': 'Public key could not be read',
};

export const ruleTitle = (rule: string) => RULE_TITLES[rule] ?? rule;

/** Replaces the findings of one source with `findings` (call inside a transaction). */
export function replaceFindings(db: Db, source: FindingSource, findings: readonly NewFinding[], foundAt: string): void {
  db.prepare('DELETE FROM analysis_findings WHERE source = ?').run(source);
  const insert = db.prepare('INSERT INTO analysis_findings (key_id, certificate_id, source, rule, severity, title, detail, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const f of findings) insert.run(f.keyId, f.certificateId, source, f.rule, f.severity, f.title, f.detail, foundAt);
}

export interface FindingFilter {
  keyId?: string;
  certificateId?: string;
  severity?: Severity;
  rule?: string;
  source?: FindingSource;
  offset?: number;
  limit?: number;
}

const SEVERITY_ORDER = "CASE f.severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END";

function where(filter: FindingFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.keyId) {
    // A key's findings include those on the certificates of its public key.
    parts.push('(f.key_id = ? OR f.certificate_id IN (SELECT c.id FROM certificates c JOIN keys k ON k.fingerprint = c.spki_fingerprint WHERE k.id = ?))');
    params.push(filter.keyId, filter.keyId);
  }
  for (const [col, value] of [['f.certificate_id', filter.certificateId], ['f.severity', filter.severity], ['f.rule', filter.rule], ['f.source', filter.source]] as const) {
    if (value !== undefined) {
      parts.push(`${col} = ?`);
      params.push(value);
    }
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Findings, most severe first, with the key's name and the certificate's subject. */
export function listFindings(db: Db, filter: FindingFilter = {}): { items: StoredFinding[]; total: number } {
  const w = where(filter);
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM analysis_findings f ${w.sql}`).get(...w.params) as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT f.id, f.key_id AS keyId, f.certificate_id AS certificateId, f.source, f.rule, f.severity, f.title, f.detail, f.found_at AS foundAt,
              k.name AS keyName, c.subject AS certificateSubject
       FROM analysis_findings f LEFT JOIN keys k ON k.id = f.key_id LEFT JOIN certificates c ON c.id = f.certificate_id
       ${w.sql} ORDER BY ${SEVERITY_ORDER}, f.rule, f.id LIMIT ? OFFSET ?`,
    )
    .all(...w.params, filter.limit ?? 200, filter.offset ?? 0) as StoredFinding[];
  return { items: rows, total };
}

export interface FindingsSummary {
  total: number;
  /** Keys with at least one finding. */
  keys: number;
  bySeverity: Record<Severity, number>;
  byRule: Array<{ rule: string; title: string; severity: Severity; count: number }>;
  /** When the latest stored finding was made (null: none stored). */
  lastFoundAt: string | null;
}

/**
 * Findings by severity and by rule, for the dashboard: one grouped query over the indexed
 * (rule, severity) pairs. A rule appears once per severity it was reported with.
 */
export function findingsBySeverityAndRule(db: Db): FindingsSummary {
  const byRule = (db.prepare('SELECT rule, severity, COUNT(*) AS count FROM analysis_findings GROUP BY rule, severity').all() as Array<{ rule: string; severity: Severity; count: number }>)
    .map((r) => ({ ...r, title: ruleTitle(r.rule) }))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.count - a.count || a.rule.localeCompare(b.rule));
  const bySeverity = { critical: 0, error: 0, warning: 0, info: 0 } as Record<Severity, number>;
  for (const r of byRule) bySeverity[r.severity] += r.count;
  const agg = db.prepare('SELECT COUNT(*) AS total, COUNT(DISTINCT key_id) AS keys, MAX(found_at) AS last FROM analysis_findings').get() as { total: number; keys: number; last: string | null };
  return { total: agg.total, keys: agg.keys, bySeverity, byRule, lastFoundAt: agg.last };
}

/** What to do about each kind of finding, for the policy engine's `remediation` field. */
const REMEDIATION: Readonly<Record<string, string>> = {
  blocklist: 'Its private key is public: revoke it as compromised and replace it.',
  'rsa-roca': 'Replace it with a key generated outside the affected Infineon library (fixed firmware or software).',
  dsa: 'Replace it with an ECDSA (P-256 or better) or Ed25519 key; keep the DSA key only to verify existing signatures.',
  'rsa-shared-prime': 'Revoke it as compromised and replace it, with every key it shares a prime with; fix the generator’s randomness.',
  'rsa-duplicate-modulus': 'Revoke every key with this modulus and generate independent keys.',
  'sp800-131a-algorithm': 'Replace it with a key of an approved size (RSA ≥ 2048, DSA replaced by ECDSA or EdDSA, curves ≥ 224 bits); until then record its use, so the policy judges it by what it does.',
};

/**
 * Which stored findings count as policy findings: those on a key (findings on certificates carry
 * the key of the certificate when the inventory holds it), and only for keys the policy engine
 * judges by default (pre-active, active, suspended, deactivated: a compromised or destroyed key
 * has already been dealt with). One WHERE for the counts and the list, so totals and pages agree.
 */
function policyWhere(keyId: string | undefined): { sql: string; params: unknown[] } {
  return {
    sql: `WHERE f.key_id IS NOT NULL AND k.state IN ('pre-active', 'active', 'suspended', 'deactivated')${keyId ? ' AND f.key_id = ?' : ''}`,
    params: keyId ? [keyId] : [],
  };
}

const POLICY_PACK = 'custos-analysis';
const POLICY_CITATION = 'Custos weak-key and certificate analysis (src-main/analysis/README.md)';

/**
 * The stored findings on keys in the shape of the policy engine's findings (src-main/policy
 * model `Finding`), so that a caller listing policy findings can merge them: pack
 * `custos-analysis`, rule `analysis.<rule>`, kind `analysis`, enforcement 'warn' (analysis
 * reports, it does not block), appliesFrom = when it was found. Most severe first, then by rule
 * and key (the policy engine's order), at most `limit`.
 */
export function analysisFindingsAsPolicyFindings(db: Db, filter: { keyId?: string; limit?: number } = {}) {
  const w = policyWhere(filter.keyId);
  const rows = db
    .prepare(
      `SELECT f.key_id AS keyId, k.name AS keyName, f.rule, f.severity, f.title, f.detail, f.found_at AS foundAt
       FROM analysis_findings f JOIN keys k ON k.id = f.key_id ${w.sql}
       ORDER BY ${SEVERITY_ORDER}, f.rule, f.key_id, f.id LIMIT ?`,
    )
    .all(...w.params, filter.limit ?? 500) as Array<{ keyId: string; keyName: string; rule: string; severity: Severity; title: string; detail: string | null; foundAt: string }>;
  return rows.map((f) => ({
    ruleId: `analysis.${f.rule}`,
    packId: POLICY_PACK,
    keyId: f.keyId,
    keyName: f.keyName,
    kind: 'analysis',
    severity: f.severity,
    title: f.title,
    explanation: ruleTitle(f.rule),
    remediation: REMEDIATION[f.rule] ?? 'Review the key and replace it if the finding holds.',
    appliesFrom: f.foundAt,
    enforcement: 'warn' as const,
    status: null,
    detail: f.detail,
    citation: POLICY_CITATION,
  }));
}

/**
 * Counts of the same findings (one grouped query) in the policy summary's shape: per severity, and
 * per rule. A rule reported with several severities (rsa-exponent: error or warning) is one row
 * with its most severe severity, so a rule id names one row, as for the policy engine's rules.
 */
export function analysisPolicyCounts(db: Db, filter: { keyId?: string } = {}) {
  const w = policyWhere(filter.keyId);
  const groups = db
    .prepare(`SELECT f.rule, f.severity, COUNT(*) AS count FROM analysis_findings f JOIN keys k ON k.id = f.key_id ${w.sql} GROUP BY f.rule, f.severity`)
    .all(...w.params) as Array<{ rule: string; severity: Severity; count: number }>;
  const bySeverity = { critical: 0, error: 0, warning: 0, info: 0 } as Record<Severity, number>;
  const byRule = new Map<string, { ruleId: string; packId: string; kind: string; title: string; severity: Severity; count: number }>();
  let total = 0;
  for (const g of groups) {
    total += g.count;
    bySeverity[g.severity] += g.count;
    const r = byRule.get(g.rule);
    if (!r) byRule.set(g.rule, { ruleId: `analysis.${g.rule}`, packId: POLICY_PACK, kind: 'analysis', title: ruleTitle(g.rule), severity: g.severity, count: g.count });
    else {
      r.count += g.count;
      if (SEVERITIES.indexOf(g.severity) < SEVERITIES.indexOf(r.severity)) r.severity = g.severity;
    }
  }
  return { total, bySeverity, byRule: [...byRule.values()] };
}
