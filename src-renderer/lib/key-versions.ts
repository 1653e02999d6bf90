import type { ChannelOutput } from '../../src-shared/contract';
import type { KeyState } from '../../src-shared/keys';
import { nextState } from '../../src-shared/state-machine';
import { stateLabel } from './format';

/*
 * Versions, their SP 800-57 dates as a timeline, and what the key's state allows for rotation,
 * destruction and scheduling — pure, for the key page. The core checks everything again.
 */

export type KeyVersion = ChannelOutput<'keys.versions'>[number];

/** What a stretch of a version's life is, for the chart's colours and legend. */
export type Phase = 'pre-active' | 'active' | 'suspended' | 'process-only' | 'compromised';

export const PHASE_LABELS: Record<Phase, string> = {
  'pre-active': 'Pre-active',
  active: 'Active (protect and process)',
  suspended: 'Suspended (process only)',
  'process-only': 'Deactivated (process only, until process-stop)',
  compromised: 'Compromised',
};

/** Mantine colour names, matching the state badges. */
export const PHASE_COLORS: Record<Phase, string> = {
  'pre-active': 'blue',
  active: 'green',
  suspended: 'yellow',
  'process-only': 'gray',
  compromised: 'red',
};

export interface Segment {
  phase: Phase;
  from: number;
  /** Null: still going on (drawn to the end of the chart). */
  to: number | null;
}

const ms = (iso: string | null): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

const earliest = (...xs: (number | null)[]): number | null => {
  const present = xs.filter((x): x is number => x !== null);
  return present.length ? Math.min(...present) : null;
};

/**
 * The stretches of one version's life from its dates: pre-active from generation to activation,
 * active until deactivation (or compromise, or destruction), process-only from deactivation to
 * the process-stop date, compromised from the compromise date. A destruction ends everything.
 * Open stretches (`to: null`) are the ones the version is in now. `plannedDeactivation` is the
 * current version's scheduled deactivation (KeyDetail.deactivationAt): the active stretch ends
 * there and process-only follows.
 */
export function versionSegments(v: KeyVersion, now: number, plannedDeactivation: string | null = null): Segment[] {
  const gen = ms(v.generatedAt) ?? now;
  const act = ms(v.activationAt);
  // A deactivation (protect-stop) date still ahead of a live version ends its active stretch there.
  const planned = ms(plannedDeactivation);
  const deact = ms(v.deactivatedAt) ?? (planned !== null && planned > now && (v.state === 'active' || v.state === 'suspended') ? planned : null);
  const comp = ms(v.compromisedAt);
  const destroyed = ms(v.destroyedAt);
  const stop = ms(v.processStopAt);
  const out: Segment[] = [];
  const push = (phase: Phase, from: number, to: number | null) => {
    const end = to === null ? destroyed : earliest(to, destroyed);
    if (end !== null && end < from) return;
    out.push({ phase, from, to: end });
  };

  // A future activation date on a pre-active version is a plan, not history: pre-active runs on.
  const activated = act !== null && (v.state !== 'pre-active' || act <= now) ? act : null;
  if (activated === null) {
    push('pre-active', gen, earliest(comp, deact));
  } else {
    if (activated > gen) push('pre-active', gen, activated);
    const activeEnd = earliest(deact, comp);
    push(v.state === 'suspended' && activeEnd === null ? 'suspended' : 'active', activated, activeEnd);
  }
  if (deact !== null && (comp === null || comp > deact)) {
    // Process-only runs to the process-stop date (or a compromise); past it the version does nothing.
    push('process-only', deact, earliest(stop, comp));
  }
  if (comp !== null) push('compromised', comp, null);
  return out;
}

/** How many stacked stretches one chart row can hold (pre-active, active, process-only, compromised). */
export const MAX_SEGMENTS = 4;

export interface TimelineRow {
  /** "v2" */
  label: string;
  version: number;
  state: KeyState;
  /** Empty space from the start of the chart to the first stretch (drawn invisible). */
  offset: number;
  /** Durations of the stretches, `s0`…`s3` (0 when absent). */
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  phases: (Phase | null)[];
  segments: Segment[];
  /** True when the last stretch goes on past now (drawn to the end of the chart). */
  open: boolean;
  dates: KeyVersion;
}

export interface Timeline {
  start: number;
  end: number;
  now: number;
  rows: TimelineRow[];
}

/**
 * The chart: one row per version (newest first), the time axis from the first generation to a
 * little after the last date or now, open stretches drawn to its end. Values are milliseconds
 * from `start` (recharts stacks durations).
 */
