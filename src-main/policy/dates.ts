/**
 * Calendar arithmetic for cryptoperiods, in UTC, on millisecond timestamps. Durations are parsed
 * once, when a policy is composed. Evaluation of a large inventory formats and moves dates for
 * every finding, so this works on integers (days-from-civil and its inverse, H. Hinnant's
 * algorithms) rather than allocating Date objects.
 */

export interface Duration {
  years: number;
  months: number;
  days: number;
  /** The text it came from, e.g. "P2Y". */
  text: string;
}

const DURATION = /^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/;
const DAY = 86_400_000;

export function parseDuration(text: string): Duration {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`Not a duration: ${text}`);
  return { years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0), text };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month 1–12, day] of a count of days since 1970-01-01. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, m: number): number {
  if (m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)) return 29;
  return MONTH_DAYS[m - 1] ?? 31;
}

/**
 * `ms` plus a duration: years and months move the calendar date (the day is clamped to the end of
 * a shorter month, so 29 Feb + 1 year is 28 Feb), then days are added; the time of day is kept.
 */
export function addDuration(ms: number, d: Duration): number {
  if (d.years === 0 && d.months === 0) return ms + d.days * DAY;
  const days = Math.floor(ms / DAY);
  const timeOfDay = ms - days * DAY;
  const [y, m, day] = civilFromDays(days);
  const total = y * 12 + (m - 1) + d.years * 12 + d.months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return (daysFromCivil(ny, nm, Math.min(day, daysInMonth(ny, nm))) + d.days) * DAY + timeOfDay;
}

/** A YYYY-MM-DD day as milliseconds at 00:00 UTC. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** Milliseconds of an ISO 8601 date, or NaN for null and anything unparsable. */
export function parseInstant(s: string | null | undefined): number {
  return s ? Date.parse(s) : Number.NaN;
}

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

function pad4(y: number): string {
  if (y >= 1000 && y <= 9999) return `${y}`;
  return new Date(Date.UTC(y, 0, 1)).toISOString().slice(0, -20);
}

/** YYYY-MM-DD (UTC) of a timestamp. */
export function dayOf(ms: number): string {
  const [y, m, d] = civilFromDays(Math.floor(ms / DAY));
  return `${pad4(y)}-${TWO[m]}-${TWO[d]}`;
}

/** The same string as `new Date(ms).toISOString()`, without the Date. */
export function isoOf(ms: number): string {
  const days = Math.floor(ms / DAY);
  let t = ms - days * DAY;
  const h = Math.floor(t / 3_600_000);
  t -= h * 3_600_000;
  const mi = Math.floor(t / 60_000);
  t -= mi * 60_000;
  const s = Math.floor(t / 1000);
  const milli = t - s * 1000;
  return `${dayOf(ms)}T${TWO[h]}:${TWO[mi]}:${TWO[s]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
