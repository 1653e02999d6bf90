import { z } from 'zod';
import { keyIdSchema } from './keys.js';

/**
 * Channels for importing keys and certificates from files and folders, and for reading certificates (issue 7). Merged into `channels` by contract.ts.
 * This file must not import contract.ts (it is imported by it); shared schemas live in the
 * small modules beside it (keys.ts, users.ts, …).
 *
 * Passphrases travel in (to open encrypted files); nothing private travels out: outcomes carry
 * ids, fingerprints, subjects and reasons only.
 */

export const IMPORT_OUTCOMES = ['imported', 'duplicate', 'unsupported', 'malformed', 'password-needed', 'wrong-password'] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];
export const CERTIFICATE_PROFILE_IDS = ['tls-server', 'tls-client', 'code-signing', 'email', 'ca', 'ocsp-signing', 'device', 'other'] as const;

const hexId = z.string().regex(/^[0-9a-f]{32}$/, 'Expected a 32-character hex id.');
/** A client-chosen job id, so the console can follow its own job's 'job.progress' events. */
const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** A file or folder on the machine the core runs on: absolute, no control characters. */
export const importPathSchema = z.string().min(1).max(4096).regex(/^(\/|[A-Za-z]:[\\/])[^\p{Cc}]*$/u, 'Give the absolute path of a file or folder.');
const passphraseSchema = z.string().min(1, 'An empty passphrase opens nothing; leave it out instead.').max(1024);
/** A file name as uploaded: no folders, no control characters. */
const uploadNameSchema = z.string().trim().min(1).max(255).regex(/^[^\p{Cc}/\\]+$/u, 'A file name without folders or control characters.');

/** Largest upload call: the browser bridge reads messages up to 1 MiB, so the console sends files in batches below this. */
export const MAX_UPLOAD_BASE64_CHARS = 900_000;

export const importedItemSchema = z.object({
  type: z.enum(['certificate', 'public-key', 'private-key']),
  result: z.enum(['new', 'existing', 'unsupported', 'refused']),
  keyId: z.string().nullable(),
  certificateId: z.string().nullable(),
  fingerprint: z.string().nullable(),
  label: z.string().nullable(),
  note: z.string().nullable(),
});

export const fileOutcomeSchema = z.object({
  path: z.string(),
  outcome: z.enum(IMPORT_OUTCOMES),
  reason: z.string().nullable(),
  format: z.string().nullable(),
  items: z.array(importedItemSchema),
});
export type FileOutcomeView = z.infer<typeof fileOutcomeSchema>;

export const importResultSchema = z.object({
  files: z.array(fileOutcomeSchema),
  counts: z.record(z.enum(IMPORT_OUTCOMES), z.number().int()),
  /** Outcomes beyond the first 20,000 are counted but not listed. */
  truncated: z.number().int(),
});
export type ImportResultView = z.infer<typeof importResultSchema>;

const importOptions = {
  /** Import private keys into the vault (sealed), where the active policy allows; otherwise only public parts are recorded. */
  importPrivate: z.boolean().default(false),
  jobId: jobIdSchema.optional(),
};

export const certificateSummarySchema = z.object({
  id: z.string(),
  fingerprint: z.string(),
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  signatureAlgorithm: z.string(),
  spkiFingerprint: z.string(),
  profile: z.enum(CERTIFICATE_PROFILE_IDS),
  trust: z.enum(['public', 'private']).nullable(),
  isCa: z.boolean(),
  keyId: z.string().nullable(),
  sightings: z.number().int(),
});
export type CertificateSummary = z.infer<typeof certificateSummarySchema>;

export const certificateDetailSchema = certificateSummarySchema.extend({
  keyName: z.string().nullable(),
  pem: z.string(),
  selfIssued: z.boolean(),
  subjectAltNames: z.array(z.object({ type: z.string(), value: z.string() })),
  /** KeyUsage names (RFC 5280 §4.2.1.3); null when the extension is absent. */
  keyUsage: z.array(z.string()).nullable(),
  /** ExtendedKeyUsage by name where known, dotted OIDs otherwise; null when absent. */
  extendedKeyUsage: z.array(z.string()).nullable(),
  pathLength: z.number().int().nullable(),
  sightings: z.array(z.object({ kind: z.enum(['file', 'tls', 'cbom', 'token', 'issued']), location: z.string(), chainPosition: z.number().int().nullable(), seenAt: z.string() })),
});
export type CertificateDetail = z.infer<typeof certificateDetailSchema>;

export const discoveryChannels = {
  /** Imports files and folders on the machine the core runs on (recursive, symlink-safe, size-limited). */
  'import.paths': {
    input: z
      .object({
        paths: z.array(importPathSchema).min(1).max(256),
        /** Passphrases for particular files, by the path their outcome showed. */
        passphrases: z.record(importPathSchema, passphraseSchema).optional(),
        ...importOptions,
      })
      .strict(),
    output: importResultSchema,
  },
  /** Imports file contents sent by the console (browser mode: the files are on the officer's computer, not the core's). */
  'import.upload': {
    input: z
      .object({
        files: z
          .array(z.object({ name: uploadNameSchema, content: z.string().max(MAX_UPLOAD_BASE64_CHARS).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Expected base64 file contents.'), passphrase: passphraseSchema.optional() }).strict())
          .min(1)
          .max(256)
          .refine((fs) => fs.reduce((n, f) => n + f.content.length, 0) <= MAX_UPLOAD_BASE64_CHARS, `At most ${MAX_UPLOAD_BASE64_CHARS} base64 characters per call; send files in batches.`),
        ...importOptions,
      })
      .strict(),
    output: importResultSchema,
  },
  /**
   * The desktop app's own file or folder dialog (Electron's dialog.showOpenDialog), for choosing
   * what `import.paths` imports: the chosen absolute paths, none when cancelled. Hosts without a
   * dialog (browser mode, CLI) answer E_UNSUPPORTED: there the path is typed, or files uploaded.
   */
  'import.pickPaths': {
    input: z.object({ kind: z.enum(['files', 'folder']).default('folder'), title: z.string().trim().min(1).max(200).optional() }).strict(),
    output: z.object({ paths: z.array(importPathSchema).max(256), cancelled: z.boolean() }),
  },
  /** Certificates whose public key is one of this key's versions (linked by SPKI fingerprint). */
  'certificates.forKey': {
    input: z.object({ keyId: keyIdSchema }).strict(),
    output: z.object({ items: z.array(certificateSummarySchema) }),
  },
  /** One certificate decoded, with its PEM and where it was seen. */
  'certificates.get': {
    input: z.object({ id: hexId }).strict(),
    output: certificateDetailSchema,
  },
} as const;