export function timeline(versions: readonly KeyVersion[], now: number, plan: { version: number; deactivationAt: string | null } | null = null): Timeline {
  const all = versions.map((v) => ({ v, segments: versionSegments(v, now, plan && plan.version === v.version ? plan.deactivationAt : null) }));
  const starts = all.flatMap((x) => x.segments.map((s) => s.from));
  const ends = all.flatMap((x) => x.segments.map((s) => s.to ?? s.from));
  const dates = [...versions.flatMap((v) => [v.processStopAt, v.destroyedAt, v.activationAt]), plan?.deactivationAt ?? null].map(ms).filter((x): x is number => x !== null);
  const start = starts.length ? Math.min(...starts) : now;
  const last = Math.max(now, ...ends, ...dates);
  // Room after the last date so a stretch going on past it is visibly open; at least a day.
  const end = last + Math.max(86_400_000, (last - start) * 0.08);
  const rows = all
    .map(({ v, segments }) => {
      const durations = segments.map((s) => (s.to ?? end) - s.from);
      const first = segments[0]?.from ?? start;
      return {
        label: `v${v.version}`,
        version: v.version,
        state: v.state,
        offset: first - start,
        s0: durations[0] ?? 0,
        s1: durations[1] ?? 0,
        s2: durations[2] ?? 0,
        s3: durations[3] ?? 0,
        phases: Array.from({ length: MAX_SEGMENTS }, (_, i) => segments[i]?.phase ?? null),
        segments,
        open: segments.length > 0 && segments[segments.length - 1]!.to === null,
        dates: v,
      };
    })
    .sort((a, b) => b.version - a.version);
  return { start, end, now, rows };
}

/** Axis ticks as calendar dates (UTC). */
export function tickDate(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** The SP 800-57 dates of a version that are set, in order, with their names. */
export function versionDates(v: KeyVersion): { label: string; at: string }[] {
  const rows: [string, string | null][] = [
    ['Generated', v.generatedAt],
    ['Activation', v.activationAt],
    ['Deactivation', v.deactivatedAt],
    ['Process-stop', v.processStopAt],
    ['Compromise', v.compromisedAt],
    ['Destruction', v.destroyedAt],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null).map(([label, at]) => ({ label, at }));
}

/* ---- What the state allows ---- */

/** KeyService.rotate: only an active or suspended key rotates (its current version must be live). */
export function rotateBlocked(state: KeyState): string | null {
  if (state === 'active' || state === 'suspended') return null;
  return `Only an active or suspended key can be rotated; this key is ${stateLabel(state).toLowerCase()}.`;
}

export function destroyBlocked(state: KeyState, destroyAt: string | null): string | null {
  if (destroyAt) return 'The destruction is already scheduled; cancel it first to change it.';
  if (nextState(state, 'destroy') !== null) return null;
  if (state === 'destroyed' || state === 'destroyed-compromised') return 'This key has been destroyed.';
  const label = stateLabel(state).toLowerCase();
  return `${/^[aeiou]/.test(label) ? 'An' : 'A'} ${label} key cannot be destroyed; deactivate or revoke it first.`;
}

/** Cancelling is possible until the waiting period ends. */
export function cancelBlocked(destroyAt: string | null, now: number): string | null {
  if (!destroyAt) return 'No destruction is scheduled.';
  const at = ms(destroyAt);
  if (at !== null && at <= now) return 'The waiting period is over; the destruction can no longer be cancelled.';
  return null;
}

export function scheduleBlocked(state: KeyState): string | null {
  if (state === 'destroyed' || state === 'destroyed-compromised') return 'This key has been destroyed.';
  return null;
}

export function deactivationBlocked(state: KeyState): string | null {
  if (state === 'pre-active' || state === 'active' || state === 'suspended') return null;
  return `Only a pre-active, active or suspended key gets a deactivation date; this key is ${stateLabel(state).toLowerCase()}.`;
}

export function activationBlocked(state: KeyState): string | null {
  if (state === 'pre-active') return null;
  return `Only a pre-active key gets an activation date; this key is ${stateLabel(state).toLowerCase()}.`;
}

/** Whole days in [min, max], or the message saying why not. */
export function checkWholeDays(value: number | string, min: number, max: number, what: string): { ok: true; days: number } | { ok: false; error: string } {
  const n = typeof value === 'number' ? value : Number(value);
  if (value === '' || !Number.isInteger(n) || n < min || n > max) return { ok: false, error: `${what} is a whole number of days from ${min} to ${max}.` };
  return { ok: true, days: n };
}

/** A usage limit: empty for none, otherwise a whole number of operations ≥ 1 (and ≥ uses so far). */
export function checkMaxUses(value: number | string, useCount: number): { ok: true; maxUses: number | null } | { ok: false; error: string } {
  if (value === '' || value === null) return { ok: true, maxUses: null };
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1) return { ok: false, error: 'A usage limit is a whole number of operations, at least 1 (empty for no limit).' };
  if (n < useCount) return { ok: false, error: `The key has already been used ${useCount} times; a lower limit would stop it at once. Rotate it instead.` };
  return { ok: true, maxUses: n };
}

/** The purposes the policy engine knows (src-main/policy/README.md), with what they mean. */
export const PURPOSES = [
  { value: 'tls-server', label: 'TLS server' },
  { value: 'tls-client', label: 'TLS client' },
  { value: 'code-signing', label: 'Code signing' },
  { value: 'document-signing', label: 'Document signing' },
  { value: 'ca-root', label: 'Root CA' },
  { value: 'ca-intermediate', label: 'Intermediate CA' },
  { value: 'data-encryption', label: 'Data encryption' },
  { value: 'key-wrapping', label: 'Key wrapping' },
  { value: 'device-identity', label: 'Device identity' },
  { value: 'ssh', label: 'SSH' },
  { value: 'general', label: 'General' },
] as const;

export function purposeLabel(purpose: string | null | undefined): string {
  if (!purpose) return 'General (none set)';
  const p = PURPOSES.find((x) => x.value === purpose);
  return p ? `${p.label} (${p.value})` : purpose;
}
