import { createHash } from 'node:crypto';
import { z } from 'zod';
import { eventHash, genesisHash, type AuditBody, type AuditDetails } from '../audit/chain.js';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import { CustosError } from '../errors.js';
import { hexToPgpWords } from './pgp-words.js';
import { type CeremonyRole, type CeremonyStep, type CeremonyTemplate } from './template.js';

/**
 * The ceremony engine: a pure state machine over a template. It performs no effect itself — the
 * caller generates the key, makes the certificate, splits the backup — and passes in what came
 * out (fingerprints, digests; never secrets). The engine checks order, roles and quorum, and
 * records every step in a transcript hash-chained exactly like the audit log (chain.ts), from
 * genesisHash(ceremonyId), so the audit bundle writer and verifier handle it unchanged.
 *
 * Every function returns a new state and leaves its input untouched; a refused call throws a
 * CustosError and changes nothing: E_CONFLICT for the wrong moment (a skipped or repeated step, a
 * finished ceremony, outputs that contradict an earlier step), E_PERMISSION for the wrong person
 * or too few of the right ones, E_INPUT for malformed outputs.
 */

export interface Participant {
  /** The person's user name (unique in the ceremony). */
  id: string;
  /** Full name as it should appear in the transcript. */
  name: string;
  role: CeremonyRole;
}

export interface TranscriptEntry extends AuditBody {
  prevHash: string;
  hash: string;
}

export interface StepRecord {
  stepId: string;
  kind: CeremonyStep['kind'];
  actor: string;
  attestedBy: string[];
  time: string;
  /** The recorded (non-secret) outputs, as they went into the transcript. */
  details: AuditDetails;
}

export type CeremonyStatus = 'running' | 'completed' | 'aborted';

export interface CeremonyState {
  readonly ceremonyId: string;
  readonly template: CeremonyTemplate;
  /** SHA-256 of the canonical JSON of the template, recorded at the start. */
  readonly templateHash: string;
  readonly participants: readonly Participant[];
  readonly status: CeremonyStatus;
  /** Index into template.steps of the step to run next (steps.length when done). */
  readonly nextStep: number;
  readonly steps: readonly StepRecord[];
  readonly authenticated: readonly string[];
  /** The key the ceremony is about: generated in it, or named by a show-fingerprint output. */
  readonly keyId: string | null;
  readonly fingerprint: string | null;
  /** Custodian id → digest of the share they were given by split-backup. */
  readonly shareDigests: Readonly<Record<string, string>>;
  readonly abortReason: string | null;
  readonly transcript: readonly TranscriptEntry[];
}

export interface StartOptions {
  /** A fresh identifier (a UUID); it also seeds the transcript's genesis hash. */
  ceremonyId: string;
  /** The ceremony administrator who opens the ceremony. */
  startedBy: string;
  now: Date;
}

export interface StepInput {
  /** The step the caller believes is next; must be the template's next step. */
  stepId: string;
  /** The participant at the keyboard. */
  actor: string;
  /** Participants who attest the step (each confirmed in person, e.g. by authenticating). */
  attestedBy?: string[];
  /** What the step produced, per kind (see outputSchemas). */
  outputs?: unknown;
}

const participantSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a participant id is a user name (letters, digits, . _ @ -)'),
  name: z.string().trim().min(1).max(200),
  role: z.enum(['ceremony-administrator', 'internal-witness', 'key-custodian', 'auditor']),
});

const hex32 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 digest is 64 hex digits')
  .transform((s) => s.toLowerCase());
const fingerprint = z
  .string()
  .transform((s) => s.replace(/[\s:]/g, '').toLowerCase())
  .pipe(z.string().regex(/^([0-9a-f]{2}){16,64}$/, 'a fingerprint is 16 to 64 bytes of hex'));
const shortText = z.string().trim().min(1).max(200);
const shareList = z.array(z.strictObject({ custodian: z.string(), digest: hex32 })).min(1).max(16);

