import type { Db } from '../vault/database.js';
import { sql } from '../vault/statements.js';
import { forEachFinding, type ComposedPolicy, type Finding, type PolicyKey } from '../policy/index.js';
import { SEVERITY_RANK, type Severity } from '../policy/model.js';
import type { GroupTuple, PolicyMatch } from './filter-sql.js';

/**
 * The inventory by group (inventory_groups, kept by triggers): keys that share every attribute a
 * policy rule looks at. The date-independent policy rules are judged once per group — a few
 * hundred judgements instead of a million — which is what makes the compliance score and the
 * policy part of a finding filter fast. Cryptoperiods (which depend on each key's dates) are
 * handled through the cached due dates instead (due.ts).
 */

export interface GroupRow {
  algorithm: string;
  family: string;
  size: number;
  curve: string;
  usage_mask: number;
  purpose: string;
  store: string;
  token_serial: string;
  extractable: number;
  state: string;
  n: number;
}

function loadGroups(db: Db): GroupRow[] {
  // One JSON text instead of ~2,000 rows of eleven values: a third of the time at a million keys.
  const text = sql(db, 'SELECT json_group_array(json_array(algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state, n)) FROM inventory_groups WHERE n > 0')
    .pluck()
    .get() as string;
  return (JSON.parse(text) as Array<[string, string, number, string, number, string, string, string, number, string, number]>).map(
    ([algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state, n]) => ({ algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state, n }),
  );
}

/** The vault's inventory counters (migration 0013): they move, in the same transaction, when what the inventory caches may have changed. */
export function inventoryEpochs(db: Db): { groups: number; findingKeys: number } {
  const [groups, findingKeys] = sql(db, 'SELECT groups, finding_keys FROM inventory_epochs WHERE id = 1', 'raw').get() as [number, number];
  return { groups, findingKeys };
}

/**
 * Whether what was just read may be kept in a per-connection cache keyed on the counters: only
 * outside a transaction. A counter value seen inside one that rolls back can come again, after
 * the rollback, with other contents.
 */
export function mayKeep(db: Db): boolean {
  return !db.inTransaction;
}

const groupsCache = new WeakMap<Db, { epoch: number; groups: readonly GroupRow[] }>();

/**
 * Every group with keys, per connection, read again only when the groups counter moved (~3 ms at
 * a million keys, ~2,000 groups; a finding filter needs them twice per page). Callers must not
 * change the rows.
 */
export function currentGroups(db: Db): readonly GroupRow[] {
  const epoch = inventoryEpochs(db).groups;
  const hit = groupsCache.get(db);
  if (hit && hit.epoch === epoch) return hit.groups;
  const groups = loadGroups(db);
  if (mayKeep(db)) groupsCache.set(db, { epoch, groups });
  return groups;
}

export function groupTuple(g: GroupRow): GroupTuple {
  return [g.algorithm, g.family, g.size, g.curve, g.usage_mask, g.purpose, g.store, g.token_serial, g.extractable, g.state];
}

export function groupKey(t: readonly unknown[]): string {
  return t.join('\u0000');
}

function asPolicyKey(g: GroupRow, i: number): PolicyKey {
  return {
    id: String(i),
    name: '',
    algorithm: g.algorithm,
    family: g.family,
    size: g.size,
    curve: g.curve === '' ? null : g.curve,
    state: g.state as PolicyKey['state'],
    store: g.store as PolicyKey['store'],
    extractable: g.extractable === 1,
    usageMask: g.usage_mask,
    purpose: g.purpose === '' ? null : g.purpose,
    // No dates: the cryptoperiod rules find no start and stay silent; due.ts covers them.
    createdAt: '',
    activationDate: null,
    protectStopAt: null,
    processStopAt: null,
  };
}

export interface JudgedGroup {
  group: GroupRow;
  findings: Finding[];
  worst: Severity | null;
}

/**
 * Verdicts per group, per policy and per set of rules in force: a group's date-independent
 * findings depend on its attributes and on which rules are in force at `asOf`, nothing else (the
 * engine filters rules by date first, see rulesInForce in policy/evaluate.ts). Judging ~2,000
 * groups costs ~20 ms at a million keys, on every finding filter; the cache makes that once per
 * policy and rule set. Bounded: a new policy object starts a new cache (WeakMap), and at most
 * a few rule sets (today, the compared date) are kept per policy.
 */
const verdicts = new WeakMap<ComposedPolicy, Map<string, Map<string, { findings: Finding[]; worst: Severity | null }>>>();
const MAX_RULE_SETS = 8;

function verdictCache(policy: ComposedPolicy, at: number): Map<string, { findings: Finding[]; worst: Severity | null }> {
  const inForce = policy.rules.map((r, i) => (r.from <= at && at < r.until ? i : -1)).filter((i) => i >= 0).join(',');
  let byRules = verdicts.get(policy);
  if (!byRules) verdicts.set(policy, (byRules = new Map()));
  let cache = byRules.get(inForce);
  if (!cache) {
    if (byRules.size >= MAX_RULE_SETS) byRules.clear();
    byRules.set(inForce, (cache = new Map()));
  }
  return cache;
}

/** The date-independent findings of each group as of `asOf` (findings' keyId is meaningless here: a group is many keys). */
export function judgeGroups(groups: readonly GroupRow[], policy: ComposedPolicy, asOf: Date): JudgedGroup[] {
  const cache = verdictCache(policy, asOf.getTime());
  const keys = groups.map((g) => groupKey(groupTuple(g)));
  const missing = groups.filter((_, i) => !cache.has(keys[i]!));
  if (missing.length) {
    const fresh = missing.map(() => ({ findings: [] as Finding[], worst: null as Severity | null }));
    forEachFinding(
      missing.map((g, i) => asPolicyKey(g, i)),
      policy,
      asOf,
      (f) => {
        const j = fresh[Number(f.keyId)]!;
        j.findings.push(f);
        if (!j.worst || SEVERITY_RANK[f.severity] > SEVERITY_RANK[j.worst]) j.worst = f.severity;
      },
    );
    missing.forEach((g, i) => cache.set(groupKey(groupTuple(g)), fresh[i]!));
  }
  return groups.map((group, i) => {
    const v = cache.get(keys[i]!)!;
    return { group, findings: v.findings, worst: v.worst };
  });
}

/** Which groups and cryptoperiod rules a finding filter selects under the policy, as of `now`. */
export function policyMatch(db: Db, policy: ComposedPolicy, now: Date, finding: { rules?: string[] | undefined; severities?: string[] | undefined }): PolicyMatch {
  const rules = finding.rules ? new Set(finding.rules) : null;
  const severities = finding.severities ? new Set(finding.severities) : null;
  const fits = (f: { ruleId: string; severity: string }) => (!rules || rules.has(f.ruleId)) && (!severities || severities.has(f.severity));
  const groups: GroupTuple[] = [];
  const activeGroups: GroupTuple[] = [];
  let keys = 0;
  for (const j of judgeGroups(currentGroups(db), policy, now)) {
    if (j.findings.some(fits)) {
      groups.push(groupTuple(j.group));
      keys += j.group.n;
    }
    if (j.group.state === 'active') activeGroups.push(groupTuple(j.group));
  }
  const at = now.getTime();
  const cryptoperiodRules = policy.rules
    .filter((r) => r.rule.kind === 'cryptoperiod' && r.from <= at && at < r.until && fits({ ruleId: r.rule.id, severity: r.rule.severity }))
    .map((r) => r.rule.id);
  return { groups, keys, cryptoperiodRules, activeGroups };
}
