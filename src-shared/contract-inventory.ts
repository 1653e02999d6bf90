import { z } from 'zod';
import { keyIdSchema, keyStateSchema } from './keys.js';

/**
 * Channels for dashboards, the inventory query, saved views, bulk actions and reports (issue 8).
 * Merged into `channels` by contract.ts. This file must not import contract.ts (it is imported by
 * it); shared schemas live in the small modules beside it (keys.ts, users.ts, …).
 *
 * Filtering, sorting, counting and aggregation all happen in SQL in the main process: the
 * renderer asks for one page (≤ 200 rows) or one set of aggregates, never for the inventory.
 *
 * Filter semantics: fields narrow (AND); the entries of one list field are alternatives (OR).
 * An empty filter `{}` is the whole inventory. Every element of `inventory.aggregates` carries
 * the filter that lists exactly its keys (`filter`), so a chart drills down by passing it to
 * `inventory.query` as is.
 */

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

/** Algorithm ids as stored (generated keys use ALGORITHM_IDS; discovered keys may carry others, e.g. rsa-1024). */
const algorithmNameSchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,39}$/, 'An algorithm is a short lower-case id such as ec-p256 or rsa-2048.');

/** 'vault', 'external' (discovered, not held), 'token' (any token) or 'token:SERIAL' (one token). */
export const storeSelectorSchema = z.string().regex(/^(vault|external|token|token:[\x21-\x7e]{1,64})$/, "A store is 'vault', 'external', 'token' or 'token:<serial>'.");

/** A purpose name, or 'none' for keys without one. */
const purposeSelectorSchema = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'A purpose is a short lower-case name such as tls-server (or none).');

/** Owners are people or teams, free text without control characters; stored as given, matched case-insensitively. */
export const ownerSchema = z
  .string()
  .trim()
  .min(1, 'An owner needs a name.')
  .max(64, 'An owner is at most 64 characters.')
  .regex(/^[^\p{Cc}]+$/u, 'An owner cannot contain control characters.');

/** Tags are short lower-case labels: letters, digits, '-', '_', '.', ':' and '/'. */
export const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._:/-]{0,47}$/, "A tag is 1–48 lower-case letters, digits or . _ : / - and starts with a letter or digit.");

const dayOrInstant = z.union([z.iso.date(), z.iso.datetime()]);

/** An inclusive-from, exclusive-to range of ISO 8601 dates or instants; either end may be open. */
const dateRangeSchema = z.object({ from: dayOrInstant.optional(), to: dayOrInstant.optional() }).strict();