/** What each kind of step takes as outputs. Strict: an unexpected field (a secret) is refused. */
export const outputSchemas = {
  checklist: z.strictObject({}),
  authenticate: z.strictObject({ methods: z.record(z.string(), shortText).optional() }),
  'generate-key': z.strictObject({ keyId: shortText, fingerprint, tokenSerial: shortText.optional(), label: shortText.optional() }),
  'show-fingerprint': z.strictObject({ fingerprint, keyId: shortText.optional() }),
  certificate: z.strictObject({ sha256: hex32, subject: z.string().min(1).max(1000), serial: shortText.optional(), notAfter: shortText.optional() }),
  'split-backup': z.strictObject({ packageSha256: hex32, shares: shareList, combinedKcv: z.string().regex(/^[0-9a-fA-F]{2,16}$/).optional() }),
  'verify-shares': z.strictObject({ shares: shareList }),
  'recover-backup': z.strictObject({
    packageId: z.string().regex(/^[0-9a-f]{32}$/, 'a package id is 32 hex digits'),
    /** The fingerprint the package records for the key, and the one measured on the restored key. */
    packageFingerprint: fingerprint,
    fingerprint,
    keyId: shortText,
    target: z.enum(['vault', 'token']),
    tokenSerial: shortText.optional(),
    /** Which custodians' shares opened the package (digests from the package). */
    shares: shareList,
    /** The backup.recover approval request, who filed it and who approved it. */
    requestId: z.string().regex(/^[0-9a-f]{32}$/, 'a request id is 32 hex digits'),
    requestedBy: shortText,
    approvedBy: z.array(shortText).min(1).max(16),
  }),
  'destroy-temporary': z.strictObject({ items: z.array(shortText).max(50).optional() }),
  note: z.strictObject({ text: z.string().trim().min(1).max(4000), exception: z.boolean().optional() }),
} as const;

const conflict = (m: string) => new CustosError('E_CONFLICT', m);
const denied = (m: string) => new CustosError('E_PERMISSION', m);
const bad = (m: string) => new CustosError('E_INPUT', m);

const roleName: Record<CeremonyRole, string> = {
  'ceremony-administrator': 'ceremony administrator',
  'internal-witness': 'internal witness',
  'key-custodian': 'key custodian',
  auditor: 'auditor',
};
const rolePlural: Record<CeremonyRole, string> = {
  'ceremony-administrator': 'ceremony administrators',
  'internal-witness': 'internal witnesses',
  'key-custodian': 'key custodians',
  auditor: 'auditors',
};

function append(state: CeremonyState, now: Date, body: Omit<AuditBody, 'seq' | 'time' | 'keyVersion' | 'keyId'> & { keyId?: string | null }): TranscriptEntry[] {
  const last = state.transcript[state.transcript.length - 1];
  if (Number.isNaN(now.getTime())) throw bad('The time of a ceremony step is not a valid date.');
  const time = now.toISOString();
  if (last && time < last.time) throw bad(`The time ${time} is before the previous transcript entry (${last.time}); check the clock.`);
  const full: AuditBody = { seq: state.transcript.length + 1, time, actor: body.actor, operation: body.operation, keyId: body.keyId ?? state.keyId, keyVersion: null, outcome: body.outcome, details: body.details };
  const prevHash = last ? last.hash : genesisHash(state.ceremonyId);
  return [...state.transcript, { ...full, prevHash, hash: eventHash(prevHash, full) }];
}

function participant(state: CeremonyState, id: string): Participant | undefined {
  return state.participants.find((p) => p.id === id);
}

function ofRole(state: CeremonyState, role: CeremonyRole): Participant[] {
  return state.participants.filter((p) => p.role === role);
}

/** Roles covered by an authentication step already done: their participants must have authenticated. */
function mustAuthenticate(state: CeremonyState, p: Participant, what: string): void {
  const covered = state.steps.some((r) => r.kind === 'authenticate' && (state.template.steps.find((s) => s.id === r.stepId)?.attestedBy ?? []).includes(p.role));
  if (covered && !state.authenticated.includes(p.id)) throw denied(`${p.name} (${p.id}) has not authenticated in this ceremony, so cannot ${what}.`);
}

