import { oneShotHash } from '../crypto/one-shot-hash.js';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import type { AuditOutcome } from '../../src-shared/audit.js';

/**
 * The audit hash chain, as pure functions so the vault and an offline verifier share one
 * definition. hash_n = SHA-256(hash_{n-1} || "\n" || canonical(body_n)); the first event chains
 * from a genesis value bound to the vault id. Each hash is also MACed under the audit key, which
 * catches a rewrite of the whole chain by someone without the key.
 */
export type AuditDetails = Record<string, string | number | boolean | null>;

export interface AuditBody {
  seq: number;
  time: string;
  actor: string | null;
  operation: string;
  keyId: string | null;
  keyVersion: number | null;
  outcome: AuditOutcome;
  details: AuditDetails;
}

export interface ChainedEvent extends AuditBody {
  prevHash: string;
  hash: string;
  mac: string;
}

export function genesisHash(vaultId: string): string {
  return createHash('sha256').update(`custos/v1/audit-genesis|${vaultId}`).digest('hex');
}

/**
 * canonicalJson(body) for the fixed shape of an audit body, written out by hand: verifying a
 * million-event chain spends most of its time here. Same bytes as the generic encoder (tested).
 */
export function encodeBody(b: AuditBody): string {
  return encodeBodyWith(b, encodeDetails(b.details));
}

function isSortedFlat(d: AuditDetails, keys: string[]): boolean {
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
    const v = d[keys[i]!];
    if (typeof v === 'number' ? !Number.isFinite(v) : v !== null && typeof v !== 'string' && typeof v !== 'boolean') return false;
  }
  return true;
}

/** canonicalJson(details), by hand; also the text stored in the details column. */
export function encodeDetails(d: AuditDetails): string {
  const j = JSON.stringify;
  const keys = Object.keys(d);
  // Keys already in order and plain values (text, finite numbers, booleans, null): JSON.stringify
  // writes exactly these bytes in one call. Usage records build their details in this order.
  if (isSortedFlat(d, keys)) return j(d);
  keys.sort();
  let details = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = d[k];
    if (v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('Canonical JSON has no NaN or Infinity.');
    details += (details.length > 1 ? ',' : '') + j(k) + ':' + j(v);
  }
  return details + '}';
}

/** The body's canonical JSON around details already encoded (appendMany encodes them once for the hash and the row). */
export function encodeBodyWith(b: Omit<AuditBody, 'details'>, details: string): string {
  const j = JSON.stringify;
  return bodyJson({ actor: j(b.actor), details, keyId: j(b.keyId), keyVersion: j(b.keyVersion), operation: j(b.operation), outcome: j(b.outcome), seq: j(b.seq), time: j(b.time) });
}

/** Every field of a body already in JSON: the one place the body's canonical layout is written. */
export type BodyJson = { [K in keyof AuditBody]: string };

export function bodyJson(e: BodyJson): string {
  return `{"actor":${e.actor},"details":${e.details},"keyId":${e.keyId},"keyVersion":${e.keyVersion},"operation":${e.operation},"outcome":${e.outcome},"seq":${e.seq},"time":${e.time}}`;
}

/**
 * JSON.stringify of a value, remembering the last one: the events of a group commit share their
 * actor, key, operation and outcome, so each is encoded once per run instead of once per event.
 */
export class JsonOfLast {
  private last: unknown = Symbol('none');
  private json = '';
  of(v: unknown): string {
    if (v !== this.last) {
      this.last = v;
      this.json = JSON.stringify(v);
    }
    return this.json;
  }
}

export function sha256hex(s: string): string {
  return oneShotHash ? oneShotHash('sha256', s, 'hex') : createHash('sha256').update(s).digest('hex');
}

export function eventHash(prevHash: string, body: AuditBody): string {
  return sha256hex(`${prevHash}\n${encodeBody(body)}`);
}

/** The generic definition encodeBody must match. */
export function eventHashReference(prevHash: string, body: AuditBody): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(body as unknown as Canonical)).digest('hex');
}

export function eventMac(auditKey: Uint8Array, hash: string): string {
  return createHmac('sha256', auditKey).update(hash).digest('hex');
}

export function chainEvent(prevHash: string, body: AuditBody, auditKey: Uint8Array): ChainedEvent {
  const hash = eventHash(prevHash, body);
  return { ...body, prevHash, hash, mac: eventMac(auditKey, hash) };
}

export interface ChainCheck {
  ok: boolean;
  events: number;
  headHash: string;
  firstBadSeq: number | null;
  problem: string | null;
}

/**
 * Walks events in order and reports the first one that breaks the chain: a gap or reordering in
 * the sequence, a changed body, a broken link, or (with the key) a MAC that does not match.
 */
export function verifyChain(events: Iterable<ChainedEvent>, genesis: string, auditKey: Uint8Array | null): ChainCheck {
  let prev = genesis;
  let expectedSeq = 1;
  let count = 0;
  for (const e of events) {
    const fail = (problem: string): ChainCheck => ({ ok: false, events: count, headHash: prev, firstBadSeq: expectedSeq, problem });
    if (e.seq !== expectedSeq) return fail(`expected event ${expectedSeq} but found ${e.seq} (an event was deleted, inserted or moved)`);
    if (e.prevHash !== prev) return fail(`event ${e.seq} does not link to the event before it`);
    const { prevHash: _p, hash: _h, mac: _m, ...body } = e;
    const h = eventHash(prev, body);
    if (h !== e.hash) return fail(`event ${e.seq} was altered (its content does not match its hash)`);
    if (auditKey) {
      const want = Buffer.from(eventMac(auditKey, h), 'hex');
      const got = Buffer.from(e.mac, 'hex');
      if (want.length !== got.length || !timingSafeEqual(want, got)) return fail(`event ${e.seq} has a MAC that does not match the audit key`);
    }
    prev = h;
    expectedSeq++;
    count++;
  }
  return { ok: true, events: count, headHash: prev, firstBadSeq: null, problem: null };
}
