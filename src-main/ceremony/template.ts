import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { algorithmIdSchema } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';

/**
 * Ceremony templates are data (resources/ceremonies/*.json), validated here. A template names the
 * roles a ceremony needs (the key custodians with an M-of-N quorum) and its ordered steps. Each
 * step says who performs it (the person at the keyboard) and which roles must attest it; the
 * engine (engine.ts) refuses a step whose attestations do not meet that.
 */
export const CEREMONY_ROLES = ['ceremony-administrator', 'internal-witness', 'key-custodian', 'auditor'] as const;
export const ceremonyRoleSchema = z.enum(CEREMONY_ROLES);
export type CeremonyRole = z.infer<typeof ceremonyRoleSchema>;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an id is lower-case letters, digits and hyphens');
const text = z.string().min(1).max(2000);

const presence = z.strictObject({
  /** How many participants of this role the ceremony needs at least. */
  min: z.int().min(0).max(16),
});

export const rolesSchema = z
  .strictObject({
    'ceremony-administrator': presence.extend({ min: z.int().min(1).max(4) }),
    'internal-witness': presence,
    'key-custodian': z.strictObject({
      /** M: how many custodians must attest a custodian step (and reconstruct a split). */
      threshold: z.int().min(1).max(16),
      /** N: how many custodians take part. */
      count: z.int().min(1).max(16),
    }),
    auditor: presence,
  })
  .refine((r) => r['key-custodian'].threshold <= r['key-custodian'].count, { message: 'the custodian threshold cannot exceed the custodian count' });
export type CeremonyRoles = z.infer<typeof rolesSchema>;

const stepBase = {
  id,
  title: z.string().min(1).max(200),
  /** Extra guidance shown on the step's screen. */
  description: z.string().max(4000).optional(),
  /** The role of the person at the keyboard who applies the step. */
  performedBy: ceremonyRoleSchema.default('ceremony-administrator'),
  /** Roles whose participants must attest the step (see `custodians` for how many custodians). */
  attestedBy: z.array(ceremonyRoleSchema).default([]),
  /**
   * How many custodians must attest when key-custodian is in attestedBy: the quorum (threshold)
   * or every custodian. Every other role is attested by all of its participants.
   */
  custodians: z.enum(['quorum', 'all']).default('quorum'),
};

export const stepSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...stepBase, kind: z.literal('checklist'), text }),
  z.strictObject({ ...stepBase, kind: z.literal('authenticate') }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('generate-key'),
    algorithm: algorithmIdSchema,
    store: z.enum(['token', 'vault']).default('token'),
    /** A label suggestion for the key (the caller may ask for the real one). */
    label: z.string().max(200).optional(),
    /** The key must not be extractable except by wrapping for a backup. */
    wrappable: z.boolean().default(true),
  }),
  z.strictObject({ ...stepBase, kind: z.literal('show-fingerprint') }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('certificate'),
    mode: z.enum(['csr', 'self-signed-root']),
    subject: z.string().min(1).max(1000),
    days: z.int().min(1).max(36500).optional(),
  }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('split-backup'),
    scheme: z.enum(['slip39', 'xor', 'files']),
    threshold: z.int().min(1).max(16),
    shares: z.int().min(1).max(16),
  }),
  z.strictObject({ ...stepBase, kind: z.literal('verify-shares') }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('recover-backup'),
    /**
     * Where the key is restored: into the vault, or unwrapped into the token chosen at the start
     * (C_UnwrapKey). The package is given at the start; the custodians attest with their shares.
     */
    target: z.enum(['vault', 'token']).default('token'),
  }),
  z.strictObject({ ...stepBase, kind: z.literal('destroy-temporary'), what: text }),
  z.strictObject({ ...stepBase, kind: z.literal('note'), prompt: text.optional() }),
]);
export type CeremonyStep = z.infer<typeof stepSchema>;
export type StepKind = CeremonyStep['kind'];

