import { z } from 'zod';
import { requestOutcomeSchema } from './approvals.js';
import { keyIdSchema } from './keys.js';
import { userNameSchema } from './users.js';

/**
 * Channels for ceremonies, backups and their wizards (issue 6). Merged into `channels` by contract.ts.
 * This file must not import contract.ts (it is imported by it); shared schemas live in the
 * small modules beside it (keys.ts, users.ts, …).
 *
 * Secrets that travel: passphrases in (every attestation is a person authenticating in the core),
 * shares in (a custodian typing their share to verify it or to recover), and one custodian's own
 * share out — only from `backups.revealShare`, to that custodian after they authenticated, once.
 * No output carries key material or a KEK.
 */

const ceremonyRoleSchema = z.enum(['ceremony-administrator', 'internal-witness', 'key-custodian', 'auditor']);
export type CeremonyRoleName = z.infer<typeof ceremonyRoleSchema>;
const ceremonyIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'A ceremony id is 32 lowercase hex characters.');
const packageIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'A backup package id is 32 lowercase hex characters.');
const secretText = z.string().min(1).max(1024);
/** A person at the keyboard, proving who they are with their own vault passphrase. */
const personSchema = z.object({ user: userNameSchema, passphrase: secretText }).strict();
const stepIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);
/** A backup package as JSON text (no secret in it); packages are a few KiB. */
const packageTextSchema = z.string().min(2).max(262_144);
const detailsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** What a custodian holds, as typed or loaded: a SLIP-0039 mnemonic, an XOR component, or a share file and its passphrase. */
export const heldShareInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mnemonic'), mnemonic: z.string().trim().min(20).max(2000) }).strict(),
  z.object({ kind: z.literal('component'), hex: z.string().trim().regex(/^[0-9a-fA-F\s]{32,200}$/, 'A component is hex digits.') }).strict(),
  z.object({ kind: z.literal('file'), file: z.string().min(2).max(65_536), passphrase: secretText }).strict(),
]);
export type HeldShareInput = z.infer<typeof heldShareInputSchema>;

export const ceremonyStepInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['checklist', 'authenticate', 'generate-key', 'show-fingerprint', 'certificate', 'split-backup', 'verify-shares', 'recover-backup', 'destroy-temporary', 'note']),
  description: z.string().nullable(),
  /** The checklist text, what to destroy, or the note's prompt. */
  text: z.string().nullable(),
  performedBy: ceremonyRoleSchema,
  attestedBy: z.array(ceremonyRoleSchema),
  custodians: z.enum(['quorum', 'all']),
  /** Kind-specific parameters (algorithm, store, scheme, threshold, subject, days…). */
  params: detailsSchema,
});
export type CeremonyStepInfo = z.infer<typeof ceremonyStepInfoSchema>;

export const ceremonyTemplateInfoSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  roles: z.object({
    administrators: z.number().int(),
    witnesses: z.number().int(),
    auditors: z.number().int(),
    custodianThreshold: z.number().int(),
    custodianCount: z.number().int(),
  }),
  /** The template generates a key on a token (a token must be chosen at the start). */
  needsToken: z.boolean(),
  /** The template verifies shares of a backup it does not make (the package is given at the start). */
  needsPackage: z.boolean(),
  steps: z.array(ceremonyStepInfoSchema),
});
export type CeremonyTemplateInfo = z.infer<typeof ceremonyTemplateInfoSchema>;

export const ceremonyViewSchema = z.object({
  ceremonyId: z.string(),
  template: ceremonyTemplateInfoSchema,
  status: z.enum(['running', 'completed', 'aborted']),
  abortReason: z.string().nullable(),
  participants: z.array(z.object({ id: z.string(), name: z.string(), role: ceremonyRoleSchema })),
  /** Index of the step to run next (steps.length when over). */
  nextStep: z.number().int(),
  /** For the next step: who attested so far, and how many of each role it needs. */
  pending: z
    .object({
      stepId: z.string(),
      actor: z.string().nullable(),
      attested: z.array(z.string()),
      needs: z.record(z.string(), z.number().int()),
    })
    .nullable(),
  tokenSerial: z.string().nullable(),
  keyId: z.string().nullable(),
  fingerprint: z.string().nullable(),
  pgpWords: z.array(z.string()).nullable(),
  certificate: z.object({ pem: z.string(), path: z.string(), subject: z.string(), sha256: z.string() }).nullable(),
  backup: z
    .object({
      packageId: z.string(),
      path: z.string().nullable(),
      scheme: z.enum(['slip39', 'xor', 'files']),
      threshold: z.number().int(),
      count: z.number().int(),
      custodians: z.array(z.string()),
      /** Custodians whose share has not been handed to them yet. */
      waiting: z.array(z.string()),
    })
    .nullable(),
  transcript: z.array(
    z.object({ seq: z.number().int(), time: z.string(), actor: z.string().nullable(), operation: z.string(), details: detailsSchema, hash: z.string() }),
  ),
});
export type CeremonyView = z.infer<typeof ceremonyViewSchema>;

