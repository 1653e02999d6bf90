import { usageNames } from '../../src-shared/lifecycle.js';
import type { KeyState, KeyStore } from '../../src-shared/keys.js';
import type { DualControlCategory, DualControlPolicy } from '../../src-shared/approvals.js';
import type { CompiledRule, CompiledSelector, ComposedPolicy } from './compose.js';
import { addDuration, dayOf, isoOf, parseInstant } from './dates.js';
import { boundDigest, canProtect, classifyKeyTypes, PROCESS_USAGE, securityStrength } from './key-facts.js';
import { SEVERITY_RANK, type Finding, type PolicyKey, type RuleKind, type Severity } from './model.js';

/**
 * Pure evaluation of keys against a composed policy "as of" a date. Keys that share every
 * attribute a rule can look at (algorithm, family, size, curve, digest, usage, purpose, store,
 * extractability, state) form a group; the rules that do not depend on dates are judged once per
 * group, and only cryptoperiods are computed per key from its own dates.
 */

/** The attributes of a group of keys, with the facts derived from them. */
interface GroupFacts {
  algorithm: string;
  family: string;
  size: number;
  curve: string | null;
  digest: string | null;
  usageMask: number;
  purpose: string;
  store: KeyStore;
  extractable: boolean;
  state: KeyState;
  keyTypes: number;
  strength: number;
  canProtect: boolean;
}

interface StaticHit {
  rule: CompiledRule;
  detail: string | null;
}

interface GroupVerdict {
  statics: StaticHit[];
  periods: CompiledRule[];
}

function facts(k: PolicyKey): GroupFacts {
  const purpose = k.purpose ?? 'general';
  return {
    algorithm: k.algorithm,
    family: k.family,
    size: k.size,
    curve: k.curve,
    digest: boundDigest(k.algorithm, k.digest),
    usageMask: k.usageMask,
    purpose,
    store: k.store,
    extractable: k.extractable,
    state: k.state,
    keyTypes: classifyKeyTypes(k.family, k.usageMask, purpose),
    strength: securityStrength(k.family, k.size, k.curve),
    canProtect: canProtect(k.state, k.usageMask),
  };
}

function signature(k: PolicyKey): string {
  return `${k.algorithm}\u0000${k.family}\u0000${k.size}\u0000${k.curve ?? ''}\u0000${k.digest ?? ''}\u0000${k.usageMask}\u0000${k.purpose ?? ''}\u0000${k.store}\u0000${k.extractable ? 1 : 0}\u0000${k.state}`;
}

function matches(s: CompiledSelector, g: GroupFacts): boolean {
  if (!s.states.has(g.state)) return false;
  if (s.families && !s.families.has(g.family)) return false;
  if (s.algorithms && !s.algorithms.has(g.algorithm)) return false;
  if (s.curves && !(g.curve !== null && s.curves.has(g.curve))) return false;
  if (s.digests && !(g.digest !== null && s.digests.has(g.digest))) return false;
  if (s.purposes && !s.purposes.has(g.purpose)) return false;
  if (s.notPurposes && s.notPurposes.has(g.purpose)) return false;
  if (s.stores && !s.stores.has(g.store)) return false;
  if (s.keyTypes && (s.keyTypes & g.keyTypes) === 0) return false;
  if (s.usageAny && (s.usageAny & g.usageMask) === 0) return false;
  if (s.usageAll && (s.usageAll & g.usageMask) !== s.usageAll) return false;
  if (s.usageNone && (s.usageNone & g.usageMask) !== 0) return false;
  if (g.size >= s.sizeBelow || g.size < s.sizeAtLeast) return false;
  if (g.strength >= s.strengthBelow || g.strength < s.strengthAtLeast) return false;
  if (s.capability === 'protect' && !g.canProtect) return false;
  if (s.capability === 'process-only' && (g.canProtect || (g.usageMask & PROCESS_USAGE) === 0)) return false;
  return true;
}

function usageText(mask: number): string {
  const names = usageNames(mask);
  return names.length ? names.join(', ') : 'none';
}

