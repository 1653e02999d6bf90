/** Calendar arithmetic for cryptoperiods, in UTC. Durations are parsed once, when a policy is composed. */

export interface Duration {
  years: number;
  months: number;
  days: number;
  /** The text it came from, e.g. "P2Y". */
  text: string;
}

const DURATION = /^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/;

export function parseDuration(text: string): Duration {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`Not a duration: ${text}`);
  return { years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0), text };
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/**
 * `ms` plus a duration: years and months move the calendar date (the day is clamped to the end of
 * a shorter month, so 29 Feb + 1 year is 28 Feb), then days are added; the time of day is kept.
 */
export function addDuration(ms: number, d: Duration): number {
  if (d.years === 0 && d.months === 0) return ms + d.days * 86_400_000;
  const t = new Date(ms);
  const totalMonths = t.getUTCMonth() + d.months + 12 * (t.getUTCFullYear() + d.years);
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(t.getUTCDate(), daysInMonth(year, month));
  const moved = Date.UTC(year, month, day, t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds());
  return moved + d.days * 86_400_000;
}

/** A YYYY-MM-DD day as milliseconds at 00:00 UTC. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** Milliseconds of an ISO 8601 date or null/invalid → NaN. */
export function parseInstant(s: string | null | undefined): number {
  return s ? Date.parse(s) : Number.NaN;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
