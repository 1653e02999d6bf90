import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyStep, startCeremony, type CeremonyState, type Participant, type StepInput } from './engine.js';
import { loadTemplateFile, type CeremonyStep, type CeremonyTemplate } from './template.js';

/** Test helpers: the shipped templates, a cast of participants, and fake step outputs. */
export const CEREMONIES_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../../resources/ceremonies');

export function shippedTemplate(id: string): CeremonyTemplate {
  return loadTemplateFile(join(CEREMONIES_DIR, `${id}.json`));
}

export const CAST: Participant[] = [
  { id: 'ada', name: 'Ada Admin', role: 'ceremony-administrator' },
  { id: 'wes', name: 'Wes Witness', role: 'internal-witness' },
  { id: 'cara', name: 'Cara Custodian', role: 'key-custodian' },
  { id: 'carl', name: 'Carl Custodian', role: 'key-custodian' },
  { id: 'cleo', name: 'Cleo Custodian', role: 'key-custodian' },
  { id: 'aude', name: 'Aude Auditor', role: 'auditor' },
];

export const digest = (s: string) => createHash('sha256').update(s).digest('hex');
export const FINGERPRINT = digest('the root CA public key');

let clock = Date.parse('2026-11-28T09:00:00Z');
export const tick = () => new Date((clock += 60_000));

export function start(template: CeremonyTemplate, cast = CAST): CeremonyState {
  return startCeremony(template, cast, { ceremonyId: 'cer-0001', startedBy: 'ada', now: tick() });
}

/** A well-formed input for the next step: the right actor, every eligible attestor, fake outputs. */
export function inputFor(state: CeremonyState, step: CeremonyStep): StepInput {
  const actor = state.participants.find((p) => p.role === step.performedBy)!.id;
  const attestedBy = state.participants.filter((p) => step.attestedBy.includes(p.role)).map((p) => p.id);
  const custodians = state.participants.filter((p) => p.role === 'key-custodian').map((p) => p.id);
  const shares = custodians.map((c) => ({ custodian: c, digest: digest(`share of ${c}`) }));
  const outputs: Record<CeremonyStep['kind'], unknown> = {
    checklist: {},
    authenticate: { methods: Object.fromEntries(attestedBy.map((id) => [id, 'passphrase'])) },
    'generate-key': { keyId: 'k-root-ca', fingerprint: FINGERPRINT, tokenSerial: '0123456789abcdef' },
    'show-fingerprint': { fingerprint: FINGERPRINT },
    certificate: { sha256: digest('root certificate DER'), subject: 'CN=Custos Root CA', serial: '01' },
    'split-backup': { packageSha256: digest('backup package'), shares },
    'verify-shares': { shares: shares.filter((s) => attestedBy.includes(s.custodian)) },
    'recover-backup': {
      packageId: digest('backup package').slice(0, 32), packageFingerprint: FINGERPRINT, fingerprint: FINGERPRINT, keyId: 'k-restored', target: 'token', tokenSerial: 'fedcba9876543210',
      shares: shares.filter((s) => attestedBy.includes(s.custodian)), requestId: digest('request').slice(0, 32), requestedBy: 'ada', approvedBy: attestedBy.filter((id) => state.participants.find((p) => p.id === id)?.role === 'internal-witness'),
    },
    'destroy-temporary': { items: ['scratch files'] },
    note: { text: 'The ceremony followed the script.' },
  };
  return { stepId: step.id, actor, attestedBy, outputs: outputs[step.kind] };
}

/** Runs the ceremony to its end (or to `until`, a step id not applied). */
export function runAll(state: CeremonyState, until?: string): CeremonyState {
  let s = state;
  while (s.status === 'running') {
    const step = s.template.steps[s.nextStep]!;
    if (step.id === until) break;
    s = applyStep(s, inputFor(s, step), tick());
  }
  return s;
}
