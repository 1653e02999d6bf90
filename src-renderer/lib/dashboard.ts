/*
 * The dashboard's view model: the core's aggregates (contract-inventory.ts) turned into chart
 * data, each element carrying the inventory filter it drills down to. Pure and tested; the charts
 * (components/Chart*.tsx) only draw it.
 */
import type { ComplianceScore, InventoryAggregates, InventoryFilter, Severity } from '../../src-shared/contract-inventory';
import type { KeyState } from '../../src-shared/keys';
import { algorithmSizeLabel, algorithmSizeVaries, stateColor, stateLabel } from './format';
import { algorithmName, purposeName, severityName } from './inventory';

export interface Datum {
  /** Stable id within its chart (test ids, React keys). */
  id: string;
  label: string;
  count: number;
  /** The inventory filter that lists exactly these keys; null when it cannot be drilled into. */
  filter: InventoryFilter | null;
  /** A Mantine colour name, where the element has a meaning (states, severities). */
  color?: string;
}

/** Slices beyond this many are folded into "Other" so a pie stays readable. */
export const MAX_SLICES = 8;

/**
 * One filter for several chart elements (the "Other" slice): the union of each list field, when
 * every filter narrows the same list fields (e.g. `algorithms` and `sizes`); null otherwise. With
 * two fields the union can in principle admit a pairing none of the elements had (an algorithm of
 * one with the size of another); algorithm ids carry their size, so for the algorithm chart it is
 * exact.
 */
export function mergeFilters(filters: readonly InventoryFilter[]): InventoryFilter | null {
  if (filters.length === 0) return null;
  const fields = Object.keys(filters[0]!).sort();
  if (fields.length === 0) return null;
  const merged: Record<string, unknown[]> = Object.fromEntries(fields.map((f) => [f, []]));
  for (const f of filters) {
    const keys = Object.keys(f).sort();
    if (keys.join() !== fields.join()) return null;
    for (const field of fields) {
      const v = (f as Record<string, unknown>)[field];
      if (!Array.isArray(v)) return null;
      for (const x of v as unknown[]) if (!merged[field]!.includes(x)) merged[field]!.push(x);
    }
  }
  // The contract caps lists at 50 entries.
  if (Object.values(merged).some((v) => v.length > 50)) return null;
  return merged as InventoryFilter;
}

/** Largest first, zero counts dropped, the tail folded into "Other". */
export function topSlices(data: readonly Datum[], max = MAX_SLICES): Datum[] {
  const sorted = data.filter((d) => d.count > 0).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  if (sorted.length <= max) return sorted;
  const head = sorted.slice(0, max - 1);
  const tail = sorted.slice(max - 1);
  const filters = tail.map((d) => d.filter);
  const merged = filters.every((f): f is InventoryFilter => f !== null) ? mergeFilters(filters) : null;
  return [...head, { id: 'other', label: `Other (${tail.length})`, count: tail.reduce((n, d) => n + d.count, 0), filter: merged }];
}

export function byState(a: Pick<InventoryAggregates, 'byState'>): Datum[] {
  return a.byState.map((s) => ({ id: s.state, label: stateLabel(s.state as KeyState), count: s.count, filter: s.filter, color: stateColor(s.state as KeyState) }));
}

export function byAlgorithm(a: Pick<InventoryAggregates, 'byAlgorithm'>): Datum[] {
  // Inventory-only ids whose size varies (rsa-other, dsa, ec-other) give one slice per size.
  return a.byAlgorithm.map((x) =>
    algorithmSizeVaries(x.algorithm)
      ? { id: `${x.algorithm}:${x.size}`, label: algorithmSizeLabel(x.algorithm, x.size), count: x.count, filter: x.filter }
      : { id: x.algorithm, label: algorithmName(x.algorithm), count: x.count, filter: x.filter },
  );
}

export function byStore(a: Pick<InventoryAggregates, 'byStore'>): Datum[] {
  return a.byStore.map((x) => ({ id: x.tokenSerial ? `token:${x.tokenSerial}` : x.store, label: x.label, count: x.count, filter: x.filter }));
}

