import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CeremonyTemplateInfo, CeremonyView, HeldShareInput } from '../../src-shared/contract-ceremonies.js';
import { createKeyBackup } from '../backup/backup-service.js';
import type { ShareCustody } from '../backup/custody.js';
import { parsePackage, parseShareFile, type BackupPackage, type HeldShare } from '../backup/package.js';
import { CustosError } from '../errors.js';
import type { KeyService } from '../keys/key-service.js';
import type { TokenService } from '../pkcs11/service.js';
import { findUser } from '../users/user-operations.js';
import type { UnlockedVault, VaultUser } from '../vault/vault.js';
import { abort, addNote, applyStep, assertMayApply, assertNextStep, currentStep, requiredAttestations, startCeremony, type CeremonyState, type Participant } from './engine.js';
import { hexToPgpWords } from './pgp-words.js';
import { checkCustodianShare, recoverInCeremony } from './recover.js';
import type { CeremonyRole, CeremonyStep, CeremonyTemplate } from './template.js';

/**
 * A ceremony run step by step from the console. The engine (engine.ts) stays pure; this is where
 * people authenticate and effects happen. Every participant is a vault user; each attestation is
 * that person typing their own passphrase, checked in the core (vault.authenticate), and collected
 * here per step until the person at the keyboard performs it — the engine then refuses a step
 * without its quorum, out of order, or performed by the wrong role. Effects run only after those
 * checks passed (assertMayApply). Only non-secret outputs reach the transcript; shares of a split
 * go into the share custody, to be revealed to each custodian alone.
 */
export interface Person {
  user: string;
  passphrase: string;
}

export interface LiveCeremony {
  readonly vault: UnlockedVault;
  state: CeremonyState;
  tokenSerial: string | null;
  /** A key named at the start (backup, destruction), else the one generated. */
  keyId: string | null;
  pkg: BackupPackage | null;
  /** The package as given at the start (a recovery opens it with the recovery code, which parses text). */
  pkgText: string | null;
  pkgPath: string | null;
  certificate: { pem: string; path: string; subject: string; sha256: string } | null;
  /** Attestations collected for the next step: who, and for verify-shares the digest they proved. */
  pending: { stepId: string; attested: Map<string, string | null> };
  /**
   * recover-backup: each custodian's share as they entered it, sealed under the vault's material key
   * with a one-off binding (as backup/custody.ts holds shares), until the step is performed; and the
   * witnesses who attested it, who approve the recovery request in the step. Dropped afterwards.
   */
  held: Map<string, { binding: string; sealed: string }>;
  approvers: Map<string, VaultUser>;
}

export interface SessionDeps {
  keys: KeyService;
  tokens: () => TokenService;
  custody: ShareCustody;
  exportDir: string;
}

const sha256 = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

export function templateInfo(t: CeremonyTemplate): CeremonyTemplateInfo {
  const r = t.roles;
  const splits = t.steps.some((s) => s.kind === 'split-backup');
  return {
    id: t.id,
    version: t.version,
    title: t.title,
    description: t.description ?? null,
    roles: { administrators: r['ceremony-administrator'].min, witnesses: r['internal-witness'].min, auditors: r.auditor.min, custodianThreshold: r['key-custodian'].threshold, custodianCount: r['key-custodian'].count },
    needsToken: t.steps.some((s) => (s.kind === 'generate-key' && s.store === 'token') || (s.kind === 'recover-backup' && s.target === 'token')),
    needsPackage: !splits && t.steps.some((s) => s.kind === 'verify-shares' || s.kind === 'recover-backup'),
    steps: t.steps.map((s) => {
      const { id, title, kind, description, performedBy, attestedBy, custodians, ...rest } = s as CeremonyStep & Record<string, unknown>;
      const text = 'text' in s ? s.text : 'what' in s ? s.what : 'prompt' in s ? (s.prompt ?? null) : null;
      const params: Record<string, string | number | boolean | null> = {};
      for (const [k, v] of Object.entries(rest)) if (k !== 'text' && k !== 'what' && k !== 'prompt' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) params[k] = v;
      return { id, title, kind, description: description ?? null, text, performedBy, attestedBy, custodians, params };
    }),
  };
}