/** Whether a rule that does not depend on dates fires for the group, and why (null = it does not). */
function judge(r: CompiledRule, g: GroupFacts): string | null {
  switch (r.rule.kind) {
    case 'algorithm-status':
      return `${g.algorithm} (${g.strength ? `${g.strength}-bit security strength` : 'below 80-bit security strength'}), usage ${usageText(g.usageMask)}`;
    case 'allowed-algorithms': {
      for (const s of r.allow) {
        if (s.families && !s.families.has(g.family)) continue;
        if (s.algorithms && !s.algorithms.has(g.algorithm)) continue;
        if (s.curves && !(g.curve !== null && s.curves.has(g.curve))) continue;
        if (s.digests && !(g.digest !== null && s.digests.has(g.digest))) continue;
        if (g.size < s.minSize || g.strength < s.minStrength) continue;
        return null;
      }
      return `${g.algorithm}${g.digest ? ` (${g.digest})` : ''} is not among: ${r.allowText}`;
    }
    case 'storage': {
      const why: string[] = [];
      if (r.stores && !r.stores.has(g.store)) why.push(`stored in ${g.store}, required: ${[...r.stores].join(' or ')}`);
      if (r.mustNotBeExtractable && g.extractable) why.push('extractable');
      return why.length ? why.join('; ') : null;
    }
    case 'usage': {
      const why: string[] = [];
      if (r.requireAny && (g.usageMask & r.requireAny) === 0) why.push(`needs one of ${usageText(r.requireAny)}`);
      if (r.requireAll && (g.usageMask & r.requireAll) !== r.requireAll) why.push(`needs all of ${usageText(r.requireAll)}`);
      if (g.usageMask & r.forbid) why.push(`must not have ${usageText(g.usageMask & r.forbid)}`);
      return why.length ? `usage ${usageText(g.usageMask)}: ${why.join('; ')}` : null;
    }
    default:
      return null;
  }
}

function verdict(g: GroupFacts, rules: readonly CompiledRule[]): GroupVerdict {
  const v: GroupVerdict = { statics: [], periods: [] };
  for (const r of rules) {
    if (!matches(r.sel, g)) continue;
    if (r.rule.kind === 'cryptoperiod') v.periods.push(r);
    else {
      const detail = judge(r, g);
      if (detail !== null) v.statics.push({ rule: r, detail });
    }
  }
  return v;
}

function finding(r: CompiledRule, k: PolicyKey, appliesFrom: string, detail: string | null): Finding {
  const rule = r.rule as Exclude<CompiledRule['rule'], { kind: 'dual-control' }>;
  return {
    ruleId: rule.id,
    packId: r.packId,
    keyId: k.id,
    keyName: k.name,
    kind: rule.kind,
    severity: rule.severity,
    title: rule.title,
    explanation: rule.explanation,
    remediation: rule.remediation,
    appliesFrom,
    enforcement: rule.enforcement,
    status: rule.kind === 'algorithm-status' ? rule.status : null,
    detail,
    citation: rule.citation ?? null,
  };
}

/** A key's dates as timestamps (NaN when not set), parsed once per key. */
interface KeyDates {
  /** Start of the cryptoperiod: activation, else creation. */
  start: number;
  startFrom: 'activation' | 'creation';
  protectStop: number;
  processStop: number;
}

function keyDates(k: PolicyKey): KeyDates {
  const a = parseInstant(k.activationDate);
  const activated = Number.isFinite(a);
  return {
    start: activated ? a : parseInstant(k.createdAt),
    startFrom: activated ? 'activation' : 'creation',
    protectStop: parseInstant(k.protectStopAt),
    processStop: parseInstant(k.processStopAt),
  };
}

