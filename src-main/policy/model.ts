import { z } from 'zod';
import { KMIP_USAGE, type KmipUsageName } from '../../src-shared/lifecycle.js';
import { KEY_STATES, KEY_STORES, type KeyState, type KeyStore } from '../../src-shared/keys.js';
import { dualControlCategorySchema, dualControlRuleSchema } from '../../src-shared/approvals.js';

/**
 * The policy model: packs of rules (data files under resources/policies/), an organisation's
 * composition of packs, the plain key record rules are evaluated against, and the findings.
 */

/** What a key is for. A key without a purpose is judged as 'general'. */
export const PURPOSES = [
  'tls-server',
  'tls-client',
  'code-signing',
  'document-signing',
  'ca-root',
  'ca-intermediate',
  'data-encryption',
  'key-wrapping',
  'device-identity',
  'ssh',
  'general',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/**
 * Algorithm families rules can name. Wider than what Custos generates today: imported and
 * discovered keys (and later generations) may be TDEA, DSA, finite-field DH, X25519/X448 ('xdh')
 * or post-quantum. For ML-KEM and ML-DSA the key `size` is the parameter set (512/768/1024,
 * 44/65/87); for TDEA it is the effective key length (112 = two-key, 168 = three-key; 128 and 192
 * with parity bits are read the same way).
 */
export const FAMILIES = ['rsa', 'ec', 'eddsa', 'xdh', 'dsa', 'dh', 'aes', 'tdes', 'hmac', 'ml-kem', 'ml-dsa', 'slh-dsa', 'lms', 'xmss'] as const;
export type Family = (typeof FAMILIES)[number];

/** Digests a key can be bound to (HMAC keys, or signature keys whose scheme fixes the hash). */
export const DIGESTS = ['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512', 'sha3-256', 'sha3-384', 'sha3-512', 'shake-128', 'shake-256'] as const;
export type Digest = (typeof DIGESTS)[number];

/** NIST SP 800-57 Part 1 Rev 5 §5.1.1 key types that Custos can hold (private or secret halves). */
export const KEY_TYPES = [
  'private-signature',
  'private-authentication',
  'private-key-transport',
  'private-static-key-agreement',
  'symmetric-authentication',
  'symmetric-data-encryption',
  'symmetric-key-wrapping',
  'symmetric-master',
  'symmetric-key-agreement',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

export const ENFORCEMENTS = ['block', 'warn'] as const;
export type Enforcement = (typeof ENFORCEMENTS)[number];

export const ALGORITHM_STATUSES = ['transition', 'deprecated', 'legacy-use', 'disallowed'] as const;
export type AlgorithmStatus = (typeof ALGORITHM_STATUSES)[number];

export const PACK_FORMAT = 'custos.policy-pack/v1';
export const COMPOSITION_FORMAT = 'custos.policy-composition/v1';

const USAGE_NAMES = Object.keys(KMIP_USAGE) as [KmipUsageName, ...KmipUsageName[]];

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

function isRealDay(s: string): boolean {
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** A calendar day, read as 00:00 UTC. */
export const isoDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected a date as YYYY-MM-DD.')
  .refine(isRealDay, 'Not a real calendar date.');

/** An ISO 8601 duration of years, months and days: P3Y, P1Y6M, P90D. */
export const durationSchema = z
  .string()
  .regex(/^P(?=\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?$/, 'Expected an ISO 8601 duration of years, months and days, such as P2Y, P18M or P90D.');

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const ruleIdSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'A rule id is lowercase letters, digits, dots and hyphens, such as "sp800-57.private-signature".')
  .max(120);
export const packIdSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'A pack id is lowercase letters, digits, dots and hyphens, such as "cnsa-2.0".')
  .max(80);
const purposeNameSchema = z.string().regex(slug, 'A purpose is lowercase letters, digits and hyphens.').max(60);
const usageNameSchema = z.enum(USAGE_NAMES);
const familySchema = z.enum(FAMILIES);
const positiveInt = z.number().int().positive();

/** Which keys a rule is about. Every field narrows (AND); a list matches any of its entries (OR). */
export const selectorSchema = z.strictObject({
  algorithms: z.array(z.string().min(1)).min(1).optional(),
  families: z.array(familySchema).min(1).optional(),
  curves: z.array(z.string().min(1)).min(1).optional(),
  digests: z.array(z.enum(DIGESTS)).min(1).optional(),
  keyTypes: z.array(z.enum(KEY_TYPES)).min(1).optional(),
  purposes: z.array(purposeNameSchema).min(1).optional(),
  notPurposes: z.array(purposeNameSchema).min(1).optional(),
  stores: z.array(z.enum(KEY_STORES)).min(1).optional(),
  /** Default: the live states (pre-active, active, suspended, deactivated). */
  states: z.array(z.enum(KEY_STATES)).min(1).optional(),
  /** 'protect': the key can apply protection now or later (state pre-active/active/suspended and a protect usage); 'process-only': it can only verify/decrypt/unwrap. */
  capability: z.enum(['protect', 'process-only']).optional(),
  usageAny: z.array(usageNameSchema).min(1).optional(),
  usageAll: z.array(usageNameSchema).min(1).optional(),
  usageNone: z.array(usageNameSchema).min(1).optional(),
  sizeBelow: positiveInt.optional(),
  sizeAtLeast: positiveInt.optional(),
  /** Security strength in bits per SP 800-57 Part 1 Rev 5 §5.6.1 Table 2. */
  strengthBelow: positiveInt.optional(),
  strengthAtLeast: positiveInt.optional(),
});
export type Selector = z.infer<typeof selectorSchema>;

/** One acceptable algorithm shape in an allow-list; a key fits when it satisfies every field given. */
export const algorithmSpecSchema = z.strictObject({
  families: z.array(familySchema).min(1).optional(),
  algorithms: z.array(z.string().min(1)).min(1).optional(),
  curves: z.array(z.string().min(1)).min(1).optional(),
  digests: z.array(z.enum(DIGESTS)).min(1).optional(),
  minSize: positiveInt.optional(),
  minStrength: positiveInt.optional(),
});
export type AlgorithmSpec = z.infer<typeof algorithmSpecSchema>;

const commonRuleFields = {
  id: ruleIdSchema,
  title: z.string().min(1).max(200),
  /** Where in the source the rule comes from, e.g. "§5.3.6, Table 1". */
  citation: z.string().min(1).optional(),
  effectiveFrom: isoDaySchema,
  /** First day the rule no longer applies (exclusive). */
  effectiveUntil: isoDaySchema.optional(),
  explanation: z.string().min(1),
  match: selectorSchema.default({}),
};
const judgedRuleFields = {
  ...commonRuleFields,
  severity: z.enum(SEVERITIES),
  /** What the generation/import gate does when the rule fires. */
  enforcement: z.enum(ENFORCEMENTS),
  remediation: z.string().min(1),
};

const algorithmStatusRule = z.strictObject({
  ...judgedRuleFields,
  kind: z.literal('algorithm-status'),
  status: z.enum(ALGORITHM_STATUSES),
});
const allowedAlgorithmsRule = z.strictObject({
  ...judgedRuleFields,
  kind: z.literal('allowed-algorithms'),
  allow: z.array(algorithmSpecSchema).min(1),
});
const cryptoperiodRule = z.strictObject({
  ...judgedRuleFields,
  kind: z.literal('cryptoperiod'),
  /** 'originator': the period in which the key may apply protection; 'recipient': the period in which it may still process. */
  period: z.enum(['originator', 'recipient']),
  maxOriginatorUsage: durationSchema,
  /** For period 'recipient': how long after the end of originator usage the key may still process. */
  recipientUsageAfterOriginator: durationSchema.optional(),
  /** Whether a due rotation runs by itself while the vault is unlocked. */
  rotation: z.enum(['manual', 'auto']).default('manual'),
});
const storageRule = z.strictObject({
  ...judgedRuleFields,
  kind: z.literal('storage'),
  stores: z.array(z.enum(KEY_STORES)).min(1).optional(),
  extractable: z.literal(false).optional(),
});
const usageRule = z.strictObject({
  ...judgedRuleFields,
  kind: z.literal('usage'),
  requireAny: z.array(usageNameSchema).min(1).optional(),
  requireAll: z.array(usageNameSchema).min(1).optional(),
  forbid: z.array(usageNameSchema).min(1).optional(),
});
const dualControlRule = z.strictObject({
  ...commonRuleFields,
  kind: z.literal('dual-control'),
  /** Data only: the core enforces dual control; this says which operations need how many approvals. */
  operations: z.partialRecord(dualControlCategorySchema, dualControlRuleSchema),
});

export const ruleSchema = z
  .discriminatedUnion('kind', [algorithmStatusRule, allowedAlgorithmsRule, cryptoperiodRule, storageRule, usageRule, dualControlRule])
  .superRefine((r, ctx) => {
    if (r.effectiveUntil && r.effectiveUntil <= r.effectiveFrom) {
      ctx.addIssue({ code: 'custom', path: ['effectiveUntil'], message: 'effectiveUntil must be after effectiveFrom.' });
    }
    const m = r.match;
    if (m.sizeBelow !== undefined && m.sizeAtLeast !== undefined && m.sizeAtLeast >= m.sizeBelow) {
      ctx.addIssue({ code: 'custom', path: ['match', 'sizeAtLeast'], message: 'sizeAtLeast must be below sizeBelow, or nothing matches.' });
    }
    if (m.strengthBelow !== undefined && m.strengthAtLeast !== undefined && m.strengthAtLeast >= m.strengthBelow) {
      ctx.addIssue({ code: 'custom', path: ['match', 'strengthAtLeast'], message: 'strengthAtLeast must be below strengthBelow, or nothing matches.' });
    }
    switch (r.kind) {
      case 'cryptoperiod':
        if (r.period === 'recipient' && !r.recipientUsageAfterOriginator) {
          ctx.addIssue({ code: 'custom', path: ['recipientUsageAfterOriginator'], message: "A 'recipient' cryptoperiod rule needs recipientUsageAfterOriginator." });
        }
        if (r.period === 'originator' && r.recipientUsageAfterOriginator) {
          ctx.addIssue({ code: 'custom', path: ['recipientUsageAfterOriginator'], message: "Only a 'recipient' cryptoperiod rule takes recipientUsageAfterOriginator." });
        }
        break;
      case 'storage':
        if (!r.stores && r.extractable === undefined) ctx.addIssue({ code: 'custom', path: ['stores'], message: 'A storage rule needs stores, extractable, or both.' });
        break;
      case 'usage':
        if (!r.requireAny && !r.requireAll && !r.forbid) ctx.addIssue({ code: 'custom', path: ['forbid'], message: 'A usage rule needs requireAny, requireAll or forbid.' });
        break;
      default:
        break;
    }
  });
export type PolicyRule = z.infer<typeof ruleSchema>;
export type RuleKind = PolicyRule['kind'];
export type JudgedRule = Exclude<PolicyRule, { kind: 'dual-control' }>;
export type DualControlRule = Extract<PolicyRule, { kind: 'dual-control' }>;

export const packSourceSchema = z.strictObject({
  title: z.string().min(1),
  publisher: z.string().min(1),
  /** Publication date of the cited document. */
  published: isoDaySchema,
  status: z.enum(['final', 'draft']),
  url: z.url().optional(),
  sections: z.string().min(1).optional(),
});

export const packSchema = z
  .strictObject({
    format: z.literal(PACK_FORMAT),
    id: packIdSchema,
    /** The pack's own version (not the cited document's): bumped whenever a rule changes. */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'A pack version is MAJOR.MINOR.PATCH.'),
    title: z.string().min(1),
    summary: z.string().min(1),
    source: packSourceSchema,
    notes: z.array(z.string().min(1)).optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .superRefine((p, ctx) => uniqueRuleIds(p.rules, ['rules'], ctx));
export type PolicyPack = z.infer<typeof packSchema>;

/** A pack reference in a composition: "id" or "id@version" to pin a version. */
const packRefSchema = z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*(?:@\d+\.\d+\.\d+)?$/, 'A pack reference is "pack-id" or "pack-id@1.2.3".');

export const compositionSchema = z
  .strictObject({
    format: z.literal(COMPOSITION_FORMAT),
    /** Names the organisation's policy; its own rules carry this as their pack id. */
    id: packIdSchema.default('organisation'),
    title: z.string().min(1).optional(),
    packs: z.array(packRefSchema),
    /** Rules of the organisation's own. One with the id of a pack rule replaces that rule. */
    overrides: z.array(ruleSchema).default([]),
    disabledRules: z.array(ruleIdSchema).default([]),
    /** Purposes of the organisation's own, beyond the built-in list. */
    purposes: z.array(purposeNameSchema).default([]),
    settings: z
      .strictObject({
        /** Days between scheduling a destruction and carrying it out (issue 5: default 7, 1–90). */
        destructionWaitDays: z.number().int().min(1).max(90).default(7),
      })
      .default({ destructionWaitDays: 7 }),
  })
  .superRefine((c, ctx) => {
    uniqueRuleIds(c.overrides, ['overrides'], ctx);
    const seen = new Map<string, number>();
    c.packs.forEach((ref, i) => {
      const id = ref.split('@')[0] ?? ref;
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['packs', i], message: `Pack "${id}" is listed twice.` });
      seen.set(id, i);
    });
  });
