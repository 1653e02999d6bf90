import { KMIP_USAGE, type KmipUsageName } from '../../src-shared/lifecycle.js';
import type { KeyState, KeyStore } from '../../src-shared/keys.js';
import { dayStart, isoOf, parseDuration, type Duration } from './dates.js';
import { PolicyFileError, type PolicyIssue } from './errors.js';
import { DEFAULT_STATES, KEY_TYPE_BIT } from './key-facts.js';
import { PURPOSES, type AlgorithmSpec, type Composition, type PolicyPack, type PolicyRule, type Selector } from './model.js';

/**
 * Composition: an organisation's list of packs, its own rules and the rules it disables, turned
 * into one ComposedPolicy whose rules are compiled once (sets, bit masks, parsed dates and
 * durations) so that evaluation does no parsing per key.
 */

export interface CompiledSelector {
  algorithms: ReadonlySet<string> | null;
  families: ReadonlySet<string> | null;
  curves: ReadonlySet<string> | null;
  digests: ReadonlySet<string> | null;
  purposes: ReadonlySet<string> | null;
  notPurposes: ReadonlySet<string> | null;
  stores: ReadonlySet<KeyStore> | null;
  states: ReadonlySet<KeyState>;
  /** Bit set over KEY_TYPES; 0 = any. */
  keyTypes: number;
  capability: 'protect' | 'process-only' | null;
  usageAny: number;
  usageAll: number;
  usageNone: number;
  sizeBelow: number;
  sizeAtLeast: number;
  strengthBelow: number;
  strengthAtLeast: number;
}

export interface CompiledSpec {
  families: ReadonlySet<string> | null;
  algorithms: ReadonlySet<string> | null;
  curves: ReadonlySet<string> | null;
  digests: ReadonlySet<string> | null;
  minSize: number;
  minStrength: number;
}

export interface CompiledRule {
  rule: PolicyRule;
  packId: string;
  /** Effective window in ms: from ≤ t < until. */
  from: number;
  until: number;
  fromIso: string;
  sel: CompiledSelector;
  /** Cryptoperiod rules. */
  maxOriginatorUsage: Duration | null;
  recipientUsageAfterOriginator: Duration | null;
  /** Allowed-algorithms rules. */
  allow: readonly CompiledSpec[];
  allowText: string;
  /** Usage rules (KMIP bit masks; 0 = not required). */
  requireAny: number;
  requireAll: number;
  forbid: number;
  /** Storage rules. */
  stores: ReadonlySet<KeyStore> | null;
  mustNotBeExtractable: boolean;
}

export interface PackInfo {
  id: string;
  version: string;
  title: string;
  summary: string;
  source: PolicyPack['source'];
  ruleCount: number;
}

export interface ComposedPolicy {
  id: string;
  title: string;
  packs: readonly PackInfo[];
  /** Enabled rules in order: pack rules in the composition's pack order, then the organisation's own. */
  rules: readonly CompiledRule[];
  disabledRules: readonly string[];
  /** Pack rules an organisation rule of the same id replaced. */
  replacedRules: readonly string[];
  purposes: ReadonlySet<string>;
  settings: Composition['settings'];
  /** The composition as given (for display, audit and storage). */
  composition: Composition;
}

function setOf<T>(xs: readonly T[] | undefined): ReadonlySet<T> | null {
  return xs ? new Set(xs) : null;
}

export function usageMaskOf(names: readonly KmipUsageName[] | undefined): number {
  let m = 0;
  for (const n of names ?? []) m |= KMIP_USAGE[n];
  return m;
}

export function compileSelector(s: Selector): CompiledSelector {
  let keyTypes = 0;
  for (const t of s.keyTypes ?? []) keyTypes |= KEY_TYPE_BIT[t];
  return {
    algorithms: setOf(s.algorithms),
    families: setOf(s.families),
    curves: setOf(s.curves),
    digests: setOf(s.digests),
    purposes: setOf(s.purposes),
    notPurposes: setOf(s.notPurposes),
    stores: setOf(s.stores),
    states: new Set(s.states ?? DEFAULT_STATES),
    keyTypes,
    capability: s.capability ?? null,
    usageAny: usageMaskOf(s.usageAny),
    usageAll: usageMaskOf(s.usageAll),
    usageNone: usageMaskOf(s.usageNone),
    sizeBelow: s.sizeBelow ?? Number.POSITIVE_INFINITY,
    sizeAtLeast: s.sizeAtLeast ?? 0,
    strengthBelow: s.strengthBelow ?? Number.POSITIVE_INFINITY,
    strengthAtLeast: s.strengthAtLeast ?? 0,
  };
}

function describeSpec(s: AlgorithmSpec): string {
  const parts: string[] = [];
  if (s.algorithms) parts.push(s.algorithms.join('/'));
  if (s.families) parts.push(s.families.join('/'));
  if (s.curves) parts.push(`curve ${s.curves.join('/')}`);
  if (s.digests) parts.push(`with ${s.digests.join('/')}`);
  if (s.minSize) parts.push(`≥ ${s.minSize} bits`);
  if (s.minStrength) parts.push(`≥ ${s.minStrength}-bit strength`);
  return parts.join(' ');
}