/** The cryptoperiod finding for one key, or null. */
function cryptoperiodFinding(r: CompiledRule, k: PolicyKey, d: KeyDates, at: number): Finding | null {
  const rule = r.rule;
  if (rule.kind !== 'cryptoperiod' || !r.maxOriginatorUsage || !Number.isFinite(d.start)) return null;
  const oupEnd = addDuration(d.start, r.maxOriginatorUsage);
  if (rule.period === 'originator') {
    // The key may apply protection until its protect-stop date; past the limit that is the breach.
    if (at < oupEnd || d.protectStop <= at) return null;
    return finding(
      r,
      k,
      isoOf(oupEnd),
      `originator usage counted from ${d.startFrom} on ${dayOf(d.start)}; the ${r.maxOriginatorUsage.text} limit ended on ${dayOf(oupEnd)}${Number.isFinite(d.protectStop) ? `, protect-stop is ${dayOf(d.protectStop)}` : ', no protect-stop date set'}`,
    );
  }
  if (!r.recipientUsageAfterOriginator) return null;
  const effectiveOupEnd = d.protectStop < oupEnd ? d.protectStop : oupEnd;
  const rupEnd = addDuration(effectiveOupEnd, r.recipientUsageAfterOriginator);
  if (at < rupEnd || d.processStop <= at) return null;
  return finding(
    r,
    k,
    isoOf(rupEnd),
    `originator usage counted from ${d.startFrom} on ${dayOf(d.start)} ended by ${dayOf(effectiveOupEnd)}; recipient usage may last ${r.recipientUsageAfterOriginator.text} more, until ${dayOf(rupEnd)}${Number.isFinite(d.processStop) ? `, process-stop is ${dayOf(d.processStop)}` : ', no process-stop date set'}`,
  );
}

function rulesInForce(policy: ComposedPolicy, at: number): CompiledRule[] {
  return policy.rules.filter((r) => r.rule.kind !== 'dual-control' && r.from <= at && at < r.until);
}

/**
 * Calls `visit` for every finding without building an array — the way to evaluate a very large
 * inventory (see FindingSummaryBuilder). Order: keys as given; for each key the date-independent
 * rules in policy order, then the cryptoperiod rules in policy order.
 */
export function forEachFinding(keys: Iterable<PolicyKey>, policy: ComposedPolicy, asOf: Date, visit: (f: Finding) => void): void {
  const at = asOf.getTime();
  if (!Number.isFinite(at)) throw new RangeError('asOf is not a valid date');
  const rules = rulesInForce(policy, at);
  const groups = new Map<string, GroupVerdict>();
  for (const k of keys) {
    const sig = signature(k);
    let v = groups.get(sig);
    if (!v) {
      v = verdict(facts(k), rules);
      groups.set(sig, v);
    }
    for (const s of v.statics) visit(finding(s.rule, k, s.rule.fromIso, s.detail));
    if (v.periods.length === 0) continue;
    const d = keyDates(k);
    for (const r of v.periods) {
      const f = cryptoperiodFinding(r, k, d, at);
      if (f) visit(f);
    }
  }
}