export const templateSchema = z
  .strictObject({
    format: z.literal('custos-ceremony-template'),
    id,
    version: z.int().min(1),
    title: z.string().min(1).max(200),
    description: z.string().max(4000).optional(),
    roles: rolesSchema,
    steps: z.array(stepSchema).min(1).max(200),
  })
  .superRefine((t, ctx) => {
    const issue = (message: string, path: (string | number)[]) => ctx.addIssue({ code: 'custom', message, path });
    const seen = new Set<string>();
    const custodians = t.roles['key-custodian'];
    let generated = false;
    t.steps.forEach((s, i) => {
      if (seen.has(s.id)) issue(`step id ${s.id} is used twice`, ['steps', i, 'id']);
      seen.add(s.id);
      for (const role of [s.performedBy, ...s.attestedBy]) {
        if (role !== 'key-custodian' && role !== 'ceremony-administrator' && t.roles[role].min === 0) issue(`step ${s.id} needs a ${role} but the template requires none`, ['steps', i]);
      }
      if (s.kind === 'certificate' && s.mode === 'self-signed-root' && s.days === undefined) issue(`step ${s.id}: a self-signed root needs days`, ['steps', i, 'days']);
      if (s.kind === 'generate-key') generated = true;
      if (s.kind === 'certificate' && !generated) issue(`step ${s.id}: a certificate needs a generate-key step before it`, ['steps', i]);
      if (s.kind === 'split-backup') {
        if (s.shares !== custodians.count) issue(`step ${s.id}: ${s.shares} shares but ${custodians.count} custodians (one share each)`, ['steps', i, 'shares']);
        if (s.threshold > s.shares) issue(`step ${s.id}: the threshold exceeds the number of shares`, ['steps', i, 'threshold']);
        if (s.scheme === 'xor' && s.threshold !== s.shares) issue(`step ${s.id}: XOR components are n-of-n, so the threshold must equal the shares`, ['steps', i, 'threshold']);
        if (s.scheme !== 'xor' && s.threshold !== custodians.threshold) issue(`step ${s.id}: the split threshold must equal the custodian quorum`, ['steps', i, 'threshold']);
      }
      if (s.kind === 'verify-shares' && !s.attestedBy.includes('key-custodian')) issue(`step ${s.id}: verify-shares must be attested by key-custodian`, ['steps', i, 'attestedBy']);
      // Recovery is dual-controlled: the custodians bring their shares, a witness approves the
      // backup.recover request the administrator files (see the ceremony README, Decisions).
      if (s.kind === 'recover-backup' && (!s.attestedBy.includes('key-custodian') || !s.attestedBy.includes('internal-witness'))) issue(`step ${s.id}: recover-backup must be attested by key-custodian (the shares) and internal-witness (the approval)`, ['steps', i, 'attestedBy']);
      if (s.kind === 'recover-backup' && s.custodians !== 'quorum') issue(`step ${s.id}: recover-backup takes the quorum of custodians`, ['steps', i, 'custodians']);
    });
  });
export type CeremonyTemplate = z.infer<typeof templateSchema>;

/** Parses a template; the error names the first problem and where it is. */
export function parseTemplate(json: unknown, source = 'the template'): CeremonyTemplate {
  const r = templateSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const where = first.path.length ? ` at ${first.path.join('.')}` : '';
    throw new CustosError('E_INPUT', `${source} is not a valid ceremony template${where}: ${first.message}.`);
  }
  return r.data;
}

export function loadTemplateFile(path: string): CeremonyTemplate {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CustosError('E_INPUT', `${path} is not a readable JSON file.`, { cause: e });
  }
  return parseTemplate(json, path);
}

/** Every template in a directory (resources/ceremonies), sorted by id; ids must be unique. */
export function loadTemplates(dir: string): CeremonyTemplate[] {
  const out = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadTemplateFile(join(dir, f)));
  const ids = new Set<string>();
  for (const t of out) {
    if (ids.has(t.id)) throw new CustosError('E_INPUT', `Two ceremony templates in ${dir} have the id ${t.id}.`);
    ids.add(t.id);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