export type Composition = z.infer<typeof compositionSchema>;
export type CompositionInput = z.input<typeof compositionSchema>;

function uniqueRuleIds(rules: readonly { id: string }[], at: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [...at, i, 'id'], message: `Rule id "${r.id}" is used twice.` });
    seen.add(r.id);
  });
}

// ---------------------------------------------------------------------------------------------
// The key record and the findings
// ---------------------------------------------------------------------------------------------

/**
 * What evaluation needs of a key: a plain record the core builds from its rows (`keys` joined with
 * the current `key_versions` row). Dates are ISO 8601 strings; null when not set.
 */
export interface PolicyKey {
  id: string;
  name: string;
  /** Algorithm id: 'rsa-2048', 'ec-p256', 'ed25519', 'aes-256', 'hmac-sha256', … */
  algorithm: string;
  /** KeyFamily of src-shared/keys.ts, or a wider family of FAMILIES. */
  family: string;
  /** Modulus or key bits; for curves the field size (Ed25519: 255). */
  size: number;
  curve: string | null;
  /** Digest the key is bound to; when absent it is derived from the algorithm id ('hmac-sha256' → 'sha-256'). */
  digest?: string | null;
  state: KeyState;
  store: KeyStore;
  /** Whether the material may leave its store (CKA_EXTRACTABLE for token keys; vault keys that can be exported). */
  extractable: boolean;
  /** KMIP Cryptographic Usage Mask. */
  usageMask: number;
  /** One of PURPOSES or an organisation's own; null is judged as 'general'. */
  purpose: string | null;
  /** When the current version was generated (or imported). */
  createdAt: string;
  /** Activation date of the current version; cryptoperiods count from it, or from createdAt when null. */
  activationDate: string | null;
  /** Current version's protect-stop (end of originator usage) and process-stop dates. */
  protectStopAt: string | null;
  processStopAt: string | null;
}

export interface Finding {
  ruleId: string;
  /** The pack the rule comes from, or the composition's id for an organisation's own rule. */
  packId: string;
  keyId: string;
  keyName: string;
  kind: RuleKind;
  severity: Severity;
  title: string;
  explanation: string;
  remediation: string;
  /** When this finding starts to apply (ISO 8601, UTC): the rule's effective date, or the end of the key's cryptoperiod. */
  appliesFrom: string;
  enforcement: Enforcement;
  /** Status word for algorithm-status rules (deprecated, disallowed, …); null otherwise. */
  status: AlgorithmStatus | null;
  /** What about this key made the rule fire (e.g. "has Sign", "activated 2024-01-02, limit P2Y"). */
  detail: string | null;
  citation: string | null;
}