const backupSummarySchema = z.object({
  packageId: z.string(),
  /** Where the package (no secret in it) was written. */
  path: z.string(),
  packageText: z.string(),
  keyId: z.string(),
  keyName: z.string(),
  scheme: z.enum(['slip39', 'xor', 'files']),
  threshold: z.number().int(),
  count: z.number().int(),
  custodians: z.array(z.string()),
  /** XOR: the combined KEK's check value. */
  kekKcv: z.string().nullable(),
  /** files: where each custodian's share file (sealed under their passphrase) was written. */
  shareFiles: z.array(z.object({ custodian: z.string(), path: z.string() })),
  /** slip39 / xor: custodians whose share is waiting to be handed to them. */
  waiting: z.array(z.string()),
});
export type BackupSummary = z.infer<typeof backupSummarySchema>;

export const ceremoniesChannels = {
  'ceremonies.templates': { input: z.object({}).strict(), output: z.array(ceremonyTemplateInfoSchema) },
  /** Starts a ceremony: participants are vault users; the ceremony administrator authenticates. */
  'ceremonies.start': {
    input: z
      .object({
        templateId: stepIdSchema,
        participants: z.array(z.object({ user: userNameSchema, role: ceremonyRoleSchema, name: z.string().trim().min(1).max(200).optional() }).strict()).min(1).max(32),
        administrator: personSchema,
        tokenSerial: z.string().trim().min(1).max(64).optional(),
        backupPackage: packageTextSchema.optional(),
        /** For templates that name an existing key (backup, destruction): its id. */
        keyId: keyIdSchema.optional(),
      })
      .strict(),
    output: ceremonyViewSchema,
  },
  /** The ceremony of this session (running or just finished), or null. */
  'ceremonies.current': { input: z.object({}).strict(), output: ceremonyViewSchema.nullable() },
  /**
   * A participant attests the next step, authenticating with their own passphrase. For a
   * verify-shares step a custodian also types their share, which is checked against the backup; for
   * a recover-backup step the custodian enters it to open the backup (held sealed in the core until
   * the step runs), and the witnesses who attest approve the dual-controlled recovery in the step.
   */
  'ceremonies.attest': {
    input: z.object({ ceremonyId: ceremonyIdSchema, stepId: stepIdSchema, person: personSchema, share: heldShareInputSchema.optional() }).strict(),
    output: ceremonyViewSchema,
  },
  /** The person at the keyboard performs the next step once its attestations are complete. */
  'ceremonies.perform': {
    input: z
      .object({
        ceremonyId: ceremonyIdSchema,
        stepId: stepIdSchema,
        actor: personSchema,
        /** note steps: the text. */
        text: z.string().trim().min(1).max(4000).optional(),
        exception: z.boolean().optional(),
        /** show-fingerprint in a ceremony without its own key (a recovery): the key to identify. */
        keyId: keyIdSchema.optional(),
      })
      .strict(),
    output: ceremonyViewSchema,
  },
  'ceremonies.note': {
    input: z.object({ ceremonyId: ceremonyIdSchema, person: personSchema, text: z.string().trim().min(1).max(4000), exception: z.boolean().optional() }).strict(),
    output: ceremonyViewSchema,
  },
  'ceremonies.abort': {
    input: z.object({ ceremonyId: ceremonyIdSchema, person: personSchema, reason: z.string().trim().min(1).max(4000) }).strict(),
    output: ceremonyViewSchema,
  },
  /** Writes the transcript (an audit bundle, `custos audit verify`) and its PDF to the exports folder. */
  'ceremonies.export': {
    input: z.object({ ceremonyId: ceremonyIdSchema, pdf: z.boolean().optional() }).strict(),
    output: z.object({ path: z.string(), pdfPath: z.string().nullable(), events: z.number().int(), headHash: z.string(), publicKeyFingerprint: z.string() }),
  },
  /** Backs a key up; slip39/xor shares wait in the core (sealed) to be revealed to each custodian. */
  'backups.create': {
    input: z
      .object({
        keyId: keyIdSchema,
        scheme: z.enum(['slip39', 'xor', 'files']),
        threshold: z.number().int().min(1).max(16),
        custodians: z.array(userNameSchema).min(2).max(16),
        /** files: each custodian's share passphrase, in the order of `custodians`. */
        sharePassphrases: z.array(z.string().min(10).max(1024)).max(16).optional(),
      })
      .strict(),
    output: backupSummarySchema,
  },
  /**
   * Hands one custodian their share, once: the custodian authenticates; the share is forgotten by
   * the core as it is returned. With `card`, a printable custodian card (PDF, base64) made in memory.
   */
  'backups.revealShare': {
    input: z.object({ packageId: packageIdSchema, person: personSchema, card: z.boolean().optional() }).strict(),
    output: z.object({
      custodian: z.string(),
      index: z.number().int(),
      kind: z.enum(['mnemonic', 'component']),
      share: z.string(),
      /** XOR components: the component's check value. */
      kcv: z.string().nullable(),
      cardPdf: z.string().nullable(),
      waiting: z.array(z.string()),
    }),
  },
  'backups.verifyShare': {
    input: z.object({ packageText: packageTextSchema, share: heldShareInputSchema }).strict(),
    output: z.object({ packageId: z.string(), index: z.number().int(), custodian: z.string().nullable(), keyName: z.string() }),
  },
  /** Opens a backup with a quorum of custodians (each authenticates) and files the dual-controlled restore. */
  'backups.recover': {
    input: z
      .object({
        packageText: packageTextSchema,
        custodians: z.array(z.object({ person: personSchema, share: heldShareInputSchema }).strict()).min(1).max(16),
        tokenSerial: z.string().trim().min(1).max(64).optional(),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    output: requestOutcomeSchema.extend({ fingerprint: z.string().nullable() }),
  },
} as const;