export const inventoryFilterSchema = z
  .object({
    states: z.array(keyStateSchema).min(1).max(7).optional(),
    algorithms: z.array(algorithmNameSchema).min(1).max(50).optional(),
    /** Key sizes in bits as stored (curves: field size, e.g. 256; Ed25519: 255). */
    sizes: z.array(z.number().int().positive().max(65536)).min(1).max(50).optional(),
    stores: z.array(storeSelectorSchema).min(1).max(50).optional(),
    purposes: z.array(purposeSelectorSchema).min(1).max(50).optional(),
    /** Owner names; null stands for keys without an owner. */
    owners: z.array(ownerSchema.nullable()).min(1).max(50).optional(),
    /** Keys carrying any of these tags. */
    tags: z.array(tagSchema).min(1).max(50).optional(),
    /**
     * Keys with at least one finding matching all given parts: a finding of analysis
     * (analysis_findings: weak keys, shared factors, …) or of the active policy as of today.
     * `present: false` inverts: keys with no such finding.
     */
    finding: z
      .object({
        rules: z.array(z.string().min(1).max(200)).min(1).max(50).optional(),
        severities: z.array(severitySchema).min(1).max(4).optional(),
        present: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** Age in whole days since creation, as of `asOf` (default now): min inclusive, max exclusive. */
    ageDays: z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict().optional(),
    /** When the key's rotation is due (end of its originator cryptoperiod, or its protect-stop date); active keys only. */
    due: dateRangeSchema.optional(),
    /** Keys whose due date comes from one of these cryptoperiod rules (drill-down of the age histogram). */
    dueRules: z.array(z.string().min(1).max(200)).min(1).max(50).optional(),
    /** Keys with a certificate (matched by SPKI fingerprint) whose notAfter falls in this range. */
    certificateNotAfter: dateRangeSchema.optional(),
    /**
     * Free text: a case-insensitive prefix of the name, of a tag, or of the fingerprint / KCV
     * (hex, with or without ':' separators). At most 128 characters.
     */
    search: z.string().trim().min(1).max(128).optional(),
    /** Keys of one origin: generated, discovered, imported, unwrapped, or seeded as demo data. */
    origins: z.array(z.enum(['generated', 'discovered', 'imported', 'unwrapped', 'demo'])).min(1).max(5).optional(),
  })
  .strict();
export type InventoryFilter = z.input<typeof inventoryFilterSchema>;
export type ParsedInventoryFilter = z.output<typeof inventoryFilterSchema>;

export const INVENTORY_SORT_FIELDS = ['name', 'state', 'algorithm', 'size', 'store', 'purpose', 'owner', 'createdAt', 'dueAt'] as const;
export type InventorySortField = (typeof INVENTORY_SORT_FIELDS)[number];
export const inventorySortSchema = z
  .object({ field: z.enum(INVENTORY_SORT_FIELDS).default('createdAt'), direction: z.enum(['asc', 'desc']).default('desc') })
  .strict();
export type InventorySort = z.input<typeof inventorySortSchema>;

/**
 * Paging. Keyset: pass the `nextCursor` of the previous page as `cursor` to continue (constant
 * cost at any depth). `offset` skips rows after the cursor (or from the start): use it to jump
 * when a virtualized table is scrolled far; its cost grows with the offset (≈ 5 ms per 100,000
 * rows skipped on an index), so prefer cursors for sequential reading. A cursor is only valid
 * with the filter and sort that produced it; otherwise the query fails with E_INPUT.
 */
export const inventoryQueryInputSchema = z
  .object({
    filter: inventoryFilterSchema.default({}),
    sort: inventorySortSchema.default({ field: 'createdAt', direction: 'desc' }),
    limit: z.number().int().min(1).max(200).default(100),
    cursor: z.string().max(1024).optional(),
    offset: z.number().int().min(0).max(2_000_000).default(0),
    /** Count the matches (exact). Ask once per filter; pages after the first can skip it. */
    withTotal: z.boolean().default(true),
    /** The "today" for ageDays and the rows' age; ISO date or instant, default now. */
    asOf: dayOrInstant.optional(),
  })
  .strict();
export type InventoryQueryInput = z.input<typeof inventoryQueryInputSchema>;

export const inventoryRowSchema = z.object({
  id: keyIdSchema,
  name: z.string(),
  algorithm: z.string(),
  family: z.string(),
  size: z.number().int(),
  curve: z.string().nullable(),
  state: keyStateSchema,
  store: z.enum(['vault', 'token', 'external']),
  tokenSerial: z.string().nullable(),
  purpose: z.string().nullable(),
  owner: z.string().nullable(),
  tags: z.array(z.string()),
  origin: z.string(),
  createdAt: z.string(),
  ageDays: z.number().int(),
  /** Rotation due (end of originator cryptoperiod or protect-stop); null when none applies or the key is not active. */
  dueAt: z.string().nullable(),
  dueRule: z.string().nullable(),
  fingerprint: z.string().nullable(),
  kcv: z.string().nullable(),
  /** Analysis findings on this key, and the worst severity among them. */
  findings: z.number().int(),
  worstSeverity: severitySchema.nullable(),
});
export type InventoryRow = z.infer<typeof inventoryRowSchema>;

export const inventoryPageSchema = z.object({
  rows: z.array(inventoryRowSchema),
  /** Exact number of matches; null when withTotal was false. */
  total: z.number().int().nonnegative().nullable(),
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: z.string().nullable(),
  /** Time the query took in the main process (ms), for the status bar and benchmarks. */
  tookMs: z.number(),
});
export type InventoryPage = z.infer<typeof inventoryPageSchema>;

const countOf = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, count: z.number().int().nonnegative(), filter: inventoryFilterSchema });

