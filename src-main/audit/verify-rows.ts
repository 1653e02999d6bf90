import { createHmac } from 'node:crypto';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import { sha256hex, type ChainCheck } from './chain.js';

/** An audit_events row as SELECTed by ROW_SQL, in raw (array) mode. */
export type RawRow = [number, string, string | null, string, string | null, number | null, string, string, string, string, string];
export const ROW_SQL = 'SELECT seq, time, actor, operation, key_id, key_version, outcome, details, prev_hash, hash, mac FROM audit_events';

export interface RangeCheck extends ChainCheck {
  /** prevHash of the first row seen (links the range to the one before it). */
  firstPrev: string | null;
  firstSeq: number;
}

/**
 * The checks of chain.verifyChain() over raw rows, hashing the stored canonical details text as
 * it is (rows from before details were stored canonically fall back to re-encoding). `startPrev`
 * null means "trust the first row's prevHash" — a worker verifying a middle range; the caller
 * then checks that link against the previous range.
 */
/**
 * `macAfter`: MACs are checked for events after this sequence number. Events up to the last signed
 * checkpoint are already covered by the hash chain ending in a signature made with a key derived
 * from the same audit key — rewriting them needs that key either way — so by default only the
 * unsigned tail pays for MACs. Pass 0 to check every MAC.
 */
export function verifyRows(rows: Iterable<RawRow>, startSeq: number, startPrev: string | null, auditKey: Uint8Array, macAfter = 0): RangeCheck {
  const j = JSON.stringify;
  let prev = startPrev;
  let firstPrev: string | null = null;
  let expected = startSeq;
  for (const [seq, time, actor, operation, keyId, keyVersion, outcome, details, prevHash, hash, mac] of rows) {
    const fail = (problem: string): RangeCheck => ({ ok: false, events: expected - startSeq, headHash: prev ?? '', firstBadSeq: expected, problem, firstPrev, firstSeq: startSeq });
    if (seq !== expected) return fail(`expected event ${expected} but found ${seq} (an event was deleted, inserted or moved)`);
    if (prev === null) prev = prevHash;
    if (firstPrev === null) firstPrev = prevHash;
    if (prevHash !== prev) return fail(`event ${seq} does not link to the event before it`);
    const head = `${prev}\n{"actor":${j(actor)},"details":`;
    const tail = `,"keyId":${j(keyId)},"keyVersion":${j(keyVersion)},"operation":${j(operation)},"outcome":${j(outcome)},"seq":${seq},"time":${j(time)}}`;
    let h = sha256hex(head + details + tail);
    if (h !== hash) {
      let canonical: string;
      try {
        canonical = canonicalJson(JSON.parse(details) as Canonical);
      } catch {
        return fail(`event ${seq} was altered (its details are not valid JSON)`);
      }
      h = sha256hex(head + canonical + tail);
      if (h !== hash) return fail(`event ${seq} was altered (its content does not match its hash)`);
    }
    if (seq > macAfter && createHmac('sha256', auditKey).update(h).digest('hex') !== mac) return fail(`event ${seq} has a MAC that does not match the audit key`);
    prev = h;
    expected++;
  }
  return { ok: true, events: expected - startSeq, headHash: prev ?? '', firstBadSeq: null, problem: null, firstPrev, firstSeq: startSeq };
}

/**
 * Joins range results in order: each range must start where the previous one ended (the first
 * from the genesis hash). Returns the first problem by position.
 */
export function joinRanges(ranges: RangeCheck[], genesis: string): ChainCheck {
  let prev = genesis;
  let events = 0;
  for (const r of ranges) {
    if (r.events > 0 || !r.ok) {
      if (r.firstPrev !== null && r.firstPrev !== prev) return { ok: false, events, headHash: prev, firstBadSeq: r.firstSeq, problem: `event ${r.firstSeq} does not link to the event before it` };
    }
    if (!r.ok) return { ok: false, events: events + r.events, headHash: r.headHash, firstBadSeq: r.firstBadSeq, problem: r.problem };
    events += r.events;
    if (r.events > 0) prev = r.headHash;
  }
  return { ok: true, events, headHash: prev, firstBadSeq: null, problem: null };
}
