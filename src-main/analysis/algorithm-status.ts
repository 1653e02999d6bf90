// What NIST SP 800-131A Rev. 2 says about a key whose use nobody recorded.
//
// The policy pack's algorithm-status rules (resources/policies/nist-sp800-131a-r2.json) fire on a
// key's usage ("RSA < 2048 used to generate signatures"). A bare public key found in a file, on a
// TLS endpoint or on a token has usage 0, so none of them fires and an RSA-1024 key would show no
// SP 800-131A finding at all. This check judges such a key as if it had every use its family can
// have, with the shipped pack itself (not the organisation's composition: the finding states what
// the standard says about the algorithm and size), and reports the rules that would fire as one
// analysis finding `sp800-131a-algorithm`. Keys whose usage is known are left to the policy
// engine, which then reports the pack's own rule — never both for one key.
import { join } from 'node:path';
import { FAMILY_USAGE, type InventoryKeyFamily } from '../../src-shared/keys.js';
import { composePolicy, type ComposedPolicy } from '../policy/compose.js';
import { evaluate } from '../policy/evaluate.js';
import { builtinPolicyDir, loadPackFile } from '../policy/load.js';
import { compositionSchema } from '../policy/model.js';
import type { AnalysisFinding, Severity } from './findings.js';

export const SP800_131A_PACK = 'nist-sp800-131a-r2';
const ORDER: readonly Severity[] = ['critical', 'error', 'warning', 'info'];

let pack: ComposedPolicy | null = null;
function sp800131a(): ComposedPolicy {
  if (!pack) {
    const p = loadPackFile(join(builtinPolicyDir(), `${SP800_131A_PACK}.json`));
    pack = composePolicy([p], compositionSchema.parse({ format: 'custos.policy-composition/v1', id: 'custos-analysis', packs: [SP800_131A_PACK] }));
  }
  return pack;
}

export interface AlgorithmFacts {
  algorithm: string;
  family: string;
  size: number;
  curve?: string | null;
  usageMask: number;
}

/** Verdicts per (family, size, curve): a million keys share a few dozen. */
const cache = new Map<string, AnalysisFinding[]>();

/**
 * The SP 800-131A r2 algorithm-status finding of an asymmetric key with no recorded usage (empty
 * otherwise): the disallowed, deprecated or legacy uses of its algorithm and size, most severe
 * severity first. Pure apart from reading the shipped pack once.
 */
export function algorithmStatusFindings(k: AlgorithmFacts, asOf: Date = new Date()): AnalysisFinding[] {
  if (k.usageMask !== 0) return [];
  const everyUse = FAMILY_USAGE[k.family as InventoryKeyFamily];
  if (everyUse === undefined || k.family === 'aes' || k.family === 'hmac') return [];
  const memo = `${k.family}|${k.size}|${k.curve ?? ''}|${asOf.toISOString().slice(0, 10)}`;
  const hit = cache.get(memo);
  if (hit) return hit;
  const at = asOf.toISOString();
  const fired = evaluate(
    [{ id: 'k', name: 'k', algorithm: k.algorithm, family: k.family, size: k.size, curve: k.curve ?? null, state: 'active', store: 'external', extractable: false, usageMask: everyUse, purpose: null, createdAt: at, activationDate: at, protectStopAt: null, processStopAt: null }],
    sp800131a(),
    asOf,
  ).filter((f) => f.kind === 'algorithm-status');
  let out: AnalysisFinding[] = [];
  if (fired.length) {
    const severity = fired.map((f) => f.severity).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0]!;
    const what = fired.map((f) => `${f.title} (${f.status ?? 'listed'}, ${f.ruleId})`).join('; ');
    out = [{ check: 'sp800-131a-algorithm', severity, message: `No use is recorded for this key, so it was judged for every use its algorithm allows. NIST SP 800-131A Rev. 2: ${what}.` }];
  }
  if (cache.size > 1000) cache.clear();
  cache.set(memo, out);
  return out;
}