export function byPurpose(a: Pick<InventoryAggregates, 'byPurpose'>): Datum[] {
  return a.byPurpose.map((x) => ({ id: x.purpose ?? 'none', label: purposeName(x.purpose), count: x.count, filter: x.filter }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2027-03" → "Mar 2027"; anything else as it came. */
export function monthLabel(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  const i = Number(m[2]) - 1;
  return i >= 0 && i < 12 ? `${MONTHS[i]} ${m[1]}` : month;
}

/** Overdue first, then the next twelve months. */
export function rotationsDue(a: Pick<InventoryAggregates, 'rotationsDue'>): Datum[] {
  return [
    { id: 'overdue', label: 'Overdue', count: a.rotationsDue.overdue.count, filter: a.rotationsDue.overdue.filter, color: 'red' },
    ...a.rotationsDue.months.map((m) => ({ id: m.month, label: monthLabel(m.month), count: m.count, filter: m.filter })),
  ];
}

export function certificateMonths(a: Pick<InventoryAggregates, 'certificates'>): Datum[] {
  return a.certificates.months.map((m) => ({ id: m.month, label: monthLabel(m.month), count: m.count, filter: m.filter }));
}

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'error', 'warning', 'info'];
const SEVERITY_COLORS: Record<Severity, string> = { critical: 'grape', error: 'red', warning: 'orange', info: 'blue' };

/** Findings of analysis by severity, most severe first; each drills to keys with such a finding. */
export function findingsBySeverity(bySeverity: Partial<Record<Severity, number>>): Datum[] {
  return SEVERITY_ORDER.map((s) => ({ id: s, label: severityName(s), count: bySeverity[s] ?? 0, filter: { finding: { severities: [s] } }, color: SEVERITY_COLORS[s] }));
}

export function findingRules(a: Pick<InventoryAggregates, 'findings'>): (Datum & { severity: Severity; source: string })[] {
  return [...a.findings.byRule]
    .sort((x, y) => SEVERITY_ORDER.indexOf(x.severity) - SEVERITY_ORDER.indexOf(y.severity) || y.count - x.count)
    .map((r) => ({ id: r.rule, label: r.title || r.rule, count: r.count, filter: r.filter, severity: r.severity, source: r.source, color: SEVERITY_COLORS[r.severity] }));
}

/* ---------------- Age against cryptoperiod ---------------- */

export interface HistogramRow {
  ruleId: string;
  title: string;
  period: string;
  total: number;
  [bucket: `b${number}`]: number;
}

/** Bucket colours from "fresh" to "overdue". */
export const BUCKET_COLORS = ['teal', 'green', 'lime', 'yellow', 'orange', 'red'] as const;

/**
 * One row per cryptoperiod rule with a count per bucket (keys `b0`…`bN`), the bucket labels, and
 * the filter of each cell. Rules without keys are left out.
 */
export function ageHistogram(a: Pick<InventoryAggregates, 'ageHistogram'>): {
  rows: HistogramRow[];
  buckets: string[];
  filterOf(row: number, bucket: number): InventoryFilter | null;
} {
  const kept = a.ageHistogram.filter((h) => h.buckets.some((b) => b.count > 0));
  const buckets = kept[0]?.buckets.map((b) => b.label) ?? a.ageHistogram[0]?.buckets.map((b) => b.label) ?? [];
  const rows = kept.map((h) => {
    const row: HistogramRow = { ruleId: h.ruleId, title: h.title, period: h.period, total: 0 };
    h.buckets.forEach((b, i) => {
      row[`b${i}`] = b.count;
      row.total += b.count;
    });
    return row;
  });
  return { rows, buckets, filterOf: (r, b) => kept[r]?.buckets[b]?.filter ?? null };
}

/* ---------------- Compliance ---------------- */

/** "87.5 %"; whole numbers without a decimal. */
export function scoreText(score: number): string {
  const rounded = Math.round(score * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} %`;
}

export function scoreColor(score: number): string {
  if (score >= 90) return 'green';
  if (score >= 70) return 'yellow';
  return 'red';
}

/** The sentence under a score: how many keys were judged and what failed. */
export function scoreSentence(c: Pick<ComplianceScore, 'judged' | 'compliant' | 'pastCryptoperiod'>): string {
  if (c.judged === 0) return 'No live keys to judge.';
  const failing = c.judged - c.compliant;
  const parts = [`${c.compliant.toLocaleString('en')} of ${c.judged.toLocaleString('en')} live keys have no error or critical finding`];
  if (failing > 0) parts.push(`${failing.toLocaleString('en')} do`);
  if (c.pastCryptoperiod > 0) parts.push(`${c.pastCryptoperiod.toLocaleString('en')} past their cryptoperiod`);
  return `${parts.join('; ')}.`;
}

/** Compliance rules that fired, most severe first, each drilling to its keys. */
export function complianceRules(c: Pick<ComplianceScore, 'byRule'>): Datum[] {
  return [...c.byRule]
    .sort((x, y) => SEVERITY_ORDER.indexOf(x.severity) - SEVERITY_ORDER.indexOf(y.severity) || y.count - x.count)
    .map((r) => ({ id: r.ruleId, label: r.title, count: r.count, filter: r.filter, color: SEVERITY_COLORS[r.severity] }));
}

/** The accessible text of a chart: "Active 12, Pre-active 3". */
export function chartSummary(data: readonly Datum[]): string {
  return data.map((d) => `${d.label} ${d.count.toLocaleString('en')}`).join(', ') || 'nothing';
}

/** The keys due over the months shown: from the first month's start to the last month's end. */
export function dueWithinMonths(a: Pick<InventoryAggregates, 'rotationsDue'>): InventoryFilter | null {
  const months = a.rotationsDue.months;
  const from = months[0]?.filter.due?.from;
  const to = months[months.length - 1]?.filter.due?.to;
  return from && to ? { due: { from, to } } : null;
}

/** Keys with a certificate expiring within `days` of the dashboard's date (UTC days). */
export function certificatesWithin(asOf: string, days: number): InventoryFilter {
  const from = asOf.slice(0, 10);
  const to = new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  return { certificateNotAfter: { from, to } };
}