/** Every finding for `keys` under `policy` as of `asOf`. */
export function evaluate(keys: Iterable<PolicyKey>, policy: ComposedPolicy, asOf: Date): Finding[] {
  const out: Finding[] = [];
  forEachFinding(keys, policy, asOf, (f) => out.push(f));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generation and import gate
// ---------------------------------------------------------------------------------------------

/** A key about to be generated or imported. Missing fields take the values a new key has. */
export type GenerationCandidate = Omit<PolicyKey, 'id' | 'name' | 'state' | 'createdAt' | 'activationDate' | 'protectStopAt' | 'processStopAt'> &
  Partial<Pick<PolicyKey, 'id' | 'name' | 'state' | 'createdAt' | 'activationDate' | 'protectStopAt' | 'processStopAt'>>;

export interface GenerationVerdict {
  /** Findings of rules whose enforcement is 'block': the operation must be refused. */
  blocked: Finding[];
  /** Findings of rules whose enforcement is 'warn': show them and go on. */
  warnings: Finding[];
  /** Rules not yet in force that will apply to this key before its cryptoperiod ends (or `until`). */
  upcoming: Finding[];
}

function candidateKey(c: GenerationCandidate, asOf: Date): PolicyKey {
  return {
    ...c,
    id: c.id ?? '(new key)',
    name: c.name ?? '(new key)',
    state: c.state ?? 'pre-active',
    createdAt: c.createdAt ?? asOf.toISOString(),
    activationDate: c.activationDate ?? null,
    protectStopAt: c.protectStopAt ?? null,
    processStopAt: c.processStopAt ?? null,
  };
}

/**
 * The generate/import gate: the candidate judged as of `asOf`, split by each rule's enforcement.
 * `upcoming` looks ahead to `options.until`, by default the end of the candidate's originator
 * cryptoperiod under this policy (a key generated in 2029 with a two-year cryptoperiod sees the
 * 2031 deprecation of its algorithm).
 */
export function checkGeneration(candidate: GenerationCandidate, policy: ComposedPolicy, asOf: Date, options: { until?: Date } = {}): GenerationVerdict {
  const key = candidateKey(candidate, asOf);
  const now = evaluate([key], policy, asOf);
  const at = asOf.getTime();
  const horizon = options.until?.getTime() ?? rotationDue(key, policy, at)?.due ?? at;
  const upcoming: Finding[] = [];
  const dates = [...new Set(policy.rules.filter((r) => r.rule.kind !== 'cryptoperiod' && r.rule.kind !== 'dual-control' && r.from > at && r.from <= horizon).map((r) => r.from))].sort((a, b) => a - b);
  const seen = new Set(now.map((f) => f.ruleId));
  for (const d of dates) {
    for (const f of evaluate([key], policy, new Date(d))) {
      if (f.kind === 'cryptoperiod' || seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      upcoming.push(f);
    }
  }
  return { blocked: now.filter((f) => f.enforcement === 'block'), warnings: now.filter((f) => f.enforcement === 'warn'), upcoming };
}

// ---------------------------------------------------------------------------------------------
// Rotations
// ---------------------------------------------------------------------------------------------

export interface RotationDue {
  keyId: string;
  keyName: string;
  /** When the key must stop applying protection (ISO 8601): the end of its originator cryptoperiod, or its protect-stop date if earlier. */
  dueAt: string;
  overdue: boolean;
  /** Whole days from asOf to dueAt, negative when overdue. */
  daysLeft: number;
  reason: 'cryptoperiod' | 'protect-stop';
  ruleId: string | null;
  packId: string | null;
  /** 'auto': the core rotates it by itself while the vault is unlocked. */
  rotation: 'manual' | 'auto';
}

function rotationDue(k: PolicyKey, policy: ComposedPolicy, at: number, rules?: readonly CompiledRule[], g?: GroupFacts): { due: number; rule: CompiledRule | null } | null {
  const inForce = rules ?? rulesInForce(policy, at).filter((r) => r.rule.kind === 'cryptoperiod' && r.rule.period === 'originator');
  const groupFacts = g ?? facts(k);
  let best: { due: number; rule: CompiledRule | null } | null = null;
  const d = keyDates(k);
  const start = d.start;
  if (Number.isFinite(start)) {
    for (const r of inForce) {
      if (!r.maxOriginatorUsage || !matches(r.sel, groupFacts)) continue;
      const end = addDuration(start, r.maxOriginatorUsage);
      if (!best || end < best.due) best = { due: end, rule: r };
    }
  }
  if (Number.isFinite(d.protectStop) && (!best || d.protectStop <= best.due)) best = { due: d.protectStop, rule: null };
  return best;
}

/**
 * Active keys whose originator cryptoperiod (or protect-stop date) ends before asOf + horizonDays,
 * overdue ones included, soonest first: the rotation task list.
 */
export function dueRotations(keys: Iterable<PolicyKey>, policy: ComposedPolicy, asOf: Date, horizonDays: number): RotationDue[] {
  const at = asOf.getTime();
  const limit = at + horizonDays * 86_400_000;
  const rules = rulesInForce(policy, at).filter((r) => r.rule.kind === 'cryptoperiod' && r.rule.period === 'originator');
  const groups = new Map<string, { g: GroupFacts; rules: CompiledRule[] }>();
  const out: RotationDue[] = [];
  for (const k of keys) {
    if (k.state !== 'active') continue;
    const sig = signature(k);
    let grp = groups.get(sig);
    if (!grp) {
      const g = facts(k);
      grp = { g, rules: rules.filter((r) => matches(r.sel, g)) };
      groups.set(sig, grp);
    }
    const due = rotationDue(k, policy, at, grp.rules, grp.g);
    if (!due || due.due > limit) continue;
    const rule = due.rule?.rule;
    out.push({
      keyId: k.id,
      keyName: k.name,
      dueAt: isoOf(due.due),
      overdue: due.due <= at,
      daysLeft: Math.floor((due.due - at) / 86_400_000),
      reason: due.rule ? 'cryptoperiod' : 'protect-stop',
      ruleId: rule?.id ?? null,
      packId: due.rule?.packId ?? null,
      rotation: rule?.kind === 'cryptoperiod' ? rule.rotation : 'manual',
    });
  }
  return out.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.keyId < b.keyId ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// Summaries and dual control
// ---------------------------------------------------------------------------------------------

export interface RuleSummary {
  ruleId: string;
  packId: string;
  kind: RuleKind;
  title: string;
  severity: Severity;
  enforcement: Finding['enforcement'];
  count: number;
}

export interface FindingSummary {
  total: number;
  bySeverity: Record<Severity, number>;
  /** One line per rule that fired, most severe first, then most frequent. */
  byRule: RuleSummary[];
}

export function summarizeFindings(findings: Iterable<Finding>): FindingSummary {
  const s = new FindingSummaryBuilder();
  for (const f of findings) s.add(f);
  return s.result();
}

/** Accumulates a summary finding by finding (pass `add` to forEachFinding for large inventories). */
export class FindingSummaryBuilder {
  private total = 0;
  private readonly bySeverity: Record<Severity, number> = { info: 0, warning: 0, error: 0, critical: 0 };
  private readonly rules = new Map<string, RuleSummary>();

  readonly add = (f: Finding): void => {
    this.total++;
    this.bySeverity[f.severity]++;
    const r = this.rules.get(f.ruleId);
    if (r) r.count++;
    else this.rules.set(f.ruleId, { ruleId: f.ruleId, packId: f.packId, kind: f.kind, title: f.title, severity: f.severity, enforcement: f.enforcement, count: 1 });
  };

  result(): FindingSummary {
    const byRule = [...this.rules.values()].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count || (a.ruleId < b.ruleId ? -1 : 1));
    return { total: this.total, bySeverity: { ...this.bySeverity }, byRule };
  }
}

export type DualControlRequirements = Partial<Record<DualControlCategory, DualControlPolicy['operations'][DualControlCategory] & { ruleId: string }>>;

/**
 * The dual-control requirements the policy carries, as of `asOf`: those of rules without a
 * selector, plus (when `key` is given) those whose selector matches the key. Per operation the
 * rule asking for more approvals wins; on a tie the later rule (an organisation's own) wins.
 * Data only — the core's ApprovalService enforces dual control.
 */
export function dualControlFor(policy: ComposedPolicy, asOf: Date, key?: PolicyKey): DualControlRequirements {
  const at = asOf.getTime();
  const g = key ? facts(key) : null;
  const out: DualControlRequirements = {};
  for (const r of policy.rules) {
    const rule = r.rule;
    if (rule.kind !== 'dual-control' || r.from > at || at >= r.until) continue;
    const unconditional = Object.keys(rule.match).length === 0;
    if (!unconditional && !(g && matches(r.sel, g))) continue;
    for (const [cat, req] of Object.entries(rule.operations) as [DualControlCategory, NonNullable<DualControlPolicy['operations'][DualControlCategory]>][]) {
      const cur = out[cat];
      if (!cur || req.approvals >= cur.approvals) out[cat] = { ...req, ruleId: rule.id };
    }
  }
  return out;
}

/** Severity order for sorting findings, most severe first. */
export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0);
}
