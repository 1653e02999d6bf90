import type { ComplianceScore, InventoryAggregates, ParsedInventoryFilter, Severity } from '../../src-shared/contract-inventory.js';
import type { KeyState } from '../../src-shared/keys.js';
import type { Db } from '../vault/database.js';
import { activePolicy } from '../app/policy-service.js';
import type { ComposedPolicy } from '../policy/index.js';
import { addDuration, dayOf } from '../policy/dates.js';
import { SEVERITY_RANK } from '../policy/model.js';
import { refreshDue } from './due.js';
import { inventoryCache } from './query.js';
import { groupKey, groupTuple, currentGroups, judgeGroups, type GroupRow } from './groups.js';

/**
 * Everything the dashboard shows, in one call, from the summary tables of migration 0006
 * (inventory_groups, inventory_due_days) plus the small certificate and finding tables — never a
 * scan of the keys. Every element carries the inventory filter that lists its keys.
 */

const DAY = 86_400_000;
const LIVE: ReadonlySet<string> = new Set<KeyState>(['pre-active', 'active', 'suspended', 'deactivated']);

/** Cryptoperiod histogram buckets, as fractions of the period elapsed. */
export const AGE_BUCKETS: ReadonlyArray<{ label: string; from: number; to: number | null }> = [
  { label: '0–25 %', from: 0, to: 0.25 },
  { label: '25–50 %', from: 0.25, to: 0.5 },
  { label: '50–75 %', from: 0.5, to: 0.75 },
  { label: '75–100 %', from: 0.75, to: 1 },
  { label: '100–150 %', from: 1, to: 1.5 },
  { label: '> 150 %', from: 1.5, to: null },
];

const dayStartMs = (day: string) => Date.parse(`${day}T00:00:00.000Z`);
const addDays = (day: string, n: number) => dayOf(dayStartMs(day) + n * DAY);
const monthStart = (day: string, plus: number) => {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7)) - 1 + plus;
  return `${String(y + Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}-01`;
};

function sumBy<K extends string>(groups: readonly GroupRow[], key: (g: GroupRow) => K): Map<K, number> {
  const m = new Map<K, number>();
  for (const g of groups) m.set(key(g), (m.get(key(g)) ?? 0) + g.n);
  return m;
}

interface AnalysisKey {
  tuple: string;
  worst: Severity;
}

/** Live keys with an error or critical analysis finding (their own, or on a certificate for them). */
function analysisBadKeys(db: Db): AnalysisKey[] {
  const rows = db
    .prepare(
      `SELECT k.algorithm, k.family, k.size, coalesce(k.curve, '') AS curve, k.usage_mask, coalesce(k.purpose, '') AS purpose, k.store,
              coalesce(k.token_serial, '') AS token_serial, k.extractable, k.state, max(CASE bad.severity WHEN 'critical' THEN 3 ELSE 2 END) AS worst
       FROM keys k JOIN (
         SELECT key_id AS id, severity FROM analysis_findings WHERE key_id IS NOT NULL AND severity IN ('error', 'critical')
         UNION ALL
         SELECT k2.id, af.severity FROM analysis_findings af JOIN certificates c ON c.id = af.certificate_id JOIN keys k2 ON k2.fingerprint = c.spki_fingerprint
         WHERE af.severity IN ('error', 'critical')
       ) bad ON bad.id = k.id
       WHERE k.state IN ('pre-active', 'active', 'suspended', 'deactivated')
       GROUP BY k.id`,
    )
    .all() as Array<GroupRow & { worst: number }>;
  return rows.map((r) => ({ tuple: groupKey(groupTuple(r)), worst: r.worst === 3 ? 'critical' : 'error' }));
}

/** Active keys whose due date is before `day`, per rule ('' = protect-stop), from inventory_due_days. */
function dueBefore(db: Db, day: string): Map<string, number> {
  const rows = db.prepare('SELECT rule, sum(n) AS n FROM inventory_due_days WHERE day < ? GROUP BY rule').all(day) as Array<{ rule: string; n: number }>;
  return new Map(rows.map((r) => [r.rule, r.n]));
}

