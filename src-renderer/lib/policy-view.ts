import type { ChannelOutput, Finding } from '../../src-shared/contract';

/*
 * What the Policies page shows, as pure functions: the packs one can compose, the "as of" dates,
 * findings grouped by rule and severity, and the composition request sent to the core (which
 * loads it again, refuses what does not load, and puts the change under dual control).
 */

export type PolicyView = ChannelOutput<'policy.view'>;
export type Evaluation = ChannelOutput<'policy.evaluate'>;

/** The packs Custos ships (resources/policies/), in the order a composition applies them. */
export const KNOWN_PACKS = ['nist-sp800-57-cryptoperiods', 'nist-sp800-131a-r2', 'nist-ir-8547', 'cnsa-2.0', 'custos-baseline'] as const;

/** Short names for the packs when the core has not told their titles (packs not active now). */
export const KNOWN_PACK_TITLES: Record<(typeof KNOWN_PACKS)[number], string> = {
  'nist-sp800-57-cryptoperiods': 'NIST SP 800-57 Part 1 Rev 5 — cryptoperiods',
  'nist-sp800-131a-r2': 'NIST SP 800-131A Rev 2 — algorithm status',
  'nist-ir-8547': 'NIST IR 8547 (draft) — transition to post-quantum cryptography',
  'cnsa-2.0': 'NSA CNSA 2.0',
  'custos-baseline': 'Custos baseline — usage, storage, strength, dual control',
};

/** The pack id under which the findings of the weak-key analysis appear (src-main/analysis). */
export const ANALYSIS_PACK = 'custos-analysis';

/** Rule ids carry their pack's prefix (src-main/policy/README.md). */
const RULE_PREFIXES: Record<(typeof KNOWN_PACKS)[number], string> = {
  'nist-sp800-57-cryptoperiods': 'sp800-57.',
  'nist-sp800-131a-r2': 'sp800-131a.',
  'nist-ir-8547': 'ir8547.',
  'cnsa-2.0': 'cnsa2.',
  'custos-baseline': 'baseline.',
};

/** "As of" dates the console offers in one click: IR 8547's deprecation and its disallowance. */
export const AS_OF_PRESETS = ['2031-01-01', '2036-01-01'] as const;

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_LABELS: Record<Severity, string> = { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' };
/** Mantine colour names for badges and the chart. */
export const SEVERITY_COLORS: Record<Severity, string> = { critical: 'grape', error: 'red', warning: 'orange', info: 'blue' };

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

export function severityLabel(s: string): string {
  return isSeverity(s) ? SEVERITY_LABELS[s] : s;
}

export function severityColor(s: string): string {
  return isSeverity(s) ? SEVERITY_COLORS[s] : 'gray';
}

/** Most severe first; unknown severities last. */
export function severityRank(s: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
}

export const KIND_LABELS: Record<string, string> = {
  'algorithm-status': 'Algorithm status',
  'allowed-algorithms': 'Allowed algorithms',
  cryptoperiod: 'Cryptoperiod',
  storage: 'Storage',
  usage: 'Usage',
  'dual-control': 'Dual control',
  analysis: 'Weak-key analysis',
};

/** Analysis findings (pack custos-analysis) date from the run that found them, not from a rule's effective date. */
export function appliesFromLabel(f: Pick<Finding, 'kind'>): string {
  return f.kind === 'analysis' ? 'found' : 'applies from';
}

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date as YYYY-MM-DD (what `policy.evaluate` takes). */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Today's date in UTC (the console shows UTC everywhere). */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** "2036-01-01" from an ISO instant (the evaluation's asOf). */
export function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

/** The bar chart's data: one bar per severity, most severe first, zeros included. */
export function severityBars(bySeverity: Record<string, number>): { severity: Severity; label: string; count: number }[] {
  return SEVERITIES.map((severity) => ({ severity, label: SEVERITY_LABELS[severity], count: bySeverity[severity] ?? 0 }));
}

export interface FiredRule {
  ruleId: string;
  packId: string;
  title: string;
  severity: string;
  /** How many findings the rule gave over the whole inventory. */
  count: number;
  /** The findings the core sent in full for this rule (it sends the first `limit` overall). */
  findings: Finding[];
}

/** Rules that fired, most severe first and then the most findings, each with its findings. */
export function firedRules(evaluation: Pick<Evaluation, 'byRule' | 'findings'>): FiredRule[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of evaluation.findings) {
    const list = byRule.get(f.ruleId) ?? [];
    list.push(f);
    byRule.set(f.ruleId, list);
  }
  return evaluation.byRule
    .map((r) => ({ ...r, findings: (byRule.get(r.ruleId) ?? []).slice().sort((a, b) => a.keyName.localeCompare(b.keyName)) }))
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.count - a.count || a.ruleId.localeCompare(b.ruleId));
}

/** Findings grouped by severity (most severe first), for one key's list. */
export function groupBySeverity(findings: readonly Finding[]): { severity: string; findings: Finding[] }[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = groups.get(f.severity) ?? [];
    list.push(f);
    groups.set(f.severity, list);
  }
  return [...groups].map(([severity, list]) => ({ severity, findings: list })).sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
}

/** The packs a person can choose from: the shipped ones, then any other the active policy uses. */
export function packChoices(active: readonly { id: string }[]): string[] {
  const known: string[] = [...KNOWN_PACKS];
  const extra = active.map((p) => p.id).filter((id) => !known.includes(id));
  return [...known, ...extra];
}

export function packTitle(id: string, active: readonly { id: string; title: string }[]): string {
  if (id === ANALYSIS_PACK) return 'Weak-key and certificate analysis (last run)';
  return active.find((p) => p.id === id)?.title ?? (KNOWN_PACK_TITLES as Record<string, string>)[id] ?? id;
}

/** The pack a rule id belongs to, by its prefix; null when it is not a shipped pack's rule. */
export function packOfRule(ruleId: string): string | null {
  for (const pack of KNOWN_PACKS) if (ruleId.startsWith(RULE_PREFIXES[pack])) return pack;
  return null;
}

/** Same packs, whatever the order. */
export function sameSelection(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * The `policy.setComposition` input for the chosen packs: packs in the order of the choices, the
 * currently disabled rules kept where their pack stays (the core refuses a disabled rule that does
 * not exist, so rules of a removed pack go, and are listed in `dropped`).
 */
export function compositionRequest(
  chosen: readonly string[],
  choices: readonly string[],
  disabledRules: readonly string[],
): { ok: true; packs: string[]; disabledRules: string[]; dropped: string[] } | { ok: false; error: string } {
  const packs = choices.filter((p) => chosen.includes(p));
  if (packs.length === 0) return { ok: false, error: 'Choose at least one pack: a policy without packs judges nothing.' };
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const r of disabledRules) {
    const pack = packOfRule(r);
    if (pack === null || packs.includes(pack)) kept.push(r);
    else dropped.push(r);
  }
  return { ok: true, packs, disabledRules: kept, dropped };
}