export function compileRule(rule: PolicyRule, packId: string): CompiledRule {
  const from = dayStart(rule.effectiveFrom);
  const c: CompiledRule = {
    rule,
    packId,
    from,
    until: rule.effectiveUntil ? dayStart(rule.effectiveUntil) : Number.POSITIVE_INFINITY,
    fromIso: isoOf(from),
    sel: compileSelector(rule.match),
    maxOriginatorUsage: null,
    recipientUsageAfterOriginator: null,
    allow: [],
    allowText: '',
    requireAny: 0,
    requireAll: 0,
    forbid: 0,
    stores: null,
    mustNotBeExtractable: false,
  };
  switch (rule.kind) {
    case 'cryptoperiod':
      c.maxOriginatorUsage = parseDuration(rule.maxOriginatorUsage);
      c.recipientUsageAfterOriginator = rule.recipientUsageAfterOriginator ? parseDuration(rule.recipientUsageAfterOriginator) : null;
      break;
    case 'allowed-algorithms':
      c.allow = rule.allow.map((s) => ({
        families: setOf(s.families),
        algorithms: setOf(s.algorithms),
        curves: setOf(s.curves),
        digests: setOf(s.digests),
        minSize: s.minSize ?? 0,
        minStrength: s.minStrength ?? 0,
      }));
      c.allowText = rule.allow.map(describeSpec).join('; ');
      break;
    case 'usage':
      c.requireAny = usageMaskOf(rule.requireAny);
      c.requireAll = usageMaskOf(rule.requireAll);
      c.forbid = usageMaskOf(rule.forbid);
      break;
    case 'storage':
      c.stores = setOf(rule.stores);
      c.mustNotBeExtractable = rule.extractable === false;
      break;
    default:
      break;
  }
  return c;
}

/** Issues for purposes a rule names that are neither built in nor declared by the organisation. */
export function unknownPurposeIssues(rules: readonly PolicyRule[], allowed: ReadonlySet<string>, base: string): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  rules.forEach((r, i) => {
    for (const field of ['purposes', 'notPurposes'] as const) {
      (r.match[field] ?? []).forEach((p, j) => {
        if (!allowed.has(p)) {
          issues.push({
            path: `${base}[${i}].match.${field}[${j}] (rule "${r.id}")`,
            message: `Unknown purpose "${p}". Known purposes: ${[...allowed].join(', ')}. An organisation declares its own in "purposes".`,
          });
        }
      });
    }
  });
  return issues;
}

/**
 * Builds the policy an organisation runs: the packs it lists (in its order, pinned versions
 * checked), minus the rules it disables, with its own rules — one whose id equals a pack rule's
 * replaces that rule in place, any other is added at the end. Throws PolicyFileError naming
 * `source` and the JSON path for a missing pack, a version mismatch, a rule id two packs share, or
 * a disabled rule that does not exist.
 */
export function composePolicy(available: readonly PolicyPack[], composition: Composition, source = 'policy composition'): ComposedPolicy {
  const issues: PolicyIssue[] = [];
  const byId = new Map(available.map((p) => [p.id, p]));
  const packs: PolicyPack[] = [];
  composition.packs.forEach((ref, i) => {
    const [id = ref, pinned] = ref.split('@');
    const pack = byId.get(id);
    if (!pack) {
      issues.push({ path: `$.packs[${i}]`, message: `No policy pack "${id}". Available: ${[...byId.keys()].join(', ') || 'none'}.` });
      return;
    }
    if (pinned && pack.version !== pinned) {
      issues.push({ path: `$.packs[${i}]`, message: `Pack "${id}" is pinned to version ${pinned}, but version ${pack.version} is installed.` });
      return;
    }
    packs.push(pack);
  });

  const purposes = new Set<string>([...PURPOSES, ...composition.purposes]);
  issues.push(...unknownPurposeIssues(composition.overrides, purposes, '$.overrides'));

  const owner = new Map<string, string>();
  for (const p of packs) {
    for (const r of p.rules) {
      const other = owner.get(r.id);
      if (other) issues.push({ path: `$.packs`, message: `Rule id "${r.id}" is in both pack "${other}" and pack "${p.id}"; the two cannot be composed.` });
      owner.set(r.id, p.id);
    }
  }
  const overrideIds = new Set(composition.overrides.map((r) => r.id));
  const disabled = new Set(composition.disabledRules);
  composition.disabledRules.forEach((id, i) => {
    if (!owner.has(id) && !overrideIds.has(id)) issues.push({ path: `$.disabledRules[${i}]`, message: `No rule "${id}" in the composed packs or overrides.` });
  });
  if (issues.length) throw new PolicyFileError(source, issues);

  const overrides = new Map(composition.overrides.map((r) => [r.id, r]));
  const rules: CompiledRule[] = [];
  const replaced: string[] = [];
  for (const p of packs) {
    for (const r of p.rules) {
      const own = overrides.get(r.id);
      if (own) {
        replaced.push(r.id);
        overrides.delete(r.id);
        if (!disabled.has(r.id)) rules.push(compileRule(own, composition.id));
      } else if (!disabled.has(r.id)) {
        rules.push(compileRule(r, p.id));
      }
    }
  }
  for (const r of overrides.values()) if (!disabled.has(r.id)) rules.push(compileRule(r, composition.id));

  return {
    id: composition.id,
    title: composition.title ?? composition.id,
    packs: packs.map((p) => ({ id: p.id, version: p.version, title: p.title, summary: p.summary, source: p.source, ruleCount: p.rules.length })),
    rules,
    disabledRules: [...disabled],
    replacedRules: replaced,
    purposes,
    settings: composition.settings,
    composition,
  };
}

/** A serialisable view of a composed policy for the console and the CLI. */
export interface PolicyView {
  id: string;
  title: string;
  packs: readonly PackInfo[];
  rules: Array<PolicyRule & { packId: string }>;
  disabledRules: readonly string[];
  replacedRules: readonly string[];
  settings: Composition['settings'];
}

export function policyView(p: ComposedPolicy): PolicyView {
  return {
    id: p.id,
    title: p.title,
    packs: p.packs,
    rules: p.rules.map((r) => ({ ...r.rule, packId: r.packId })),
    disabledRules: p.disabledRules,
    replacedRules: p.replacedRules,
    settings: p.settings,
  };
}