function assertRunning(state: CeremonyState): void {
  if (state.status === 'completed') throw conflict(`Ceremony ${state.ceremonyId} is already complete; nothing more can be recorded.`);
  if (state.status === 'aborted') throw conflict(`Ceremony ${state.ceremonyId} was aborted (${state.abortReason ?? 'no reason'}); start a new ceremony.`);
}

export function startCeremony(template: CeremonyTemplate, participants: Participant[], opts: StartOptions): CeremonyState {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(opts.ceremonyId)) throw bad('A ceremony id is letters, digits, dots, hyphens and underscores.');
  const people: Participant[] = [];
  for (const raw of participants) {
    const r = participantSchema.safeParse(raw);
    if (!r.success) throw bad(`A participant is not valid: ${r.error.issues[0]!.message}.`);
    if (people.some((p) => p.id === r.data.id)) throw bad(`${r.data.id} is listed twice; each person takes one role in a ceremony.`);
    people.push(r.data);
  }
  const count = (role: CeremonyRole) => people.filter((p) => p.role === role).length;
  const roles = template.roles;
  for (const role of ['ceremony-administrator', 'internal-witness', 'auditor'] as const) {
    if (count(role) < roles[role].min) throw denied(`${template.title} needs at least ${roles[role].min} ${roles[role].min === 1 ? roleName[role] : rolePlural[role]}; ${count(role)} listed.`);
  }
  const { threshold, count: n } = roles['key-custodian'];
  const custodians = count('key-custodian');
  const splits = template.steps.some((s) => s.kind === 'split-backup');
  if (splits ? custodians !== n : custodians < threshold || custodians > n) {
    throw denied(splits
      ? `${template.title} splits a backup to ${n} key custodians; ${custodians} listed.`
      : `${template.title} needs ${threshold} to ${n} key custodians (quorum ${threshold} of ${n}); ${custodians} listed.`);
  }
  const starter = people.find((p) => p.id === opts.startedBy);
  if (!starter || starter.role !== 'ceremony-administrator') throw denied(`Only a ceremony administrator of this ceremony can start it; ${opts.startedBy} is not one.`);

  const templateHash = createHash('sha256').update(canonicalJson(template as unknown as Canonical)).digest('hex');
  const base: CeremonyState = {
    ceremonyId: opts.ceremonyId,
    template,
    templateHash,
    participants: people,
    status: 'running',
    nextStep: 0,
    steps: [],
    authenticated: [],
    keyId: null,
    fingerprint: null,
    shareDigests: {},
    abortReason: null,
    transcript: [],
  };
  const details: AuditDetails = {
    templateId: template.id,
    templateVersion: template.version,
    templateHash,
    title: template.title,
    quorum: `${threshold}-of-${n}`,
    steps: template.steps.length,
  };
  for (const p of people) details[`participant.${p.id}`] = `${p.role}: ${p.name}`;
  return { ...base, transcript: append(base, opts.now, { actor: starter.id, operation: 'ceremony.start', outcome: 'success', details }) };
}

/** The step that runs next, or null when the ceremony is over. */
export function currentStep(state: CeremonyState): CeremonyStep | null {
  return state.status === 'running' ? (state.template.steps[state.nextStep] ?? null) : null;
}

/** How many attestations of each role the step needs, given who takes part. */
export function requiredAttestations(state: CeremonyState, step: CeremonyStep): Partial<Record<CeremonyRole, number>> {
  const need: Partial<Record<CeremonyRole, number>> = {};
  for (const role of step.attestedBy) {
    const present = ofRole(state, role).length;
    need[role] = role === 'key-custodian' && step.custodians === 'quorum' && step.kind !== 'authenticate' ? state.template.roles['key-custodian'].threshold : present;
  }
  return need;
}