export function viewOf(live: LiveCeremony, custody: ShareCustody): CeremonyView {
  const s = live.state;
  const step = currentStep(s);
  const h = live.pkg?.header;
  return {
    ceremonyId: s.ceremonyId,
    template: templateInfo(s.template),
    status: s.status,
    abortReason: s.abortReason,
    participants: s.participants.map((p) => ({ ...p })),
    nextStep: s.nextStep,
    pending: step
      ? {
          stepId: step.id,
          actor: s.participants.find((p) => p.role === step.performedBy)?.id ?? null,
          attested: live.pending.stepId === step.id ? [...live.pending.attested.keys()] : [],
          needs: requiredAttestations(s, step) as Record<string, number>,
        }
      : null,
    tokenSerial: live.tokenSerial,
    keyId: live.keyId ?? s.keyId,
    fingerprint: s.fingerprint,
    pgpWords: s.fingerprint ? hexToPgpWords(s.fingerprint) : null,
    certificate: live.certificate,
    backup: h
      ? { packageId: h.packageId, path: live.pkgPath, scheme: h.scheme.type, threshold: h.scheme.threshold, count: h.scheme.count, custodians: h.scheme.custodians, waiting: custody.waiting(live.vault, h.packageId) }
      : null,
    transcript: s.transcript.map((x) => ({ seq: x.seq, time: x.time, actor: x.actor, operation: x.operation, details: x.details, hash: x.hash })),
  };
}

/**
 * The generate-key effect, shared by the console session and the script runner. A key the template
 * certifies as a root is a CA key, and says so: the policy gate judges it as one (a wrappable CA key
 * needs the organisation's override, see ca-backup-policy.ts).
 */
export async function generateStepKey(keys: KeyService, template: CeremonyTemplate, step: Extract<CeremonyStep, { kind: 'generate-key' }>, name: string, tokenSerial: string | null) {
  if (step.store === 'token' && !tokenSerial) throw new CustosError('E_INPUT', 'This step generates the key on a token, and none was chosen.');
  const certifies = template.steps.some((x) => x.kind === 'certificate' && x.mode === 'self-signed-root');
  return keys.generate({
    name,
    algorithm: step.algorithm,
    tokenSerial: step.store === 'token' ? tokenSerial! : undefined,
    wrappable: step.wrappable,
    usage: certifies ? 0x1 | 0x2 | 0x1000 | 0x2000 : undefined,
    purpose: certifies ? 'ca-root' : undefined,
  });
}

