import { describe, expect, it } from 'vitest';
import type { CeremonyTemplateInfo, CeremonyView } from '../../src-shared/contract-ceremonies';
import { castProblem, castSlots, groupHex, needsKey, normaliseMnemonic, numberedWords, stepProgress, transcriptSummary } from './ceremony';

const template: CeremonyTemplateInfo = {
  id: 'root-ca-key-generation',
  version: 1,
  title: 'Root CA key generation',
  description: null,
  roles: { administrators: 1, witnesses: 1, auditors: 0, custodianThreshold: 2, custodianCount: 3 },
  needsToken: true,
  needsPackage: false,
  steps: [
    { id: 'fingerprint', title: 'Read the fingerprint', kind: 'show-fingerprint', description: null, text: null, performedBy: 'ceremony-administrator', attestedBy: ['internal-witness', 'key-custodian'], custodians: 'quorum', params: {} },
    { id: 'split', title: 'Split', kind: 'split-backup', description: null, text: null, performedBy: 'ceremony-administrator', attestedBy: ['internal-witness'], custodians: 'quorum', params: { scheme: 'slip39' } },
  ],
};

const view = (attested: string[]): CeremonyView => ({
  ceremonyId: 'a'.repeat(32),
  template,
  status: 'running',
  abortReason: null,
  participants: [
    { id: 'alice', name: 'Alice', role: 'ceremony-administrator' },
    { id: 'bob', name: 'Bob', role: 'internal-witness' },
    { id: 'carol', name: 'Carol', role: 'key-custodian' },
    { id: 'dave', name: 'Dave', role: 'key-custodian' },
    { id: 'erin', name: 'Erin', role: 'key-custodian' },
  ],
  nextStep: 0,
  pending: { stepId: 'fingerprint', actor: 'alice', attested, needs: { 'internal-witness': 1, 'key-custodian': 2 } },
  tokenSerial: null,
  keyId: null,
  fingerprint: null,
  pgpWords: null,
  certificate: null,
  backup: null,
  transcript: [],
});

describe('the ceremony wizard model', () => {
  it('seats every custodian of a split, and refuses a cast with an empty seat or a person twice', () => {
    const slots = castSlots(template);
    expect(slots.map((s) => `${s.role}:${s.n}:${s.required}`)).toEqual(['ceremony-administrator:1:true', 'internal-witness:1:true', 'key-custodian:1:true', 'key-custodian:2:true', 'key-custodian:3:true']);
    expect(castProblem(slots, ['alice', 'bob', 'carol', null, 'erin'])).toMatch(/key custodian \(2\)/);
    expect(castProblem(slots, ['alice', 'bob', 'carol', 'Alice', 'erin'])).toMatch(/alice is chosen twice/);
    expect(castProblem(slots, ['alice', 'bob', 'carol', 'dave', 'erin'])).toBeNull();
    // It splits a backup of a key it does not generate: the key is chosen at the start.
    expect(needsKey(template)).toBe(true);
  });

  it('says who still has to attest the next step before it can be performed', () => {
    const p = stepProgress(view(['bob', 'carol']))!;
    expect(p.actor?.id).toBe('alice');
    expect(p.rows.filter((r) => r.attested).map((r) => r.id)).toEqual(['bob', 'carol']);
    expect(p.missing).toEqual(['1 more key custodian']);
    expect(p.ready).toBe(false);
    expect(stepProgress(view(['bob', 'carol', 'erin']))!.ready).toBe(true);
    expect(stepProgress({ ...view([]), pending: null })).toBeNull();
  });

  it('lays shares and fingerprints out for reading aloud', () => {
    expect(numberedWords(' academic  acid\nacne ')).toEqual([{ n: 1, word: 'academic' }, { n: 2, word: 'acid' }, { n: 3, word: 'acne' }]);
    expect(normaliseMnemonic('  Academic   ACID\tacne ')).toBe('academic acid acne');
    expect(groupHex('00112233445566778')).toBe('0011 2233 4455 6677 8');
    expect(transcriptSummary({ seq: 2, time: '', actor: 'alice', operation: 'ceremony.checklist', details: { title: 'Room', attestedBy: 'alice,bob' }, hash: '' })).toBe('Room — attested by alice, bob');
  });
});
