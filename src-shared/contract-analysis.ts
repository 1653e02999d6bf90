import { z } from 'zod';
import { keyIdSchema } from './keys.js';

/**
 * Channels for weak-key analysis, findings, TLS scanning, certificate trust and CBOM (issue 7).
 * Merged into `channels` by contract.ts. This file must not import contract.ts (it is imported
 * by it); shared schemas live in the small modules beside it (keys.ts, users.ts, …).
 *
 * Findings never carry key material: a factored modulus is reported as such, never its factor.
 */

export const ANALYSIS_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export const analysisSeveritySchema = z.enum(ANALYSIS_SEVERITIES);
export type AnalysisSeverity = z.infer<typeof analysisSeveritySchema>;
export const FINDING_SOURCES = ['weak-keys', 'blocklist', 'certificates'] as const;

const hexId = z.string().regex(/^[0-9a-f]{32}$/, 'Expected a 32-character hex id.');
const ruleSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'A rule is a short lower-case id such as rsa-roca.');
/** A client-chosen job id, so the console can follow its own job's 'job.progress' events. */
const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** A local file the officer names (the core runs on their machine): absolute, no control characters. */
const localPathSchema = z.string().min(2).max(4096).regex(/^(\/|[A-Za-z]:[\\/])[^\p{Cc}]*$/u, 'Give the absolute path of a file.');

export const analysisFindingSchema = z.object({
  id: z.number().int(),
  keyId: z.string().nullable(),
  keyName: z.string().nullable(),
  certificateId: z.string().nullable(),
  certificateSubject: z.string().nullable(),
  source: z.enum(FINDING_SOURCES),
  rule: z.string(),
  severity: analysisSeveritySchema,
  title: z.string(),
  detail: z.string().nullable(),
  foundAt: z.string(),
});
export type AnalysisFindingRow = z.infer<typeof analysisFindingSchema>;

const bySeveritySchema = z.object({ critical: z.number().int(), error: z.number().int(), warning: z.number().int(), info: z.number().int() });

export const analysisRunResultSchema = z.object({
  keysAnalyzed: z.number().int(),
  certificatesAnalyzed: z.number().int(),
  findings: z.number().int(),
  bySeverity: bySeveritySchema,
  sources: z.array(z.enum(FINDING_SOURCES)),
  foundAt: z.string(),
});
export type AnalysisRunResult = z.infer<typeof analysisRunResultSchema>;

export const findingsSummarySchema = z.object({
  total: z.number().int(),
  keys: z.number().int(),
  bySeverity: bySeveritySchema,
  byRule: z.array(z.object({ rule: z.string(), title: z.string(), severity: analysisSeveritySchema, count: z.number().int() })),
  lastFoundAt: z.string().nullable(),
  /** The blocklist loaded in this session, if any (it is matched on every run until the core stops). */
  blocklist: z.object({ records: z.number().int(), path: z.string() }).nullable(),
});
export type FindingsSummaryView = z.infer<typeof findingsSummarySchema>;

export const tlsScanOutcomeSchema = z.object({
  target: z.string(),
  outcome: z.enum(['recorded', 'failed']),
  message: z.string().nullable(),
  protocol: z.string().nullable(),
  certificates: z.array(z.object({ certificateId: z.string(), subject: z.string(), profile: z.string(), position: z.number().int(), created: z.boolean(), trust: z.enum(['public', 'private']) })),
  leafKeyId: z.string().nullable(),
  leafKeyCreated: z.boolean(),
});

export const cbomImportOutcomeSchema = z.object({
  ref: z.string(),
  name: z.string(),
  outcome: z.enum(['imported', 'duplicate', 'skipped', 'unsupported', 'malformed']),
  reason: z.string().nullable(),
  keyId: z.string().nullable(),
  certificateId: z.string().nullable(),
});

export const analysisChannels = {
  /** Runs every check over the whole inventory and stores the findings (replacing the last run's). */
  'analysis.run': {
    input: z.object({ jobId: jobIdSchema.optional(), expiryHorizonDays: z.number().int().min(1).max(3650).default(30) }).strict(),
    output: analysisRunResultSchema,
  },
  /**
   * Cancels the running analysis, and any running blocklist load or CBOM export/import, if any: a
   * cancelled analysis, load or export stores nothing and fails with E_CONFLICT; a cancelled CBOM
   * import keeps the slices already imported (each committed with its audit events).
   */
  'analysis.cancel': { input: z.object({}).strict(), output: z.object({ cancelled: z.boolean() }) },
  'analysis.findings': {
    input: z
      .object({
        keyId: keyIdSchema.optional(),
        certificateId: hexId.optional(),
        severity: analysisSeveritySchema.optional(),
        rule: ruleSchema.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    output: z.object({ items: z.array(analysisFindingSchema), total: z.number().int() }),
  },
  /** Findings by severity and by rule (the dashboard's figures). */
  'analysis.summary': { input: z.object({}).strict(), output: findingsSummarySchema },
  /** Scans exactly the given HOST:PORT targets and records what they present. */
  'analysis.scanTls': {
    input: z.object({ targets: z.array(z.string().min(3).max(300)).min(1).max(256), timeoutMs: z.number().int().min(100).max(60_000).default(5000) }).strict(),
    output: z.array(tlsScanOutcomeSchema),
  },
  /** Writes the inventory as a CycloneDX 1.6 CBOM into the exports folder. */
  'analysis.exportCbom': { input: z.object({ jobId: jobIdSchema.optional() }).strict(), output: z.object({ path: z.string(), components: z.number().int(), bytes: z.number().int() }) },
  /** Imports the public keys and certificates of a CBOM (the file's text, read by the console). */
  'analysis.importCbom': {
    input: z.object({ name: z.string().trim().min(1).max(255), content: z.string().min(2).max(64 * 1024 * 1024), jobId: jobIdSchema.optional() }).strict(),
    output: z.object({ specVersion: z.string(), components: z.array(cbomImportOutcomeSchema) }),
  },
  /** Loads a badkeys-format blocklist from a local file and matches every key against it now. */
  'analysis.loadBlocklist': {
    input: z.object({ path: localPathSchema, metadataPath: localPathSchema.optional(), jobId: jobIdSchema.optional() }).strict(),
    output: z.object({ records: z.number().int(), matches: z.number().int() }),
  },
} as const;