function checkAttestations(state: CeremonyState, step: CeremonyStep, ids: string[]): Participant[] {
  const seen = new Set<string>();
  const who: Participant[] = [];
  for (const id of ids) {
    if (seen.has(id)) throw bad(`${id} attests step "${step.title}" twice.`);
    seen.add(id);
    const p = participant(state, id);
    if (!p) throw denied(`${id} is not a participant of this ceremony and cannot attest step "${step.title}".`);
    if (!step.attestedBy.includes(p.role)) {
      const wanted = step.attestedBy.length ? step.attestedBy.map((r) => roleName[r]).join(', ') : 'nobody';
      throw denied(`${p.name} (${p.id}) is a ${roleName[p.role]}; step "${step.title}" is attested by: ${wanted}.`);
    }
    if (step.kind !== 'authenticate') mustAuthenticate(state, p, `attest step "${step.title}"`);
    who.push(p);
  }
  for (const [role, n] of Object.entries(requiredAttestations(state, step)) as Array<[CeremonyRole, number]>) {
    const got = who.filter((p) => p.role === role);
    if (got.length < n) {
      const present = ofRole(state, role).length;
      const names = got.length ? ` (${got.map((p) => p.id).join(', ')})` : '';
      throw denied(`Step "${step.title}" needs ${n} of ${present} ${rolePlural[role]} to attest; ${got.length} did${names}.`);
    }
  }
  return who;
}

function parseOutputs<K extends CeremonyStep['kind']>(kind: K, step: CeremonyStep, raw: unknown): z.output<(typeof outputSchemas)[K]> {
  const r = outputSchemas[kind].safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw bad(`The outputs of step "${step.title}" are not valid${i.path.length ? ` at ${i.path.join('.')}` : ''}: ${i.message}.`);
  }
  return r.data as z.output<(typeof outputSchemas)[K]>;
}

function checkShares(state: CeremonyState, step: CeremonyStep, shares: Array<{ custodian: string; digest: string }>): void {
  const seen = new Set<string>();
  for (const s of shares) {
    const p = participant(state, s.custodian);
    if (!p || p.role !== 'key-custodian') throw bad(`Step "${step.title}": ${s.custodian} is not a key custodian of this ceremony.`);
    if (seen.has(s.custodian)) throw bad(`Step "${step.title}": ${s.custodian} is listed twice.`);
    seen.add(s.custodian);
  }
}

/**
 * Checks order, the actor and the attestations of the next step without recording anything, so a
 * caller can refuse before it performs a step's effect (generating a key, splitting a backup).
 */
export function assertMayApply(state: CeremonyState, input: Pick<StepInput, 'stepId' | 'actor' | 'attestedBy'>): { step: CeremonyStep; actor: Participant; attestors: Participant[] } {
  assertRunning(state);
  const step = assertNextStep(state, input.stepId);
  const actor = participant(state, input.actor);
  if (!actor) throw denied(`${input.actor} is not a participant of this ceremony.`);
  if (actor.role !== step.performedBy) throw denied(`Step "${step.title}" is performed by the ${roleName[step.performedBy]}; ${actor.name} (${actor.id}) is a ${roleName[actor.role]}.`);
  if (step.kind !== 'authenticate') mustAuthenticate(state, actor, `perform step "${step.title}"`);
  return { step, actor, attestors: checkAttestations(state, step, input.attestedBy ?? []) };
}

/** The next step, if `stepId` names it; otherwise why not (skipped, repeated, unknown). */
export function assertNextStep(state: CeremonyState, stepId: string): CeremonyStep {
  assertRunning(state);
  const step = state.template.steps[state.nextStep]!;
  if (stepId !== step.id) {
    const done = state.steps.some((r) => r.stepId === stepId);
    const known = state.template.steps.some((s) => s.id === stepId);
    if (done) throw conflict(`Step ${stepId} was already done; the next step is "${step.title}" (${step.id}).`);
    if (known) throw conflict(`Step ${stepId} cannot run yet: steps are done in order and the next one is "${step.title}" (${step.id}).`);
    throw conflict(`${state.template.title} has no step ${stepId}; the next step is "${step.title}" (${step.id}).`);
  }
  return step;
}

