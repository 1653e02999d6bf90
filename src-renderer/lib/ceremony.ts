import type { CeremonyRoleName, CeremonyStepInfo, CeremonyTemplateInfo, CeremonyView } from '../../src-shared/contract-ceremonies';

/**
 * Pure helpers of the ceremony wizard: the cast a template needs, who may still attest the next
 * step, whether it can be performed, and how shares and fingerprints are laid out for reading
 * aloud. The core decides; this only decides what the console shows.
 */

export const CEREMONY_ROLE_LABEL: Record<CeremonyRoleName, string> = {
  'ceremony-administrator': 'Ceremony administrator',
  'internal-witness': 'Internal witness',
  'key-custodian': 'Key custodian',
  auditor: 'Auditor',
};

const plural: Record<CeremonyRoleName, string> = {
  'ceremony-administrator': 'ceremony administrators',
  'internal-witness': 'internal witnesses',
  'key-custodian': 'key custodians',
  auditor: 'auditors',
};

export interface CastSlot {
  role: CeremonyRoleName;
  /** 1-based number of this slot within its role. */
  n: number;
  required: boolean;
}

/** The seats of a template's cast, in the order the start form asks for them. */
export function castSlots(t: CeremonyTemplateInfo): CastSlot[] {
  const splits = t.steps.some((s) => s.kind === 'split-backup');
  const slots: CastSlot[] = [];
  const add = (role: CeremonyRoleName, required: number, total = required) => {
    for (let i = 1; i <= total; i++) slots.push({ role, n: i, required: i <= required });
  };
  add('ceremony-administrator', Math.max(1, t.roles.administrators));
  add('internal-witness', t.roles.witnesses);
  add('key-custodian', splits ? t.roles.custodianCount : t.roles.custodianThreshold, t.roles.custodianCount);
  add('auditor', t.roles.auditors);
  return slots;
}

/** Why a chosen cast cannot start (null when it can): every required seat filled, nobody twice. */
export function castProblem(slots: CastSlot[], chosen: Array<string | null>): string | null {
  const missing = slots.findIndex((s, i) => s.required && !chosen[i]);
  if (missing >= 0) return `Choose the ${CEREMONY_ROLE_LABEL[slots[missing]!.role].toLowerCase()} (${slots[missing]!.n}).`;
  const names = chosen.filter((c): c is string => !!c).map((c) => c.toLowerCase());
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) return `${twice} is chosen twice; each person takes one role in a ceremony.`;
  return null;
}

/** Whether a template needs an existing key named at the start (a backup or a destruction). */
export function needsKey(t: CeremonyTemplateInfo): boolean {
  return !t.steps.some((s) => s.kind === 'generate-key') && t.steps.some((s) => s.kind === 'split-backup');
}

export interface AttestationRow {
  id: string;
  name: string;
  role: CeremonyRoleName;
  attested: boolean;
}

export interface StepProgress {
  step: CeremonyStepInfo;
  index: number;
  actor: { id: string; name: string; role: CeremonyRoleName } | null;
  /** Everyone whose role attests the step, and whether they have. */
  rows: AttestationRow[];
  /** Per role still short: "needs 1 more key custodian". */
  missing: string[];
  ready: boolean;
}

/** Where the next step stands. Null when the ceremony is over. */
export function stepProgress(v: CeremonyView): StepProgress | null {
  if (!v.pending) return null;
  const index = v.template.steps.findIndex((s) => s.id === v.pending!.stepId);
  const step = v.template.steps[index]!;
  const attested = new Set(v.pending.attested);
  const rows = v.participants.filter((p) => step.attestedBy.includes(p.role)).map((p) => ({ ...p, attested: attested.has(p.id) }));
  const missing: string[] = [];
  for (const [role, need] of Object.entries(v.pending.needs) as Array<[CeremonyRoleName, number]>) {
    const got = rows.filter((r) => r.role === role && r.attested).length;
    if (got < need) missing.push(`${need - got} more ${need - got === 1 ? CEREMONY_ROLE_LABEL[role].toLowerCase() : plural[role]}`);
  }
  const actor = v.participants.find((p) => p.id === v.pending!.actor) ?? null;
  return { step, index, actor, rows, missing, ready: missing.length === 0 };
}

/** A mnemonic laid out as numbered words, for writing down or reading back. */
export function numberedWords(share: string): Array<{ n: number; word: string }> {
  return share.trim().split(/\s+/).filter(Boolean).map((word, i) => ({ n: i + 1, word }));
}

/** Hex in groups of four, for a component or a fingerprint read aloud. */
export function groupHex(hex: string, size = 4): string {
  const clean = hex.replace(/[\s:]/g, '');
  const out: string[] = [];
  for (let i = 0; i < clean.length; i += size) out.push(clean.slice(i, i + size));
  return out.join(' ');
}

/** Normalises what a custodian typed: words separated by single spaces, lower case. */
export function normaliseMnemonic(text: string): string {
  return text.trim().toLowerCase().split(/\s+/).filter(Boolean).join(' ');
}

/** A short line for a transcript entry in the table. */
export function transcriptSummary(e: CeremonyView['transcript'][number]): string {
  const d = e.details;
  if (e.operation === 'ceremony.start') return `${String(d.title ?? '')} (quorum ${String(d.quorum ?? '')})`;
  if (e.operation === 'ceremony.abort') return `Aborted: ${String(d.reason ?? '')}`;
  if (e.operation === 'ceremony.complete') return `Complete after ${String(d.steps ?? '')} steps`;
  if (e.operation === 'ceremony.note' || e.operation === 'ceremony.exception') return String(d.text ?? '');
  const title = String(d.title ?? '');
  const by = d.attestedBy ? ` — attested by ${String(d.attestedBy).split(',').join(', ')}` : '';
  return `${title}${by}`;
}

/** The share input a step or form expects for a backup scheme. */
export function shareKind(scheme: 'slip39' | 'xor' | 'files'): 'mnemonic' | 'component' | 'file' {
  return scheme === 'slip39' ? 'mnemonic' : scheme === 'xor' ? 'component' : 'file';
}
