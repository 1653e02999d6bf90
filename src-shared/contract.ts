import { z } from 'zod';
import { errorSchema, type Result } from './errors.js';
import { algorithmIdSchema, keyDetailSchema, keyIdSchema, keyNameSchema, keyStateSchema, keySummarySchema, KEY_SORT_FIELDS } from './keys.js';
import { passphraseSchema, sessionUserSchema, userNameSchema } from './users.js';
import { auditEventSchema, auditOutcomeSchema, auditVerifyResultSchema } from './audit.js';
import { approvalRequestSchema, dualControlPolicySchema, requestOutcomeSchema, REQUEST_STATUSES } from './approvals.js';
import { unlockMethodInfoSchema, userInfoSchema } from './people.js';
import { roleSchema } from './users.js';
import { LIFECYCLE_ACTIONS, revocationReasonSchema, usageMaskSchema } from './lifecycle.js';
import { cardLoginInputSchema, setCardInputSchema, userCardSchema } from './cards.js';
import { analysisChannels } from './contract-analysis.js';
import { ceremoniesChannels } from './contract-ceremonies.js';
import { discoveryChannels } from './contract-discovery.js';
import { inventoryChannels } from './contract-inventory.js';

/**
 * The one contract between the renderer and the core. Every host (Electron IPC, the browser
 * host's WebSocket bridge) registers exactly these channels and nothing else; inputs are parsed
 * with `input` before a handler runs and results with `output` before they leave.
 *
 * Secrets may travel in (passphrases); private key material never travels out: no output schema
 * here has a field that could hold it.
 */
const empty = z.object({}).strict();

export const vaultStatusSchema = z.object({
  exists: z.boolean(),
  unlocked: z.boolean(),
  user: sessionUserSchema.nullable(),
  vaultId: z.string().nullable(),
  /** How the vault can be unlocked (read from the header; no secrets). */
  unlockMethods: z.object({
    passphrase: z.boolean(),
    quorumThreshold: z.number().int().nullable(),
    tokens: z.array(z.object({ serial: z.string(), label: z.string() })),
  }),
});
export type VaultStatus = z.infer<typeof vaultStatusSchema>;

export const appInfoSchema = z.object({
  name: z.literal('Custos'),
  version: z.string(),
  /** 'browser' when the console runs through the browser host instead of Electron. */
  host: z.enum(['electron', 'browser']),
  vaultPath: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** Up to 16 MiB of data to sign or verify, base64. */
const base64Schema = z.string().max(22_369_622).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Expected base64 data.');

export const SIGN_MECHANISMS = ['rsa-pkcs1-sha256', 'rsa-pss-sha256', 'ecdsa-sha256', 'ecdsa-sha384', 'ecdsa-sha512', 'eddsa', 'hmac-sha256'] as const;
export type SignMechanismId = (typeof SIGN_MECHANISMS)[number];
/** rsa-oaep-sha1 exists because SoftHSM2 (and many HSMs) only do OAEP with SHA-1. */
export const CIPHER_MECHANISMS = ['aes-gcm', 'rsa-oaep-sha256', 'rsa-oaep-sha1'] as const;

const tokenSerialSchema = z.string().trim().min(1).max(64);

const pinStateSchema = z.object({ countLow: z.boolean(), finalTry: z.boolean(), locked: z.boolean(), toBeChanged: z.boolean() });
export const tokenSchema = z.object({
  module: z.string(),
  slotId: z.number().int(),
  label: z.string(),
  serial: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  initialized: z.boolean(),
  loginRequired: z.boolean(),
  protectedAuthenticationPath: z.boolean(),
  userPin: pinStateSchema,
  loggedIn: z.boolean(),
});
export type TokenSummary = z.infer<typeof tokenSchema>;
export const tokenModuleSchema = z.object({
  path: z.string(),
  description: z.string().nullable(),
  manufacturer: z.string().nullable(),
  libraryVersion: z.string().nullable(),
  cryptokiVersion: z.string().nullable(),
  error: errorSchema.nullable(),
});
export const mechanismSchema = z.object({
  name: z.string(),
  type: z.number().int(),
  minKeySize: z.number().int(),
  maxKeySize: z.number().int(),
  functions: z.array(z.string()),
});

export const keyVersionSchema = z.object({
  version: z.number().int(),
  state: keyStateSchema,
  fingerprint: z.string().nullable(),
  kcv: z.string().nullable(),
  generatedAt: z.string(),
  activationAt: z.string().nullable(),
  deactivatedAt: z.string().nullable(),
  compromisedAt: z.string().nullable(),
  destroyedAt: z.string().nullable(),
  protectStopAt: z.string().nullable(),
  processStopAt: z.string().nullable(),
});

const purposeSchema = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'A purpose is a short lower-case name such as tls-server or data-encryption.');

export const findingSchema = z.object({
  ruleId: z.string(),
  packId: z.string(),
  keyId: z.string(),
  keyName: z.string(),
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'error', 'critical']),
  title: z.string(),
  explanation: z.string(),
  remediation: z.string(),
  appliesFrom: z.string(),
  enforcement: z.enum(['block', 'warn']),
  status: z.string().nullable(),
  detail: z.string().nullable(),
  citation: z.string().nullable(),
});
export type Finding = z.infer<typeof findingSchema>;

