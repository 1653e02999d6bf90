import { join } from 'node:path';
import { z } from 'zod';
import { analysisFindingsAsPolicyFindings, analysisPolicyCounts } from '../analysis/findings-store.js';
import type { Operation } from '../approvals/operations.js';
import { CustosError } from '../errors.js';
import {
  checkGeneration,
  forEachFinding,
  FindingSummaryBuilder,
  builtinPolicyDir,
  composePolicy,
  loadComposition,
  loadPackDirectory,
  parseComposition,
  type Composition,
  type PolicyPack,
  policyView,
  compareFindings,
  type ComposedPolicy,
  type Finding,
  type GenerationCandidate,
  type PolicyKey,
  type RotationDue,
} from '../policy/index.js';
import type { Db } from '../vault/database.js';
import { POLICY_KEY_COLUMNS, policyKeyFromRow, type PolicyKeyRow } from '../policy/from-core.js';
import { refreshDue } from '../inventory/due.js';
import { policyChanged } from '../inventory/due-job.js';
import { sql } from '../vault/statements.js';

const KEY = 'policy-composition';

/** The active composition as data: the organisation's (stored in the vault), or null for the shipped default. */
export function storedComposition(db: Db): Record<string, unknown> | null {
  const row = db.prepare('SELECT v FROM settings WHERE k = ?').get(KEY) as { v: string } | undefined;
  return row ? (JSON.parse(row.v) as Record<string, unknown>) : null;
}

/**
 * The shipped packs and default composition, read from disk once per process: they are files of
 * the installation, and every key generation and settings read needs the composed policy.
 */
let shipped: { packs: PolicyPack[]; defaultComposition: Composition; dir: string } | null = null;
function shippedPolicy(): NonNullable<typeof shipped> {
  if (!shipped) {
    const dir = builtinPolicyDir();
    shipped = { dir, packs: loadPackDirectory(dir), defaultComposition: loadComposition(join(dir, 'compositions', 'default.json')) };
  }
  return shipped;
}

/**
 * The organisation's active composition (stored in the vault), or the shipped default. Composed
 * once per composition: composing parses and compiles every rule (milliseconds), and the inventory
 * needs it on every filtered page and dashboard refresh, key generation on every key. Keyed by the
 * stored composition text, so a policy change is seen at once.
 */
const composed = new WeakMap<Db, { text: string | null; policy: ComposedPolicy }>();
export function activePolicy(db: Db): ComposedPolicy {
  const text = (sql(db, 'SELECT v FROM settings WHERE k = ?', 'pluck').get(KEY) as string | undefined) ?? null;
  const hit = composed.get(db);
  if (hit && hit.text === text) return hit.policy;
  const { packs, defaultComposition, dir } = shippedPolicy();
  const policy =
    text !== null
      ? composePolicy(packs, parseComposition(JSON.parse(text), 'vault settings'), 'vault settings')
      : composePolicy(packs, defaultComposition, join(dir, 'compositions', 'default.json'));
  composed.set(db, { text, policy });
  return policy;
}

const POLICY_SELECT = `SELECT ${POLICY_KEY_COLUMNS} FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version`;

/** The inventory (or one key of it) as policy records, streamed from one indexed query (a million keys fit). */
export function* policyKeys(db: Db, keyId?: string): Generator<PolicyKey> {
  const rows = db.prepare(`${POLICY_SELECT}${keyId === undefined ? '' : ' WHERE k.id = ?'}`).iterate(...(keyId === undefined ? [] : [keyId])) as Iterable<PolicyKeyRow>;
  for (const r of rows) yield policyKeyFromRow(r);
}

export interface EvaluationResult {
  asOf: string;
  total: number;
  bySeverity: Record<string, number>;
  byRule: Array<{ ruleId: string; packId: string; title: string; severity: string; count: number }>;
  findings: Finding[];
}

/**
 * Findings for the whole inventory as of a date: counts for all, the first `limit` in full.
 * The stored findings of the last analysis run (src-main/analysis: shared primes, ROCA, blocklist,
 * certificates…) are policy findings too (pack `custos-analysis`), whatever the date: a factored
 * key stays factored. They are counted with one grouped query and merged into the same totals,
 * rules and page, with the same key filter.
 */
export function evaluateInventory(db: Db, asOf: Date, options: { limit: number; keyId?: string }): EvaluationResult {
  const policy = activePolicy(db);
  const summary = new FindingSummaryBuilder();
  const kept: Finding[] = [];
  // One key's page reads that key only (by primary key), not the whole inventory.
  const keys = policyKeys(db, options.keyId || undefined);
  forEachFinding(keys, policy, asOf, (f) => {
    summary.add(f);
    if (kept.length < options.limit * 4) kept.push(f);
  });
  const s = summary.result();
  const analysis = analysisPolicyCounts(db, { keyId: options.keyId });
  kept.push(...(analysisFindingsAsPolicyFindings(db, { keyId: options.keyId, limit: options.limit }) as Finding[]));
  const bySeverity: Record<string, number> = { ...s.bySeverity };
  for (const [severity, n] of Object.entries(analysis.bySeverity)) bySeverity[severity] = (bySeverity[severity] ?? 0) + n;
  const byRule = [...s.byRule, ...analysis.byRule].sort(
    (a, b) => SEVERITY_RANK_DESC.indexOf(a.severity) - SEVERITY_RANK_DESC.indexOf(b.severity) || b.count - a.count || (a.ruleId < b.ruleId ? -1 : 1),
  );
  return {
    asOf: asOf.toISOString(),
    total: s.total + analysis.total,
    bySeverity,
    byRule: byRule.map((r) => ({ ruleId: r.ruleId, packId: r.packId, title: r.title, severity: r.severity, count: r.count })),
    findings: kept.sort(compareFindings).slice(0, options.limit),
  };
}

