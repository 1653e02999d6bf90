import { describe, expect, it } from 'vitest';
import { CustosError } from '../errors.js';
import { abort, addNote, applyStep, currentStep, requiredAttestations, startCeremony, type CeremonyState, type StepInput } from './engine.js';
import { hexToPgpWords } from './pgp-words.js';
import { CAST, digest, FINGERPRINT, inputFor, runAll, shippedTemplate, start, tick } from './testing.js';
import { verifyTranscript } from './transcript.js';

const rootCa = shippedTemplate('root-ca-key-generation');

function refused(f: () => unknown, code: string, message: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CustosError);
    expect((e as CustosError).code).toBe(code);
    expect((e as CustosError).message).toMatch(message);
    return;
  }
  throw new Error('expected a refusal');
}

/** Runs up to the step with this id and returns the state and a valid input for it. */
function at(stepId: string, template = rootCa): { s: CeremonyState; input: StepInput } {
  const s = runAll(start(template), stepId);
  return { s, input: inputFor(s, currentStep(s)!) };
}

describe('ceremony engine', () => {
  it('runs a root CA ceremony with an administrator, a witness and 2 of 3 custodians to completion', () => {
    const s = runAll(start(rootCa));
    expect(s.status).toBe('completed');
    expect(s.steps.map((r) => r.stepId)).toEqual(rootCa.steps.map((x) => x.id));
    expect(s.keyId).toBe('k-root-ca');
    expect(s.fingerprint).toBe(FINGERPRINT);
    expect(s.shareDigests).toEqual({ cara: digest('share of cara'), carl: digest('share of carl'), cleo: digest('share of cleo') });
    const ops = s.transcript.map((e) => e.operation);
    expect(ops[0]).toBe('ceremony.start');
    expect(ops.at(-1)).toBe('ceremony.complete');
    expect(ops).toHaveLength(rootCa.steps.length + 2);
    const fp = s.transcript.find((e) => e.operation === 'ceremony.show-fingerprint')!;
    expect(fp.details.pgpWords).toBe(hexToPgpWords(FINGERPRINT).join(' '));
    expect(fp.details.attestedBy).toBe('wes,cara,carl,cleo');
    expect(fp.keyId).toBe('k-root-ca');
    const split = s.transcript.find((e) => e.operation === 'ceremony.split-backup')!;
    expect(split.details).toMatchObject({ scheme: 'slip39', threshold: 2, shares: 3, 'share.carl': digest('share of carl') });
    expect(s.transcript[0]!.details).toMatchObject({ templateId: 'root-ca-key-generation', quorum: '2-of-3', 'participant.wes': 'internal-witness: Wes Witness' });
    expect(verifyTranscript(s)).toMatchObject({ ok: true, events: s.transcript.length });
    // Nothing more after the end.
    refused(() => applyStep(s, { stepId: 'generate', actor: 'ada', attestedBy: ['wes'] }, tick()), 'E_CONFLICT', /already complete/);
  });

  it('runs every shipped template to completion with fake outputs', () => {
    for (const id of ['key-backup', 'key-recovery', 'key-destruction', 'vault-quorum-setup']) {
      const s = runAll(start(shippedTemplate(id)));
      expect(s.status, id).toBe('completed');
      expect(verifyTranscript(s).ok, id).toBe(true);
    }
  });

  it('is pure: applying a step leaves the previous state as it was', () => {
    const a = start(rootCa);
    const copy = JSON.stringify(a);
    const b = applyStep(a, inputFor(a, currentStep(a)!), tick());
    expect(JSON.stringify(a)).toBe(copy);
    expect(b.nextStep).toBe(1);
  });

  it('refuses to skip a step or repeat one', () => {
    const { s } = at('generate');
    refused(() => applyStep(s, { ...inputFor(s, rootCa.steps[4]!), stepId: 'certificate' }, tick()), 'E_CONFLICT', /cannot run yet.*next one is "Generate the root CA key on the token"/);
    refused(() => applyStep(s, { ...inputFor(s, rootCa.steps[1]!) }, tick()), 'E_CONFLICT', /already done/);
    refused(() => applyStep(s, { stepId: 'party', actor: 'ada' }, tick()), 'E_CONFLICT', /has no step party/);
  });

  it('refuses a custodian step with 1 of the 2 custodians it needs', () => {
    const { s, input } = at('fingerprint');
    expect(requiredAttestations(s, currentStep(s)!)).toEqual({ 'internal-witness': 1, 'key-custodian': 2 });
    refused(() => applyStep(s, { ...input, attestedBy: ['wes', 'cara'] }, tick()), 'E_PERMISSION', /needs 2 of 3 key custodians to attest; 1 did \(cara\)/);
    // Two are enough for a quorum step.
    expect(applyStep(s, { ...input, attestedBy: ['wes', 'cara', 'cleo'] }, tick()).nextStep).toBe(s.nextStep + 1);
  });

  it('refuses a step when every custodian must act and one is missing', () => {
    const { s, input } = at('verify-shares');
    refused(() => applyStep(s, { ...input, attestedBy: ['cara', 'carl'], outputs: { shares: [{ custodian: 'cara', digest: digest('share of cara') }, { custodian: 'carl', digest: digest('share of carl') }] } }, tick()), 'E_PERMISSION', /needs 3 of 3 key custodians/);
  });

  it('refuses a step performed or attested by the wrong role, or by a stranger', () => {
    const { s, input } = at('generate');
    refused(() => applyStep(s, { ...input, actor: 'cara' }, tick()), 'E_PERMISSION', /performed by the ceremony administrator; Cara Custodian \(cara\) is a key custodian/);
    refused(() => applyStep(s, { ...input, attestedBy: ['wes', 'carl'] }, tick()), 'E_PERMISSION', /carl\) is a key custodian; step "Generate the root CA key on the token" is attested by: internal witness/);
    refused(() => applyStep(s, { ...input, attestedBy: [] }, tick()), 'E_PERMISSION', /needs 1 of 1 internal witnesses to attest; 0 did/);
    refused(() => applyStep(s, { ...input, actor: 'mallory' }, tick()), 'E_PERMISSION', /mallory is not a participant/);
    refused(() => applyStep(s, { ...input, attestedBy: ['wes', 'wes'] }, tick()), 'E_INPUT', /twice/);
  });

  it('needs every participant of the listed roles to authenticate, custodians included', () => {
    const { s, input } = at('authenticate');
    refused(() => applyStep(s, { ...input, attestedBy: ['ada', 'wes', 'cara', 'carl'] }, tick()), 'E_PERMISSION', /needs 3 of 3 key custodians/);
  });

  it('checks outputs: strict shapes, no secrets, and consistency with earlier steps', () => {
    const g = at('generate');
    refused(() => applyStep(g.s, { ...g.input, outputs: { keyId: 'k', fingerprint: FINGERPRINT, privateKey: 'AAAA' } }, tick()), 'E_INPUT', /not valid/);
    refused(() => applyStep(g.s, { ...g.input, outputs: { keyId: 'k', fingerprint: 'xyz' } }, tick()), 'E_INPUT', /fingerprint/);
    const f = at('fingerprint');
    refused(() => applyStep(f.s, { ...f.input, outputs: { fingerprint: digest('another key') } }, tick()), 'E_CONFLICT', /not the one recorded earlier/);
    const sp = at('split');
    refused(() => applyStep(sp.s, { ...sp.input, outputs: { packageSha256: digest('p'), shares: [{ custodian: 'cara', digest: digest('a') }, { custodian: 'carl', digest: digest('b') }] } }, tick()), 'E_INPUT', /3 shares; 2 were reported/);
    refused(() => applyStep(sp.s, { ...sp.input, outputs: { packageSha256: digest('p'), shares: ['cara', 'carl', 'wes'].map((c) => ({ custodian: c, digest: digest(c) })) } }, tick()), 'E_INPUT', /wes is not a key custodian/);
    const v = at('verify-shares');
    const foreign = { shares: ['cara', 'carl', 'cleo'].map((c) => ({ custodian: c, digest: digest(c === 'carl' ? 'a foreign share' : `share of ${c}`) })) };
    refused(() => applyStep(v.s, { ...v.input, outputs: foreign }, tick()), 'E_CONFLICT', /carl verified .* not the share split to them/);
  });

  it('checks the cast at the start', () => {
    const opts = { ceremonyId: 'cer-2', startedBy: 'ada', now: tick() };
    refused(() => startCeremony(rootCa, CAST.filter((p) => p.id !== 'cleo'), opts), 'E_PERMISSION', /splits a backup to 3 key custodians; 2 listed/);
    refused(() => startCeremony(rootCa, CAST.filter((p) => p.role !== 'internal-witness'), opts), 'E_PERMISSION', /at least 1 internal witness/);
    refused(() => startCeremony(rootCa, CAST, { ...opts, startedBy: 'wes' }), 'E_PERMISSION', /Only a ceremony administrator/);
    refused(() => startCeremony(rootCa, [...CAST, { ...CAST[1]!, role: 'auditor' }], opts), 'E_INPUT', /listed twice/);
    // A recovery needs only a quorum of the custodians present.
    const recovery = shippedTemplate('key-recovery');
    const two = CAST.filter((p) => p.id !== 'cleo');
    const r = runAll(startCeremony(recovery, two, opts));
    expect(r.status).toBe('completed');
    refused(() => startCeremony(recovery, CAST.filter((p) => p.role !== 'key-custodian' || p.id === 'cara'), opts), 'E_PERMISSION', /needs 2 to 3 key custodians/);
  });

  it('aborts with the reason recorded, and nothing runs afterwards', () => {
    const { s, input } = at('split');
    refused(() => abort(s, { actor: 'cara', reason: 'tired' }, tick()), 'E_PERMISSION', /Only the ceremony administrator or an internal witness/);
    refused(() => abort(s, { actor: 'wes', reason: '  ' }, tick()), 'E_INPUT', /reason/);
    const a = abort(s, { actor: 'wes', reason: 'The tamper-evident bag of the token was already open.' }, tick());
    expect(a.status).toBe('aborted');
    expect(a.abortReason).toBe('The tamper-evident bag of the token was already open.');
    const last = a.transcript.at(-1)!;
    expect(last).toMatchObject({ operation: 'ceremony.abort', actor: 'wes', details: { reason: 'The tamper-evident bag of the token was already open.', atStep: 'split', stepsDone: 5 } });
    expect(verifyTranscript(a).ok).toBe(true);
    refused(() => applyStep(a, input, tick()), 'E_CONFLICT', /was aborted \(The tamper-evident bag/);
    refused(() => abort(a, { actor: 'ada', reason: 'again' }, tick()), 'E_CONFLICT', /aborted/);
  });

  it('takes witness notes and exceptions at any moment without advancing', () => {
    const { s } = at('certificate');
    const n = addNote(s, { actor: 'wes', text: 'The fire alarm rang; everyone stayed in the room.', exception: true }, tick());
    expect(n.nextStep).toBe(s.nextStep);
    expect(n.transcript.at(-1)).toMatchObject({ operation: 'ceremony.exception', actor: 'wes', details: { atStep: 'certificate', role: 'internal-witness' } });
    refused(() => addNote(s, { actor: 'eve', text: 'hi' }, tick()), 'E_PERMISSION', /not a participant/);
    expect(runAll(n).status).toBe('completed');
  });

  it('records a recovery only with the quorum of shares, a witness approving, and a matching fingerprint', () => {
    const recovery = shippedTemplate('key-recovery');
    const s = runAll(start(recovery, CAST.filter((p) => p.id !== 'cleo')), 'restore');
    const input = inputFor(s, currentStep(s)!);
    const o = input.outputs as Record<string, unknown>;
    refused(() => applyStep(s, { ...input, attestedBy: ['wes', 'cara'] }, tick()), 'E_PERMISSION', /needs 2 of 2 key custodians/);
    refused(() => applyStep(s, { ...input, outputs: { ...o, approvedBy: ['ada'] } }, tick()), 'E_PERMISSION', /filed the recovery request and cannot approve/);
    refused(() => applyStep(s, { ...input, outputs: { ...o, approvedBy: ['cara'] } }, tick()), 'E_PERMISSION', /not an internal witness/);
    refused(() => applyStep(s, { ...input, outputs: { ...o, fingerprint: digest('another key') } }, tick()), 'E_CONFLICT', /not the one in the backup package/);
    refused(() => applyStep(s, { ...input, outputs: { ...o, kek: 'secret' } }, tick()), 'E_INPUT', /not valid/);
    const r = applyStep(s, input, tick());
    expect(r.fingerprint).toBe(FINGERPRINT);
    expect(r.transcript.at(-1)).toMatchObject({ operation: 'ceremony.recover-backup', details: { fingerprintMatches: true, approvedBy: 'wes', requestedBy: 'ada', 'share.cara': digest('share of cara') } });
    expect(runAll(r).status).toBe('completed');
  });

  it('refuses a clock that goes backwards', () => {
    const s = start(rootCa);
    refused(() => applyStep(s, inputFor(s, currentStep(s)!), new Date('2000-01-01T00:00:00Z')), 'E_INPUT', /before the previous transcript entry/);
  });
});
