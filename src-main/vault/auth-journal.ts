import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Failed unlock attempts happen while the vault is locked, when nothing can be written to the
 * encrypted audit log. They are kept here — the user tag (a hash, never the name), the method and
 * the time, nothing secret — and moved into the audit chain at the next successful unlock.
 *
 * The same counters drive the growing delay after repeated failures. Someone who can edit files
 * in the vault folder can reset them; the Argon2id cost of every guess is the protection that does
 * not depend on this file.
 */
export const JOURNAL_FILE = 'auth-failures.json';
export const FREE_ATTEMPTS = 5;
const MAX_DELAY_S = 300;

const journalSchema = z.object({
  failures: z.array(z.object({ tag: z.string(), method: z.string(), time: z.string() })).max(10_000),
  counters: z.record(z.string(), z.object({ count: z.number().int().min(0), last: z.string() })),
});
type Journal = z.infer<typeof journalSchema>;

function path(dir: string): string {
  return join(dir, JOURNAL_FILE);
}

function read(dir: string): Journal {
  if (!existsSync(path(dir))) return { failures: [], counters: {} };
  try {
    return journalSchema.parse(JSON.parse(readFileSync(path(dir), 'utf8')));
  } catch {
    // A damaged journal must not lock everyone out; start counting afresh.
    return { failures: [], counters: {} };
  }
}

function write(dir: string, j: Journal): void {
  const tmp = `${path(dir)}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(j));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path(dir));
}

/** Seconds to wait before another attempt for this tag is evaluated: 0 for the first five failures, then 2, 4, 8 … up to 300. */
export function delayAfter(count: number): number {
  if (count < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_DELAY_S, 2 ** (count - FREE_ATTEMPTS + 1));
}

export function secondsUntilAllowed(dir: string, tag: string, now: Date): number {
  const c = read(dir).counters[tag];
  if (!c) return 0;
  const wait = delayAfter(c.count) - (now.getTime() - Date.parse(c.last)) / 1000;
  return wait > 0 ? Math.ceil(wait) : 0;
}

export function recordFailure(dir: string, tag: string, method: string, now: Date): number {
  const j = read(dir);
  const time = now.toISOString();
  j.failures.push({ tag, method, time });
  if (j.failures.length > 10_000) j.failures.splice(0, j.failures.length - 10_000);
  const c = j.counters[tag] ?? { count: 0, last: time };
  j.counters[tag] = { count: c.count + 1, last: time };
  write(dir, j);
  return c.count + 1;
}

export function recordSuccess(dir: string, tag: string): void {
  const j = read(dir);
  if (!j.counters[tag]) return;
  delete j.counters[tag];
  write(dir, j);
}

/** Hands the pending failures to the audit log and clears them; counters stay until a success. */
export function drainFailures(dir: string): Journal['failures'] {
  const j = read(dir);
  if (j.failures.length === 0) return [];
  const out = j.failures;
  write(dir, { failures: [], counters: j.counters });
  return out;
}