/** The compliance score as of a day: policy judged per group, analysis findings per key, cryptoperiods from the due cache. */
export function complianceAsOf(db: Db, policy: ComposedPolicy, groups: readonly GroupRow[], bad: readonly AnalysisKey[], day: string): ComplianceScore {
  const asOf = new Date(dayStartMs(day));
  const live = groups.filter((g) => LIVE.has(g.state));
  const judged = judgeGroups(live, policy, asOf);
  const worstOfGroup = new Map<string, Severity | null>();
  const keysBySeverity: Record<Severity, number> = { info: 0, warning: 0, error: 0, critical: 0 };
  const byRule = new Map<string, { ruleId: string; packId: string; title: string; severity: Severity; count: number }>();
  let failing = 0;
  let total = 0;
  for (const j of judged) {
    total += j.group.n;
    worstOfGroup.set(groupKey(groupTuple(j.group)), j.worst);
    if (j.worst) keysBySeverity[j.worst] += j.group.n;
    if (j.worst === 'error' || j.worst === 'critical') failing += j.group.n;
    const seen = new Set<string>();
    for (const f of j.findings) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      const r = byRule.get(f.ruleId);
      if (r) r.count += j.group.n;
      else byRule.set(f.ruleId, { ruleId: f.ruleId, packId: f.packId, title: f.title, severity: f.severity, count: j.group.n });
    }
  }
  for (const b of bad) {
    const gw = worstOfGroup.get(b.tuple) ?? null;
    if (gw === 'error' || gw === 'critical') {
      if (gw === 'error' && b.worst === 'critical') {
        keysBySeverity.error--;
        keysBySeverity.critical++;
      }
      continue;
    }
    failing++;
    if (gw) keysBySeverity[gw]--;
    keysBySeverity[b.worst]++;
  }
  const at = asOf.getTime();
  const past = dueBefore(db, day);
  let pastCryptoperiod = 0;
  for (const n of past.values()) pastCryptoperiod += n;
  for (const r of policy.rules) {
    if (r.rule.kind !== 'cryptoperiod' || r.from > at || at >= r.until) continue;
    const n = past.get(r.rule.id) ?? 0;
    if (n > 0) byRule.set(r.rule.id, { ruleId: r.rule.id, packId: r.packId, title: r.rule.title, severity: r.rule.severity, count: n });
  }
  const rules = [...byRule.values()]
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count || (a.ruleId < b.ruleId ? -1 : 1))
    .map((r) => ({ ...r, filter: { finding: { rules: [r.ruleId], present: true } } as ParsedInventoryFilter }));
  const compliant = total - failing;
  return {
    asOf: asOf.toISOString(),
    score: total === 0 ? 100 : Math.round((compliant / total) * 1000) / 10,
    judged: total,
    compliant,
    keysBySeverity,
    byRule: rules,
    pastCryptoperiod,
  };
}

function ageHistogram(db: Db, policy: ComposedPolicy, day: string): InventoryAggregates['ageHistogram'] {
  const at = dayStartMs(day);
  const counts = db.prepare('SELECT rule, day, n FROM inventory_due_days WHERE n > 0 AND rule <> ?').all('') as Array<{ rule: string; day: string; n: number }>;
  const byRule = new Map<string, Array<{ day: string; n: number }>>();
  for (const c of counts) {
    const list = byRule.get(c.rule);
    if (list) list.push(c);
    else byRule.set(c.rule, [c]);
  }
  const out: InventoryAggregates['ageHistogram'] = [];
  for (const r of policy.rules) {
    const rule = r.rule;
    if (rule.kind !== 'cryptoperiod' || !r.maxOriginatorUsage || !byRule.has(rule.id)) continue;
    const periodDays = Math.round((addDuration(at, r.maxOriginatorUsage) - at) / DAY);
    const days = byRule.get(rule.id)!;
    // A key with fraction f of its period elapsed is due at asOf + P·(1 − f): the bucket
    // [f1, f2) is the due-day range [asOf + P(1 − f2), asOf + P(1 − f1)), the first one closed.
    const buckets = AGE_BUCKETS.map((b) => {
      const hi = addDays(day, Math.round(periodDays * (1 - b.from)) + (b.from === 0 ? 1 : 0));
      const lo = b.to === null ? null : addDays(day, Math.round(periodDays * (1 - b.to)));
      const count = days.reduce((s, d) => (d.day < hi && (lo === null || d.day >= lo) ? s + d.n : s), 0);
      const filter: ParsedInventoryFilter = { states: ['active'], dueRules: [rule.id], due: lo === null ? { to: hi } : { from: lo, to: hi } };
      return { label: b.label, fromPct: b.from * 100, toPct: b.to === null ? null : b.to * 100, count, filter };
    });
    out.push({ ruleId: rule.id, title: rule.title, period: r.maxOriginatorUsage.text, buckets });
  }
  return out;
}