const SEVERITY_RANK_DESC = ['critical', 'error', 'warning', 'info'];

/** The gate at generation: blocking findings refuse, warnings are returned for the audit event. */
export function gateGeneration(db: Db, candidate: GenerationCandidate, asOf: Date): string[] {
  const verdict = checkGeneration(candidate, activePolicy(db), asOf);
  if (verdict.blocked.length > 0) {
    const first = verdict.blocked[0]!;
    throw new CustosError('E_PERMISSION', `The active policy forbids this key: ${first.title}. ${first.remediation}${verdict.blocked.length > 1 ? ` (and ${verdict.blocked.length - 1} more rule(s))` : ''}`);
  }
  return verdict.warnings.map((w) => w.title);
}

/**
 * Rotations due within the horizon, soonest first. The inventory keeps every active key's due date
 * and deciding rule cached and indexed (src-main/inventory/due.ts: the policy engine's own
 * dueRotations, recomputed whenever a key, its dates or the policy change), so this is one index
 * range rather than a judgement of the whole inventory: quick at a million keys.
 */
export function rotationTasks(db: Db, asOf: Date, horizonDays: number, onlyKeys?: readonly string[]): RotationDue[] {
  // Complete, even while a sliced recompute runs: automatic rotation acts on these dates.
  refreshDue(db, asOf, { complete: true });
  const at = asOf.getTime();
  const limit = new Date(at + horizonDays * 86_400_000).toISOString();
  const rules = new Map<string, ComposedPolicy['rules'][number]>();
  for (const r of activePolicy(db).rules) if (!rules.has(r.rule.id)) rules.set(r.rule.id, r);
  type Row = { id: string; name: string; due_at: string; due_rule: string | null };
  const rows = onlyKeys
    ? // A few keys by id (automatic rotation at unlock): never the inventory's whole overdue list.
      (db
        .prepare("SELECT id, name, due_at, due_rule FROM keys WHERE id IN (SELECT value FROM json_each(?)) AND due_at IS NOT NULL AND due_at <= ? AND state = 'active' ORDER BY due_at, id")
        .all(JSON.stringify(onlyKeys), limit) as Row[])
    : (db
        // coalesce(due_at, '9999') is the expression keys_by_due indexes (migration 0006).
        .prepare("SELECT id, name, due_at, due_rule FROM keys WHERE coalesce(due_at, '9999') <= ? AND +due_at IS NOT NULL AND +state = 'active' ORDER BY coalesce(due_at, '9999'), id")
        .all(limit) as Row[]);
  return rows.map((r) => {
    const due = Date.parse(r.due_at);
    const rule = r.due_rule === null ? undefined : rules.get(r.due_rule);
    return {
      keyId: r.id,
      keyName: r.name,
      dueAt: r.due_at,
      overdue: due <= at,
      daysLeft: Math.floor((due - at) / 86_400_000),
      reason: r.due_rule === null ? 'protect-stop' : 'cryptoperiod',
      ruleId: r.due_rule,
      packId: rule?.packId ?? null,
      rotation: rule?.rule.kind === 'cryptoperiod' ? rule.rule.rotation : 'manual',
    };
  });
}

/** Keys whose approved destruction is waiting for its date, soonest first. */
export function scheduledDestructions(db: Db): Array<{ keyId: string; keyName: string; destroyAt: string }> {
  return db.prepare('SELECT id AS keyId, name AS keyName, destroy_at AS destroyAt FROM keys WHERE destroy_at IS NOT NULL ORDER BY destroy_at').all() as Array<{ keyId: string; keyName: string; destroyAt: string }>;
}

export function viewActivePolicy(db: Db) {
  return policyView(activePolicy(db));
}

/** Changing the active composition is a policy change: under dual control and audited. */
export const setCompositionOperation: Operation<{ composition: unknown }> = {
  kind: 'policy.set-composition',
  category: 'policy.change',
  requesterRoles: ['administrator', 'security-officer'],
  payload: z.object({ composition: z.unknown() }),
  execute(vault, p) {
    const composition = parseComposition(p.composition, 'the request');
    composePolicy(shippedPolicy().packs, composition, 'the request');
    vault.db.prepare('INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(KEY, JSON.stringify(composition));
    // Every due date must be recomputed (the settings trigger marks it): in slices on the core's queue.
    policyChanged(vault.db);
    return { details: { packs: composition.packs.map(String).join(','), disabledRules: composition.disabledRules.length, overrides: composition.overrides.length } };
  },
};