/** Records the next step. `now` is the time of the step (the caller's clock). */
export function applyStep(state: CeremonyState, input: StepInput, now: Date): CeremonyState {
  assertRunning(state);
  const step = state.template.steps[state.nextStep]!;
  if (input.stepId !== step.id) {
    const done = state.steps.some((r) => r.stepId === input.stepId);
    const known = state.template.steps.some((s) => s.id === input.stepId);
    if (done) throw conflict(`Step ${input.stepId} was already done; the next step is "${step.title}" (${step.id}).`);
    if (known) throw conflict(`Step ${input.stepId} cannot run yet: steps are done in order and the next one is "${step.title}" (${step.id}).`);
    throw conflict(`${state.template.title} has no step ${input.stepId}; the next step is "${step.title}" (${step.id}).`);
  }
  const actor = participant(state, input.actor);
  if (!actor) throw denied(`${input.actor} is not a participant of this ceremony.`);
  if (actor.role !== step.performedBy) throw denied(`Step "${step.title}" is performed by the ${roleName[step.performedBy]}; ${actor.name} (${actor.id}) is a ${roleName[actor.role]}.`);
  if (step.kind !== 'authenticate') mustAuthenticate(state, actor, `perform step "${step.title}"`);
  const attestors = checkAttestations(state, step, input.attestedBy ?? []);

  const details: AuditDetails = { step: step.id, index: state.nextStep + 1, title: step.title, attestedBy: attestors.map((p) => p.id).join(',') };
  let next: Partial<Pick<CeremonyState, 'keyId' | 'fingerprint' | 'shareDigests' | 'authenticated'>> = {};
  switch (step.kind) {
    case 'checklist': {
      parseOutputs('checklist', step, input.outputs);
      details.text = step.text;
      break;
    }
    case 'authenticate': {
      const o = parseOutputs('authenticate', step, input.outputs);
      for (const [id, method] of Object.entries(o.methods ?? {})) {
        if (!attestors.some((p) => p.id === id)) throw bad(`Step "${step.title}": a method is given for ${id}, who did not authenticate.`);
        details[`method.${id}`] = method;
      }
      next = { authenticated: [...new Set([...state.authenticated, ...attestors.map((p) => p.id)])] };
      break;
    }
    case 'generate-key': {
      const o = parseOutputs('generate-key', step, input.outputs);
      Object.assign(details, { algorithm: step.algorithm, store: step.store, wrappable: step.wrappable, keyId: o.keyId, fingerprint: o.fingerprint, tokenSerial: o.tokenSerial ?? null, label: o.label ?? step.label ?? null });
      next = { keyId: o.keyId, fingerprint: o.fingerprint };
      break;
    }
    case 'show-fingerprint': {
      const o = parseOutputs('show-fingerprint', step, input.outputs);
      if (state.fingerprint && o.fingerprint !== state.fingerprint) throw conflict(`The fingerprint shown (${o.fingerprint}) is not the one recorded earlier in this ceremony (${state.fingerprint}); stop and investigate.`);
      if (state.keyId && o.keyId && o.keyId !== state.keyId) throw conflict(`Step "${step.title}" names key ${o.keyId} but this ceremony is about key ${state.keyId}.`);
      Object.assign(details, { fingerprint: o.fingerprint, pgpWords: hexToPgpWords(o.fingerprint).join(' ') });
      next = { fingerprint: o.fingerprint, keyId: state.keyId ?? o.keyId ?? null };
      break;
    }
    case 'certificate': {
      const o = parseOutputs('certificate', step, input.outputs);
      Object.assign(details, { mode: step.mode, templateSubject: step.subject, days: step.days ?? null, subject: o.subject, certificateSha256: o.sha256, serial: o.serial ?? null, notAfter: o.notAfter ?? null });
      break;
    }
    case 'split-backup': {
      const o = parseOutputs('split-backup', step, input.outputs);
      checkShares(state, step, o.shares);
      if (o.shares.length !== step.shares) throw bad(`Step "${step.title}" splits into ${step.shares} shares; ${o.shares.length} were reported.`);
      if (new Set(o.shares.map((s) => s.digest)).size !== o.shares.length) throw bad(`Step "${step.title}": two shares have the same digest.`);
      Object.assign(details, { scheme: step.scheme, threshold: step.threshold, shares: step.shares, packageSha256: o.packageSha256, combinedKcv: o.combinedKcv?.toUpperCase() ?? null });
      for (const s of o.shares) details[`share.${s.custodian}`] = s.digest;
      next = { shareDigests: Object.fromEntries(o.shares.map((s) => [s.custodian, s.digest])) };
      break;
    }
    case 'verify-shares': {
      const o = parseOutputs('verify-shares', step, input.outputs);
      checkShares(state, step, o.shares);
      const custodians = attestors.filter((p) => p.role === 'key-custodian').map((p) => p.id);
      const reported = o.shares.map((s) => s.custodian);
      const missing = custodians.filter((c) => !reported.includes(c));
      if (missing.length) throw bad(`Step "${step.title}": no share result for ${missing.join(', ')}, who attested.`);
      const extra = reported.filter((c) => !custodians.includes(c));
      if (extra.length) throw denied(`Step "${step.title}": ${extra.join(', ')} did not attest, so cannot have verified a share; each custodian verifies their own.`);
      for (const s of o.shares) {
        const want = state.shareDigests[s.custodian];
        if (want !== undefined && want !== s.digest) throw conflict(`The share ${s.custodian} verified (digest ${s.digest}) is not the share split to them in this ceremony; it is foreign or mistyped.`);
        details[`verified.${s.custodian}`] = s.digest;
      }
      break;
    }
    case 'recover-backup': {
      const o = parseOutputs('recover-backup', step, input.outputs);
      checkShares(state, step, o.shares);
      const custodians = attestors.filter((p) => p.role === 'key-custodian').map((p) => p.id);
      const reported = o.shares.map((s) => s.custodian);
      const missing = custodians.filter((c) => !reported.includes(c));
      if (missing.length) throw bad(`Step "${step.title}": no share of ${missing.join(', ')}, who attested.`);
      const extra = reported.filter((c) => !custodians.includes(c));
      if (extra.length) throw denied(`Step "${step.title}": ${extra.join(', ')} did not attest, so cannot have brought a share; each custodian brings their own.`);
      for (const s of o.shares) {
        const want = state.shareDigests[s.custodian];
        if (want !== undefined && want !== s.digest) throw conflict(`The share ${s.custodian} brought (digest ${s.digest}) is not the share split to them in this ceremony.`);
      }
      // Dual control: the request is approved by internal witnesses who attested this step, never by whoever filed it.
      for (const a of o.approvedBy) {
        if (a.toLowerCase() === o.requestedBy.toLowerCase()) throw denied(`Step "${step.title}": ${a} filed the recovery request and cannot approve it too.`);
        const p = attestors.find((x) => x.id.toLowerCase() === a.toLowerCase());
        if (!p || p.role !== 'internal-witness') throw denied(`Step "${step.title}": the recovery was approved by ${a}, who is not an internal witness attesting this step.`);
      }
      if (o.fingerprint !== o.packageFingerprint) throw conflict(`The restored key's fingerprint (${o.fingerprint}) is not the one in the backup package (${o.packageFingerprint}); stop and investigate.`);
      if (state.fingerprint && o.fingerprint !== state.fingerprint) throw conflict(`The restored key's fingerprint (${o.fingerprint}) is not the one recorded earlier in this ceremony (${state.fingerprint}).`);
      if (o.target !== step.target) throw bad(`Step "${step.title}" restores into the ${step.target}; the outputs say ${o.target}.`);
      if (o.target === 'token' && !o.tokenSerial) throw bad(`Step "${step.title}": a restore into a token names the token.`);
      Object.assign(details, {
        target: step.target, packageId: o.packageId, packageFingerprint: o.packageFingerprint, keyId: o.keyId, fingerprint: o.fingerprint, pgpWords: hexToPgpWords(o.fingerprint).join(' '),
        fingerprintMatches: true, tokenSerial: o.tokenSerial ?? null, requestId: o.requestId, requestedBy: o.requestedBy, approvedBy: o.approvedBy.join(','),
      });
      for (const s of o.shares) details[`share.${s.custodian}`] = s.digest;
      next = { keyId: o.keyId, fingerprint: o.fingerprint };
      break;
    }
    case 'destroy-temporary': {
      const o = parseOutputs('destroy-temporary', step, input.outputs);
      Object.assign(details, { what: step.what, items: (o.items ?? []).join('; ') });
      break;
    }
    case 'note': {
      const o = parseOutputs('note', step, input.outputs);
      Object.assign(details, { prompt: step.prompt ?? null, text: o.text, exception: o.exception ?? false });
      break;
    }
  }

  const record: StepRecord = { stepId: step.id, kind: step.kind, actor: actor.id, attestedBy: attestors.map((p) => p.id), time: now.toISOString(), details };
  const stepped: CeremonyState = { ...state, ...next, steps: [...state.steps, record], nextStep: state.nextStep + 1 };
  let transcript = append(stepped, now, { actor: actor.id, operation: `ceremony.${step.kind}`, outcome: 'success', details });
  if (stepped.nextStep < state.template.steps.length) return { ...stepped, transcript };
  const ended = { ...stepped, transcript };
  transcript = append(ended, now, { actor: actor.id, operation: 'ceremony.complete', outcome: 'success', details: { steps: stepped.steps.length, fingerprint: stepped.fingerprint } });
  return { ...ended, status: 'completed', transcript };
}