/** The certificate effect, shared by the console session and the script runner: a self-signed root or a CSR, written to `path`. */
export async function certifyStepKey(keys: KeyService, keyId: string, step: Extract<CeremonyStep, { kind: 'certificate' }>, path: string): Promise<{ pem: string; outputs: { sha256: string; subject: string; serial?: string; notAfter?: string } }> {
  if (step.mode === 'self-signed-root') {
    const r = await keys.selfSign(keyId, { subject: step.subject, days: step.days!, ca: true });
    writeFileSync(path, r.pem);
    return { pem: r.pem, outputs: { sha256: r.fingerprint, subject: r.subject, serial: r.serialNumber, notAfter: r.notAfter } };
  }
  const r = await keys.csr(keyId, { subject: step.subject });
  writeFileSync(path, r.pem);
  return { pem: r.pem, outputs: { sha256: sha256(Buffer.from(r.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')), subject: r.subject } };
}

/** Authenticates a person at the keyboard and returns their participant record. */
async function participantAt(live: LiveCeremony, person: Person): Promise<Participant> {
  return (await personAt(live, person)).p;
}

async function personAt(live: LiveCeremony, person: Person): Promise<{ p: Participant; u: VaultUser }> {
  const u = await live.vault.authenticate(person.user, person.passphrase, 'approval');
  const p = live.state.participants.find((x) => x.id === u.name);
  if (!p) throw new CustosError('E_PERMISSION', `${u.name} is not a participant of this ceremony.`);
  return { p, u };
}

/** Forgets the shares entered for a recovery and the approvers collected (after the step, an abort, a new step). */
function dropHeld(live: LiveCeremony): void {
  live.held.clear();
  live.approvers.clear();
}

export function heldShare(s: HeldShareInput): HeldShare {
  if (s.kind === 'mnemonic') return { kind: 'mnemonic', mnemonic: s.mnemonic };
  if (s.kind === 'component') return { kind: 'component', hex: s.hex };
  return { kind: 'file', file: parseShareFile(s.file), passphrase: s.passphrase };
}

export async function startLive(
  vault: UnlockedVault,
  template: CeremonyTemplate,
  input: { participants: Array<{ user: string; role: CeremonyRole; name?: string }>; administrator: Person; tokenSerial?: string; backupPackage?: string; keyId?: string },
  deps: SessionDeps,
): Promise<LiveCeremony> {
  const people: Participant[] = [];
  for (const p of input.participants) {
    const u = findUser(vault, p.user);
    if (!u) throw new CustosError('E_NOT_FOUND', `${p.user} is not a user of this vault; every participant must be one (People page).`);
    if (u.disabled_at) throw new CustosError('E_PERMISSION', `${u.name} is disabled and cannot take part.`);
    people.push({ id: u.name, name: p.name ?? u.name, role: p.role });
  }
  const admin = await vault.authenticate(input.administrator.user, input.administrator.passphrase, 'approval');
  const info = templateInfo(template);
  if (info.needsToken && !input.tokenSerial) throw new CustosError('E_INPUT', `${template.title} generates its key on a token: choose the token.`);
  if (info.needsPackage && !input.backupPackage) throw new CustosError('E_INPUT', `${template.title} verifies shares of a backup: give its package.`);
  const pkg = input.backupPackage ? parsePackage(input.backupPackage) : null;
  let keyId: string | null = null;
  if (input.keyId) keyId = deps.keys.get(input.keyId).id;
  const ceremonyId = randomUUID().replace(/-/g, '');
  const state = startCeremony(template, people, { ceremonyId, startedBy: admin.name, now: vault.now() });
  vault.record({ actor: admin.name, operation: 'ceremony.start', keyId, outcome: 'success', details: { ceremonyId, template: template.id, version: template.version, participants: people.map((p) => `${p.id}:${p.role}`).join(',') } });
  return { vault, state, tokenSerial: input.tokenSerial ?? null, keyId, pkg, pkgText: input.backupPackage ?? null, pkgPath: null, certificate: null, pending: { stepId: currentStep(state)!.id, attested: new Map() }, held: new Map(), approvers: new Map() };
}

/** A participant attests the next step (and, for verify-shares, proves their share). */
export async function attestLive(live: LiveCeremony, input: { stepId: string; person: Person; share?: HeldShareInput }): Promise<void> {
  const step = assertNextStep(live.state, input.stepId);
  const { p, u } = await personAt(live, input.person);
  if (!step.attestedBy.includes(p.role)) throw new CustosError('E_PERMISSION', `${p.name} (${p.id}) cannot attest step "${step.title}": it is attested by ${step.attestedBy.join(', ') || 'nobody'}.`);
  if (live.pending.stepId !== step.id) {
    live.pending = { stepId: step.id, attested: new Map() };
    dropHeld(live);
  }
  if (live.pending.attested.has(p.id)) throw new CustosError('E_CONFLICT', `${p.id} has already attested step "${step.title}".`);
  let digest: string | null = null;
  if (step.kind === 'verify-shares' && p.role === 'key-custodian') {
    if (!live.pkg) throw new CustosError('E_CONFLICT', 'There is no backup in this ceremony to verify a share against.');
    if (!input.share) throw new CustosError('E_INPUT', `${p.id}: type your share to verify it.`);
    digest = (await checkCustodianShare(live.pkg, p.id, heldShare(input.share))).digest;
  } else if (step.kind === 'recover-backup' && p.role === 'key-custodian') {
    // The custodian's own hand-off screen: the share is checked (intact, of this backup, theirs) and held sealed until the step runs.
    if (!live.pkgText || !live.pkg) throw new CustosError('E_CONFLICT', 'There is no backup package in this ceremony to recover.');
    if (!input.share) throw new CustosError('E_INPUT', `${p.id}: enter your share.`);
    digest = (await checkCustodianShare(live.pkg, p.id, heldShare(input.share))).digest;
    const binding = randomBytes(16).toString('hex');
    live.held.set(p.id, { binding, sealed: live.vault.sealSecret(`ceremony-share|${live.state.ceremonyId}|${binding}`, Buffer.from(JSON.stringify(input.share), 'utf8')) });
  } else if (input.share) {
    throw new CustosError('E_INPUT', `Step "${step.title}" takes no share.`);
  }
  if (step.kind === 'recover-backup' && p.role === 'internal-witness') live.approvers.set(p.id, u);
  live.pending.attested.set(p.id, digest);
  live.vault.record({ actor: p.id, operation: 'ceremony.attest', keyId: live.keyId ?? live.state.keyId, outcome: 'success', details: { ceremonyId: live.state.ceremonyId, step: step.id, role: p.role, ...(digest ? { shareVerified: true } : {}) } });
}

/** The person at the keyboard performs the next step: checks first, then the effect, then the record. */
export async function performLive(live: LiveCeremony, input: { stepId: string; actor: Person; text?: string; exception?: boolean; keyId?: string }, deps: SessionDeps): Promise<void> {
  const actor = await participantAt(live, input.actor);
  const attested = live.pending.stepId === input.stepId ? live.pending.attested : new Map<string, string | null>();
  const { step } = assertMayApply(live.state, { stepId: input.stepId, actor: actor.id, attestedBy: [...attested.keys()] });
  const v = live.vault;
  const id = live.state.ceremonyId;
  const keyId = () => live.keyId ?? live.state.keyId;
  let outputs: unknown = {};
  switch (step.kind) {
    case 'checklist':
      break;
    case 'authenticate':
      outputs = { methods: Object.fromEntries([...attested.keys()].map((p) => [p, 'passphrase'])) };
      break;
    case 'generate-key': {
      const k = await generateStepKey(deps.keys, live.state.template, step, step.label ? `${step.label}-${id.slice(0, 8)}` : `${live.state.template.id}-${id.slice(0, 8)}`, live.tokenSerial);
      deps.keys.transition(k.id, 'activate');
      live.keyId = k.id;
      outputs = { keyId: k.id, fingerprint: k.fingerprint!, ...(k.token ? { tokenSerial: k.token.serial, label: k.token.label } : {}) };
      break;
    }
    case 'show-fingerprint': {
      const which = input.keyId ?? keyId();
      if (!which) throw new CustosError('E_INPUT', 'Name the key whose fingerprint is read aloud.');
      const k = deps.keys.get(which);
      if (!k.fingerprint) throw new CustosError('E_UNSUPPORTED', `${k.name} is a secret key: it has a check value (${k.kcv ?? '—'}), not a public-key fingerprint.`);
      if (live.pkg?.header.key.fingerprint && live.pkg.header.key.fingerprint !== k.fingerprint) {
        throw new CustosError('E_CONFLICT', `${k.name}'s fingerprint (${k.fingerprint.slice(0, 16)}…) is not the one in the backup package (${live.pkg.header.key.fingerprint.slice(0, 16)}…); stop and investigate.`);
      }
      if (!live.keyId) live.keyId = k.id;
      outputs = { fingerprint: k.fingerprint, keyId: k.id };
      break;
    }
    case 'certificate': {
      const kid = keyId();
      if (!kid) throw new CustosError('E_CONFLICT', 'No key to certify.');
      mkdirSync(deps.exportDir, { recursive: true, mode: 0o700 });
      const path = join(deps.exportDir, `ceremony-${id}-${step.mode === 'self-signed-root' ? 'root-certificate' : 'request.csr'}.pem`);
      const c = await certifyStepKey(deps.keys, kid, step, path);
      live.certificate = { pem: c.pem, path, subject: c.outputs.subject, sha256: c.outputs.sha256 };
      outputs = c.outputs;
      break;
    }
    case 'split-backup': {
      const kid = keyId();
      if (!kid) throw new CustosError('E_CONFLICT', 'No key to back up.');
      if (step.scheme === 'files') throw new CustosError('E_UNSUPPORTED', 'Ceremonies split to SLIP-0039 mnemonics or XOR components, which each custodian is shown alone; use Backups for share files.');
      const custodians = live.state.participants.filter((p) => p.role === 'key-custodian').map((p) => p.id);
      const tokens = deps.keys.get(kid).store === 'token' ? deps.tokens() : null;
      const b = await createKeyBackup(v, kid, { scheme: step.scheme, threshold: step.threshold, count: step.shares, custodians }, tokens);
      const text = JSON.stringify(b.pkg, null, 2) + '\n';
      mkdirSync(deps.exportDir, { recursive: true, mode: 0o700 });
      live.pkgPath = join(deps.exportDir, `ceremony-${id}-key.backup.json`);
      writeFileSync(live.pkgPath, text);
      live.pkg = b.pkg;
      deps.custody.hold(v, b);
      outputs = { packageSha256: sha256(text), shares: custodians.map((c, i) => ({ custodian: c, digest: b.pkg.header.shareDigests[i]!.digest })), ...(b.pkg.header.scheme.kekKcv ? { combinedKcv: b.pkg.header.scheme.kekKcv } : {}) };
      break;
    }
    case 'verify-shares':
      outputs = { shares: [...attested].filter(([, d]) => d).map(([custodian, digest]) => ({ custodian, digest: digest! })) };
      break;
    case 'recover-backup': {
      if (!live.pkgText || !live.pkg) throw new CustosError('E_CONFLICT', 'There is no backup package in this ceremony to recover.');
      try {
        const shares = [...live.held].map(([custodian, h]) => {
          const clear = v.openSecret(`ceremony-share|${id}|${h.binding}`, h.sealed);
          const input = JSON.parse(clear.toString('utf8')) as HeldShareInput;
          clear.fill(0);
          return { custodian, share: heldShare(input) };
        });
        const o = await recoverInCeremony(v, { pkgText: live.pkgText, shares, target: step.target, tokenSerial: live.tokenSerial, approvers: [...live.approvers.values()], tokens: deps.tokens, name: `${live.pkg.header.key.name} (recovered ${id.slice(0, 8)})` });
        live.keyId = o.keyId;
        outputs = o;
      } finally {
        // Whatever happened, the entered shares are gone: a retry means the custodians enter them again.
        dropHeld(live);
        live.pending = { stepId: step.id, attested: new Map() };
      }
      break;
    }
    case 'destroy-temporary': {
      const forgotten = live.pkg ? deps.custody.forget(live.pkg.header.packageId) : 0;
      outputs = { items: [step.what.slice(0, 200), ...(forgotten ? [`${forgotten} share(s) never handed over were forgotten`] : [])] };
      break;
    }
    case 'note':
      if (!input.text) throw new CustosError('E_INPUT', `Step "${step.title}" needs the text of the note.`);
      outputs = { text: input.text, exception: input.exception ?? false };
      break;
  }
  live.state = applyStep(live.state, { stepId: step.id, actor: actor.id, attestedBy: [...attested.keys()], outputs }, v.now());
  live.pending = { stepId: currentStep(live.state)?.id ?? '', attested: new Map() };
  v.record({ actor: actor.id, operation: 'ceremony.step', keyId: keyId(), outcome: 'success', details: { ceremonyId: id, step: step.id, kind: step.kind, attestedBy: [...attested.keys()].join(',') } });
  if (live.state.status === 'completed') {
    v.record({ actor: actor.id, operation: 'ceremony.complete', keyId: keyId(), outcome: 'success', details: { ceremonyId: id, template: live.state.template.id, transcriptHead: live.state.transcript[live.state.transcript.length - 1]!.hash } });
  }
}

export async function noteLive(live: LiveCeremony, input: { person: Person; text: string; exception?: boolean }): Promise<void> {
  const p = await participantAt(live, input.person);
  live.state = addNote(live.state, { actor: p.id, text: input.text, exception: input.exception }, live.vault.now());
}

export async function abortLive(live: LiveCeremony, input: { person: Person; reason: string }, custody: ShareCustody): Promise<void> {
  const p = await participantAt(live, input.person);
  live.state = abort(live.state, { actor: p.id, reason: input.reason }, live.vault.now());
  dropHeld(live);
  // Shares not yet handed over are worthless now; nobody may collect them later.
  if (live.pkg) custody.forget(live.pkg.header.packageId);
  live.vault.record({ actor: p.id, operation: 'ceremony.abort', keyId: live.keyId ?? live.state.keyId, outcome: 'success', details: { ceremonyId: live.state.ceremonyId, reason: input.reason } });
}