export function inventoryAggregates(db: Db, o: { now: Date; asOf?: string | undefined; compareAsOf?: string | undefined }): InventoryAggregates {
  const t0 = performance.now();
  inventoryCache(db);
  refreshDue(db, o.now);
  const day = o.asOf ?? o.now.toISOString().slice(0, 10);
  const policy = activePolicy(db);
  const groups = currentGroups(db);
  const total = groups.reduce((s, g) => s + g.n, 0);

  const byState = [...sumBy(groups, (g) => g.state as KeyState)].map(([state, count]) => ({ state, count, filter: { states: [state] } }));
  const byAlgorithm = [...sumBy(groups, (g) => `${g.algorithm}\u0000${g.family}\u0000${g.size}`)]
    .map(([k, count]) => {
      const [algorithm, family, size] = k.split('\u0000') as [string, string, string];
      return { algorithm, family, size: Number(size), count, filter: { algorithms: [algorithm], sizes: [Number(size)] } };
    })
    .sort((a, b) => b.count - a.count);
  const byStore = [...sumBy(groups, (g) => `${g.store}\u0000${g.token_serial}`)]
    .map(([k, count]) => {
      const [store, serial] = k.split('\u0000') as ['vault' | 'token' | 'external', string];
      const tokenSerial = store === 'token' ? serial || null : null;
      const label = store === 'vault' ? 'Vault' : store === 'external' ? 'External (discovered)' : `Token ${serial}`;
      return { store, tokenSerial, label, count, filter: { stores: [tokenSerial ? `token:${tokenSerial}` : store] } };
    })
    .sort((a, b) => b.count - a.count);
  const byPurpose = [...sumBy(groups, (g) => g.purpose)]
    .map(([p, count]) => ({ purpose: p === '' ? null : p, count, filter: { purposes: [p === '' ? 'none' : p] } }))
    .sort((a, b) => b.count - a.count);

  const dueMonths: Array<{ month: string; count: number; filter: ParsedInventoryFilter }> = [];
  const overdue = dueBefore(db, day);
  const dueBetween = db.prepare('SELECT coalesce(sum(n), 0) AS n FROM inventory_due_days WHERE day >= ? AND day < ?');
  for (let i = 0; i < 12; i++) {
    const from = i === 0 ? day : monthStart(day, i);
    const to = monthStart(day, i + 1);
    dueMonths.push({ month: from.slice(0, 7), count: (dueBetween.get(from, to) as { n: number }).n, filter: { due: { from, to } } });
  }
  const overdueCount = [...overdue.values()].reduce((s, n) => s + n, 0);

  const cert = db.prepare('SELECT count(*) AS n FROM certificates WHERE not_after >= ? AND not_after < ?');
  const iso = (d: string) => `${d}T00:00:00.000Z`;
  const certMonths: Array<{ month: string; count: number; filter: ParsedInventoryFilter }> = [];
  for (let i = 0; i < 12; i++) {
    const from = i === 0 ? day : monthStart(day, i);
    const to = monthStart(day, i + 1);
    certMonths.push({ month: from.slice(0, 7), count: (cert.get(iso(from), iso(to)) as { n: number }).n, filter: { certificateNotAfter: { from, to } } });
  }
  const certificates = {
    total: (db.prepare('SELECT count(*) AS n FROM certificates').get() as { n: number }).n,
    expired: (db.prepare('SELECT count(*) AS n FROM certificates WHERE not_after < ?').get(iso(day)) as { n: number }).n,
    within30Days: (cert.get(iso(day), iso(addDays(day, 30))) as { n: number }).n,
    within90Days: (cert.get(iso(day), iso(addDays(day, 90))) as { n: number }).n,
    months: certMonths,
  };

  const fr = db.prepare('SELECT rule, source, severity, min(title) AS title, count(*) AS n FROM analysis_findings GROUP BY rule, source, severity').all() as Array<{ rule: string; source: string; severity: Severity; title: string; n: number }>;
  const bySeverity: Record<Severity, number> = { info: 0, warning: 0, error: 0, critical: 0 };
  for (const f of fr) bySeverity[f.severity] += f.n;
  const findings = {
    total: fr.reduce((s, f) => s + f.n, 0),
    bySeverity,
    byRule: fr
      .map((f) => ({ rule: f.rule, source: f.source, severity: f.severity, title: f.title, count: f.n, filter: { finding: { rules: [f.rule], severities: [f.severity], present: true } } as ParsedInventoryFilter }))
      .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count),
  };

  const bad = analysisBadKeys(db);
  const today = complianceAsOf(db, policy, groups, bad, day);
  const compare = o.compareAsOf ? complianceAsOf(db, policy, groups, bad, o.compareAsOf) : null;
  return {
    asOf: iso(day),
    total,
    byState,
    byAlgorithm,
    byStore,
    byPurpose,
    ageHistogram: ageHistogram(db, policy, day),
    rotationsDue: { overdue: { count: overdueCount, filter: { due: { to: day } } }, months: dueMonths },
    certificates,
    findings,
    compliance: { today, compare },
    tookMs: Math.round((performance.now() - t0) * 100) / 100,
  };
}