export const complianceScoreSchema = z.object({
  asOf: z.string(),
  /**
   * 0–100: the share of judged keys (live: not compromised, not destroyed) with no finding of
   * severity error or critical under the active policy as of that date. Warnings (including
   * cryptoperiod overruns) are counted beside it, not in it.
   */
  score: z.number(),
  judged: z.number().int(),
  compliant: z.number().int(),
  /** Keys (not findings) per worst severity. */
  keysBySeverity: z.record(severitySchema, z.number().int()),
  byRule: z.array(z.object({ ruleId: z.string(), packId: z.string(), title: z.string(), severity: severitySchema, count: z.number().int(), filter: inventoryFilterSchema })),
  /** Active keys whose rotation date (cryptoperiod end or protect-stop) is on or before asOf. */
  pastCryptoperiod: z.number().int(),
});
export type ComplianceScore = z.infer<typeof complianceScoreSchema>;

export const inventoryAggregatesSchema = z.object({
  asOf: z.string(),
  total: z.number().int(),
  byState: z.array(countOf({ state: keyStateSchema })),
  byAlgorithm: z.array(countOf({ algorithm: z.string(), family: z.string(), size: z.number().int() })),
  /** 'vault', 'external', and one entry per token serial (store 'token'). */
  byStore: z.array(countOf({ store: z.enum(['vault', 'token', 'external']), tokenSerial: z.string().nullable(), label: z.string() })),
  /** purpose null: keys without a purpose. */
  byPurpose: z.array(countOf({ purpose: z.string().nullable() })),
  /**
   * Active keys by how much of their cryptoperiod has elapsed, per cryptoperiod rule (≈ SP 800-57
   * key type). Buckets: 0–25 %, 25–50 %, 50–75 %, 75–100 %, 100–150 %, > 150 % (overdue).
   */
  ageHistogram: z.array(
    z.object({
      ruleId: z.string(),
      title: z.string(),
      period: z.string(),
      buckets: z.array(countOf({ label: z.string(), fromPct: z.number(), toPct: z.number().nullable() })),
    }),
  ),
  /** Rotations due: overdue as of asOf, then each of the next 12 calendar months (YYYY-MM). */
  rotationsDue: z.object({ overdue: countOf({}), months: z.array(countOf({ month: z.string() })) }),
  certificates: z.object({
    total: z.number().int(),
    expired: z.number().int(),
    /** Certificates expiring within 30 / 90 days of asOf. */
    within30Days: z.number().int(),
    within90Days: z.number().int(),
    /** notAfter per calendar month for the next 12 months. */
    months: z.array(countOf({ month: z.string() })),
  }),
  /** From analysis_findings (weak-key and certificate analysis). */
  findings: z.object({
    total: z.number().int(),
    bySeverity: z.record(severitySchema, z.number().int()),
    byRule: z.array(countOf({ rule: z.string(), source: z.string(), severity: severitySchema, title: z.string() })),
  }),
  compliance: z.object({ today: complianceScoreSchema, compare: complianceScoreSchema.nullable() }),
  tookMs: z.number(),
});
export type InventoryAggregates = z.infer<typeof inventoryAggregatesSchema>;

export const savedViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  filter: inventoryFilterSchema,
  sort: inventorySortSchema,
  createdBy: z.string(),
  createdAt: z.string(),
});
export type SavedView = z.infer<typeof savedViewSchema>;

const viewNameSchema = z
  .string()
  .trim()
  .min(1, 'A view needs a name.')
  .max(64, 'A view name is at most 64 characters.')
  .regex(/^[^\p{Cc}]+$/u, 'A view name cannot contain control characters.');

/** What a bulk action applies to: listed keys, or every key matching a filter (at most BULK_MAX). */
export const BULK_MAX = 50_000;
export const bulkTargetSchema = z.union([
  z.object({ ids: z.array(keyIdSchema).min(1).max(BULK_MAX) }).strict(),
  z.object({ filter: inventoryFilterSchema }).strict(),
]);