/** A witness note or an exception at any moment, without advancing the ceremony. */
export function addNote(state: CeremonyState, input: { actor: string; text: string; exception?: boolean }, now: Date): CeremonyState {
  assertRunning(state);
  const p = participant(state, input.actor);
  if (!p) throw denied(`${input.actor} is not a participant of this ceremony.`);
  const text = input.text.trim();
  if (!text || text.length > 4000) throw bad('A note is 1 to 4000 characters.');
  const details: AuditDetails = { text, atStep: currentStep(state)?.id ?? null, role: p.role };
  return { ...state, transcript: append(state, now, { actor: p.id, operation: input.exception ? 'ceremony.exception' : 'ceremony.note', outcome: 'success', details }) };
}

/** Stops the ceremony for good, with the reason. Only an administrator or a witness may. */
export function abort(state: CeremonyState, input: { actor: string; reason: string }, now: Date): CeremonyState {
  assertRunning(state);
  const p = participant(state, input.actor);
  if (!p) throw denied(`${input.actor} is not a participant of this ceremony.`);
  if (p.role !== 'ceremony-administrator' && p.role !== 'internal-witness') throw denied(`Only the ceremony administrator or an internal witness can abort a ceremony; ${p.name} (${p.id}) is a ${roleName[p.role]}.`);
  const reason = input.reason.trim();
  if (!reason) throw bad('Give the reason for aborting the ceremony; it goes into the transcript.');
  if (reason.length > 4000) throw bad('The reason is at most 4000 characters.');
  const details: AuditDetails = { reason, atStep: currentStep(state)?.id ?? null, stepsDone: state.steps.length };
  const transcript = append(state, now, { actor: p.id, operation: 'ceremony.abort', outcome: 'success', details });
  return { ...state, status: 'aborted', abortReason: reason, transcript };
}