export const settingsSchema = z.object({
  /** Lock the vault after this many idle minutes; 0 never locks by itself. */
  idleLockMinutes: z.number().int().min(0).max(24 * 60),
  /** Days between an approved destruction and the erasure, during which it can be cancelled. */
  destructionWaitDays: z.number().int().min(1).max(90),
});
export type Settings = z.infer<typeof settingsSchema>;

export const auditFilterSchema = z
  .object({
    keyId: keyIdSchema.optional(),
    actor: z.string().max(64).optional(),
    operation: z.string().max(64).optional(),
    outcome: auditOutcomeSchema.optional(),
    /** ISO 8601 instants, inclusive. */
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    limit: z.number().int().min(1).max(1000).default(200),
    beforeSeq: z.number().int().positive().optional(),
  })
  .strict();
export type AuditFilter = z.input<typeof auditFilterSchema>;

export const keyListInputSchema = z
  .object({
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(500).default(100),
    sort: z.enum(KEY_SORT_FIELDS).default('createdAt'),
    direction: z.enum(['asc', 'desc']).default('desc'),
    /** Case-insensitive prefix of the name, or of the fingerprint / KCV. */
    search: z.string().max(128).optional(),
  })
  .strict();
export type KeyListInput = z.input<typeof keyListInputSchema>;