/**
 * What a CBOM export of a selection covers: the selected keys (`ids`) or every key matching a
 * filter (`filter`, e.g. the inventory's current one). Exactly one of the two; at most BULK_MAX
 * keys (the whole inventory is `analysis.exportCbom`).
 */
export const inventoryExportCbomInputSchema = z
  .object({ ids: z.array(keyIdSchema).min(1).max(BULK_MAX).optional(), filter: inventoryFilterSchema.optional() })
  .strict()
  .refine((t) => (t.ids === undefined) !== (t.filter === undefined), { message: 'Give either ids (the selected keys) or filter (every key matching it), not both and not neither.' });
export type InventoryExportCbomInput = z.input<typeof inventoryExportCbomInputSchema>;

export const bulkActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tag'), tags: z.array(tagSchema).min(1).max(20) }).strict(),
  z.object({ kind: z.literal('untag'), tags: z.array(tagSchema).min(1).max(20) }).strict(),
  /** owner null clears it. */
  z.object({ kind: z.literal('setOwner'), owner: ownerSchema.nullable() }).strict(),
  /**
   * Sets the current version's protect-stop (deactivation) date to `at`: the key must be rotated
   * by then and appears in rotations due; with `mode: 'auto'` it rotates by itself at that date.
   */
  z.object({ kind: z.literal('scheduleRotation'), at: z.iso.datetime(), mode: z.enum(['manual', 'auto']).optional() }).strict(),
]);
export type BulkAction = z.input<typeof bulkActionSchema>;

export const complianceReportInputSchema = z
  .object({
    /** The date the report judges as of (YYYY-MM-DD); default today. */
    asOf: z.iso.date().optional(),
    format: z.enum(['json', 'pdf']),
  })
  .strict();

export const inventoryChannels = {
  'inventory.query': { input: inventoryQueryInputSchema, output: inventoryPageSchema },
  'inventory.aggregates': {
    input: z
      .object({
        /** "Today" (YYYY-MM-DD); default the current date. */
        asOf: z.iso.date().optional(),
        /** A second date for the compliance score (e.g. 2031-01-01, 2036-01-01). */
        compareAsOf: z.iso.date().optional(),
      })
      .strict(),
    output: inventoryAggregatesSchema,
  },
  'inventory.views.list': { input: z.object({}).strict(), output: z.array(savedViewSchema) },
  /** Saves (or replaces, by name) a named filter and sort; shared by every user of the vault. */
  'inventory.views.save': {
    input: z.object({ name: viewNameSchema, filter: inventoryFilterSchema, sort: inventorySortSchema.default({ field: 'createdAt', direction: 'desc' }) }).strict(),
    output: savedViewSchema,
  },
  'inventory.views.delete': { input: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/) }).strict(), output: z.object({ deleted: z.boolean() }) },
  /**
   * One action on many keys: every changed key gets its own audit event, all in one transaction
   * (all or nothing). A filter matching more than BULK_MAX keys is refused (E_INPUT).
   */
  'inventory.bulk': {
    input: z.object({ target: bulkTargetSchema, action: bulkActionSchema }).strict(),
    output: z.object({ matched: z.number().int(), changed: z.number().int() }),
  },
  /**
   * Writes a CycloneDX 1.6 CBOM of the selected keys (with their algorithms and the certificates
   * of their public keys) to the export folder; one audit event (`inventory.exportCbom`).
   * `count` is the number of keys in it. Needs keys.read.
   */
  'inventory.exportCbom': {
    input: inventoryExportCbomInputSchema,
    output: z.object({ path: z.string(), count: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
  },
  /** Writes the compliance report (JSON or PDF) to the export folder. */
  'report.compliance': {
    input: complianceReportInputSchema,
    output: z.object({ path: z.string(), format: z.enum(['json', 'pdf']), bytes: z.number().int(), asOf: z.string() }),
  },
  /** Writes the auditor evidence pack (report JSON+PDF, audit bundle, CBOM if available, policy, manifest) to a new folder in the export folder. */
  'report.evidence': {
    input: z.object({ asOf: z.iso.date().optional() }).strict(),
    output: z.object({ dir: z.string(), files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() })) }),
  },
} as const;