export const channels = {
  ...analysisChannels,
  ...ceremoniesChannels,
  ...discoveryChannels,
  ...inventoryChannels,
  'app.info': { input: empty, output: appInfoSchema },
  'vault.status': { input: empty, output: vaultStatusSchema },
  'vault.create': {
    input: z.object({ adminName: userNameSchema, passphrase: passphraseSchema }).strict(),
    output: vaultStatusSchema,
  },
  'vault.unlock': {
    input: z.object({ user: userNameSchema, passphrase: z.string().min(1).max(1024) }).strict(),
    output: vaultStatusSchema,
  },
  'vault.unlockQuorum': {
    input: z
      .object({ custodians: z.array(z.object({ user: userNameSchema, passphrase: z.string().min(1).max(1024) }).strict()).min(1).max(16) })
      .strict(),
    output: vaultStatusSchema,
  },
  'vault.unlockToken': {
    input: z.object({ serial: z.string().trim().min(1).max(64), pin: z.string().min(1).max(256).nullable() }).strict(),
    output: vaultStatusSchema,
  },
  'vault.lock': { input: empty, output: vaultStatusSchema },
  'session.login': { input: z.object({ user: userNameSchema, passphrase: z.string().min(1).max(1024) }).strict(), output: vaultStatusSchema },
  'session.logout': { input: empty, output: vaultStatusSchema },
  /** Sign-in with a smart card (issue 4): the card signs a fresh challenge; see src-shared/cards.ts. */
  'session.loginCard': { input: cardLoginInputSchema, output: vaultStatusSchema },
  'settings.get': { input: empty, output: settingsSchema },
  'settings.set': { input: settingsSchema.partial().strict(), output: settingsSchema },
  'users.list': { input: empty, output: z.array(userInfoSchema) },
  'users.add': {
    input: z.object({ name: userNameSchema, role: roleSchema, passphrase: passphraseSchema, personalUnlock: z.boolean().default(true) }).strict(),
    output: requestOutcomeSchema,
  },
  'users.disable': { input: z.object({ name: userNameSchema }).strict(), output: requestOutcomeSchema },
  'users.setRole': { input: z.object({ name: userNameSchema, role: roleSchema }).strict(), output: requestOutcomeSchema },
  'users.changePassphrase': { input: z.object({ name: userNameSchema, newPassphrase: passphraseSchema }).strict(), output: requestOutcomeSchema },
  'users.cards': { input: empty, output: z.array(userCardSchema) },
  'users.setCard': { input: setCardInputSchema, output: requestOutcomeSchema },
  'users.removeCard': { input: z.object({ name: userNameSchema }).strict(), output: requestOutcomeSchema },
  'methods.list': { input: empty, output: z.array(unlockMethodInfoSchema) },
  'methods.addPassphrase': { input: z.object({ user: userNameSchema, passphrase: passphraseSchema }).strict(), output: requestOutcomeSchema },
  'methods.setQuorum': {
    input: z
      .object({
        threshold: z.number().int().min(2).max(16),
        custodians: z.array(z.object({ user: userNameSchema, passphrase: passphraseSchema }).strict()).min(2).max(16),
      })
      .strict(),
    output: requestOutcomeSchema,
  },
  'methods.addToken': {
    input: z.object({ holder: userNameSchema, serial: z.string().trim().min(1).max(64), pin: z.string().min(1).max(256).nullable() }).strict(),
    output: requestOutcomeSchema,
  },
  'methods.remove': { input: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/) }).strict(), output: requestOutcomeSchema },
  'approvals.list': { input: z.object({ status: z.enum(REQUEST_STATUSES).optional() }).strict(), output: z.array(approvalRequestSchema) },
  'approvals.approve': {
    input: z
      .object({
        id: z.string().regex(/^[0-9a-f]{32}$/),
        /** The approving person at the keyboard; omitted, the logged-in user approves. */
        approver: z.object({ user: userNameSchema, passphrase: z.string().min(1).max(1024) }).strict().optional(),
      })
      .strict(),
    output: approvalRequestSchema,
  },
  'approvals.reject': { input: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/), reason: z.string().trim().min(1).max(500) }).strict(), output: approvalRequestSchema },
  'policy.view': {
    input: empty,
    output: z.object({
      id: z.string(),
      title: z.string(),
      packs: z.array(z.object({ id: z.string(), version: z.string(), title: z.string(), ruleCount: z.number().int() })),
      rules: z.array(z.object({ id: z.string(), packId: z.string(), kind: z.string(), title: z.string(), severity: z.string(), enforcement: z.string(), effectiveFrom: z.string() })),
      disabledRules: z.array(z.string()),
    }),
  },
  'policy.evaluate': {
    input: z
      .object({ asOf: z.iso.date().optional(), keyId: keyIdSchema.optional(), limit: z.number().int().min(1).max(5000).default(500) })
      .strict(),
    output: z.object({
      asOf: z.string(),
      total: z.number().int(),
      bySeverity: z.record(z.string(), z.number().int()),
      byRule: z.array(z.object({ ruleId: z.string(), packId: z.string(), title: z.string(), severity: z.string(), count: z.number().int() })),
      findings: z.array(findingSchema),
    }),
  },
  'policy.setComposition': {
    input: z.object({ packs: z.array(z.string().min(1).max(100)).min(1).max(50), disabledRules: z.array(z.string().max(200)).max(1000).default([]) }).strict(),
    output: requestOutcomeSchema,
  },
  'tasks.list': {
    input: z.object({ horizonDays: z.number().int().min(1).max(3650).default(365) }).strict(),
    output: z.object({
      rotations: z.array(z.object({ keyId: z.string(), keyName: z.string(), dueAt: z.string(), overdue: z.boolean(), daysLeft: z.number(), reason: z.string() })),
      destructions: z.array(z.object({ keyId: z.string(), keyName: z.string(), destroyAt: z.string() })),
      activations: z.array(z.object({ keyId: z.string(), keyName: z.string(), activationAt: z.string() })),
      /** Versions whose deactivation or process-stop date falls within the horizon. */
      expiring: z.array(z.object({ keyId: z.string(), keyName: z.string(), version: z.number().int(), what: z.enum(['deactivation', 'process-stop']), at: z.string() })),
    }),
  },
  'policy.dualControl.get': { input: empty, output: dualControlPolicySchema },
  'policy.dualControl.set': { input: z.object({ policy: dualControlPolicySchema }).strict(), output: requestOutcomeSchema },
  'keys.list': {
    input: keyListInputSchema,
    output: z.object({ items: z.array(keySummarySchema), total: z.number().int().nonnegative() }),
  },
  'keys.get': { input: z.object({ id: keyIdSchema }).strict(), output: keyDetailSchema },
  'keys.generate': {
    input: z
      .object({
        name: keyNameSchema,
        algorithm: algorithmIdSchema,
        /** KMIP usage mask; the family's usual mask when omitted. */
        usage: usageMaskSchema.optional(),
        /** Where to generate: in the vault (software) or on a PKCS#11 token (serial). */
        tokenSerial: z.string().trim().min(1).max(64).optional(),
        /** Token keys only: may leave the token wrapped, for backup (CKA_EXTRACTABLE). */
        wrappable: z.boolean().optional(),
        /** What the key is for (tls-server, code-signing, ca-root, data-encryption, …); policy judges by it. */
        purpose: purposeSchema.optional(),
      })
      .strict(),
    output: keySummarySchema,
  },
  'keys.transition': {
    input: z.object({ id: keyIdSchema, action: z.enum(LIFECYCLE_ACTIONS), reason: revocationReasonSchema.optional() }).strict(),
    output: keySummarySchema,
  },
  'keys.rotate': {
    input: z.object({ id: keyIdSchema, processDays: z.number().int().min(0).max(3650).optional() }).strict(),
    output: keySummarySchema,
  },
  'keys.versions': {
    input: z.object({ id: keyIdSchema }).strict(),
    output: z.array(keyVersionSchema),
  },
  'keys.schedule': {
    input: z
      .object({
        id: keyIdSchema,
        activationAt: z.iso.datetime().nullable().optional(),
        deactivationAt: z.iso.datetime().nullable().optional(),
        maxUses: z.number().int().min(1).nullable().optional(),
        rotation: z.enum(['manual', 'auto']).optional(),
      })
      .strict(),
    output: keySummarySchema,
  },
  'keys.destroy': {
    input: z.object({ id: keyIdSchema, afterDays: z.number().int().min(1).max(90).optional() }).strict(),
    output: requestOutcomeSchema,
  },
  'keys.cancelDestruction': { input: z.object({ id: keyIdSchema }).strict(), output: keySummarySchema },
  'keys.exportPublic': {
    input: z.object({ id: keyIdSchema, format: z.enum(['pem', 'jwk', 'openssh']) }).strict(),
    output: z.object({ text: z.string() }),
  },
  'keys.csr': {
    input: z.object({ id: keyIdSchema, subject: z.string().trim().min(3).max(1024), dnsNames: z.array(z.string().max(253)).max(100).optional(), ca: z.boolean().optional() }).strict(),
    output: z.object({ pem: z.string(), subject: z.string() }),
  },
  'keys.selfSign': {
    input: z
      .object({
        id: keyIdSchema,
        subject: z.string().trim().min(3).max(1024),
        days: z.number().int().min(1).max(36_500),
        ca: z.boolean(),
        pathLength: z.number().int().min(0).max(10).optional(),
        dnsNames: z.array(z.string().max(253)).max(100).optional(),
      })
      .strict(),
    output: z.object({ pem: z.string(), subject: z.string(), serialNumber: z.string(), fingerprint: z.string(), notAfter: z.string() }),
  },
  'keys.sign': {
    input: z.object({ id: keyIdSchema, data: base64Schema, mechanism: z.enum(SIGN_MECHANISMS).optional() }).strict(),
    output: z.object({ signature: z.string(), mechanism: z.enum(SIGN_MECHANISMS) }),
  },
  'keys.verify': {
    input: z.object({ id: keyIdSchema, data: base64Schema, signature: base64Schema, mechanism: z.enum(SIGN_MECHANISMS).optional(), version: z.number().int().positive().optional() }).strict(),
    output: z.object({ valid: z.boolean(), mechanism: z.enum(SIGN_MECHANISMS) }),
  },
  'keys.encrypt': {
    input: z.object({ id: keyIdSchema, data: base64Schema, aad: base64Schema.optional(), mechanism: z.enum(CIPHER_MECHANISMS).optional() }).strict(),
    output: z.object({ ciphertext: z.string(), iv: z.string().nullable(), mechanism: z.enum(CIPHER_MECHANISMS) }),
  },
  'keys.decrypt': {
    input: z.object({ id: keyIdSchema, data: base64Schema, iv: base64Schema.optional(), aad: base64Schema.optional(), mechanism: z.enum(CIPHER_MECHANISMS).optional() }).strict(),
    output: z.object({ plaintext: z.string(), mechanism: z.enum(CIPHER_MECHANISMS) }),
  },
  'tokens.modules': { input: empty, output: z.array(tokenModuleSchema) },
  'tokens.list': { input: empty, output: z.array(tokenSchema) },
  'tokens.mechanisms': { input: z.object({ serial: tokenSerialSchema }).strict(), output: z.array(mechanismSchema) },
  'tokens.login': {
    input: z.object({ serial: tokenSerialSchema, /** null: the reader's PIN pad (protected authentication path). */ pin: z.string().min(1).max(256).nullable() }).strict(),
    output: tokenSchema,
  },
  'tokens.logout': { input: z.object({ serial: tokenSerialSchema }).strict(), output: tokenSchema },
  'tokens.init': {
    input: z
      .object({
        module: z.string().min(1).max(4096),
        slotId: z.number().int().min(0),
        label: z.string().trim().min(1).max(32),
        soPin: z.string().min(4).max(256),
        userPin: z.string().min(4).max(256),
      })
      .strict(),
    output: requestOutcomeSchema,
  },
  'tokens.discover': {
    input: z.object({ serial: tokenSerialSchema }).strict(),
    output: z.object({ found: z.number().int(), added: z.number().int(), matched: z.number().int(), skipped: z.array(z.string()) }),
  },
  'audit.list': {
    input: auditFilterSchema,
    output: z.object({ items: z.array(auditEventSchema) }),
  },
  'audit.verify': { input: empty, output: auditVerifyResultSchema },
  'audit.export': {
    input: empty,
    output: z.object({ path: z.string(), events: z.number().int(), headHash: z.string(), bytes: z.number().int(), publicKeyFingerprint: z.string() }),
  },
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
export type ChannelParsedInput<C extends ChannelName> = z.output<Channels[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Channels[C]['output']>;
export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];

/** Events the core pushes to the renderer. */
export const events = {
  /** The vault was locked (manually, by idle timeout, or by another window). */
  'vault.locked': z.object({ reason: z.enum(['manual', 'idle', 'shutdown']) }),
  /** A token was inserted or removed (slot polling while the vault is unlocked). */
  'tokens.changed': z.object({ serial: z.string(), label: z.string(), present: z.boolean() }),
  /** Progress of long work; fraction in [0, 1]. */
  'job.progress': z.object({ jobId: z.string(), label: z.string(), fraction: z.number().min(0).max(1) }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];

export const resultSchema = <T extends z.ZodTypeAny>(value: T) =>
  z.union([z.object({ ok: z.literal(true), value }), z.object({ ok: z.literal(false), error: errorSchema })]);

/** What the preload (or the browser bridge) exposes as `window.custos`. */
export interface CustosBridge {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Which host carries the bridge, so the console can say when it runs in browser mode. */
  readonly host: 'electron' | 'browser';
}
