import { oneShotHash } from '../crypto/one-shot-hash.js';
import { createHash } from 'node:crypto';
import type { SignMechanismId } from '../../src-shared/contract.js';
import type { UnlockedVault } from '../vault/vault.js';

/**
 * Signatures are batched per key: requests made in the same turn of the event loop are checked
 * against one read of the key's row, sent to the token as one request (or signed in software
 * with the material opened once), and recorded in one group-commit transaction with one audit
 * event each. See KeyService.sign.
 */
export interface SignRequest {
  data: Buffer;
  mechanism: SignMechanismId | undefined;
  actor: string;
  /** SHA-256 of data in hex, once computed: the audit event records it, and a token's CKM_ECDSA signs it. */
  digest?: string;
  resolve: (r: { signature: Buffer; mechanism: SignMechanismId }) => void;
  reject: (e: unknown) => void;
}

/**
 * What one vault's signers share. It hangs off the vault, not a KeyService (the core makes a
 * KeyService per request), because the usage limit is the vault's to keep: `reserved` counts uses
 * granted but not yet counted in the database, and a grant needs useCount + reserved < maxUses.
 */
export interface VaultSigning {
  queues: Map<string, SignRequest[]>;
  reserved: Map<string, number>;
  /** Token requests (chunks) sent and not yet answered, per key. */
  inFlight: Map<string, number>;
}

const perVault = new WeakMap<UnlockedVault, VaultSigning>();

export function vaultSigning(vault: UnlockedVault): VaultSigning {
  let s = perVault.get(vault);
  if (!s) {
    s = { queues: new Map(), reserved: new Map(), inFlight: new Map() };
    perVault.set(vault, s);
  }
  return s;
}

/** Adds `n` to a per-key counter (reservations, requests in flight). */
export function countUp(counts: Map<string, number>, id: string, n = 1): void {
  counts.set(id, (counts.get(id) ?? 0) + n);
}

/** Takes `n` off a per-key counter, dropping the key when nothing is left. */
export function countDown(counts: Map<string, number>, id: string, n = 1): void {
  const left = (counts.get(id) ?? 0) - n;
  if (left > 0) counts.set(id, left);
  else counts.delete(id);
}

/** Largest token request: bigger batches would keep callers waiting for the whole batch. */
export const MAX_TOKEN_BATCH = 16;

/**
 * Token requests of one key kept at the token, so it does not idle while the main thread records
 * an answer. Measured (P-256 on SoftHSM2, 2 cores, bench --quick, two runs each): depth 2 with
 * requests of at least 8 (the previous rule) 0.38-0.41 of raw at 8 callers, 0.79 at 32; depth 3
 * with at least 4: 0.52-0.54 at 8, 0.78 at 32; depth 4: the same at 8, 0.75-0.78 at 32 (smaller
 * group commits cost the main thread more). RSA-2048 at 8 callers 0.86 -> 0.96.
 */
export const TOKEN_PIPELINE_DEPTH = 3;
/** Smallest request a batch is split into: each request is one message each way and, often, one commit. */
export const MIN_TOKEN_CHUNK = 4;

/**
 * Splits granted signatures into token requests of at most MAX_TOKEN_BATCH, so that the token
 * has up to TOKEN_PIPELINE_DEPTH requests of this key queued (`inFlight`: those already sent and
 * not answered). While the main thread records one answer (hashes, MACs, the commit), the token
 * signs the next ones: the two threads overlap instead of taking turns, and a main thread held up
 * for a moment (a GC, another process on its core) does not leave the token idle. Requests below
 * MIN_TOKEN_CHUNK are not made by splitting: splitting every time would shrink the batches round
 * after round until every signature paid for its own message and commit.
 */
export function tokenChunks<T>(items: readonly T[], inFlight = 0): T[][] {
  if (items.length <= 1) return [items.slice()];
  const pieces = Math.max(1, Math.min(TOKEN_PIPELINE_DEPTH - inFlight, Math.floor(items.length / MIN_TOKEN_CHUNK)));
  const size = Math.min(MAX_TOKEN_BATCH, Math.ceil(items.length / pieces));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}


/** SHA-256 of a signed message, hex, as its audit event records it (dataSha256). */
export function messageDigest(data: Uint8Array): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

/** The request's SHA-256 in hex, computed once and kept on it. */
export function requestDigest(r: SignRequest): string {
  return (r.digest ??= messageDigest(r.data));
}

/**
 * The requests' SHA-256 digests as byte strings for the token, all in one buffer. Kept as hex on
 * the requests and written here side by side, a chunk costs one buffer instead of one per
 * signature: every buffer is an ArrayBuffer the garbage collector sweeps one by one, and at twenty
 * thousand signatures a second those sweeps made the main thread's pauses long enough to leave the
 * token idle.
 */
export function packedDigests(requests: readonly SignRequest[]): Buffer[] {
  // Its own zeroed buffer, not Buffer's shared pool: nothing but these digests can ride along.
  const all = Buffer.alloc(32 * requests.length);
  const out = new Array<Buffer>(requests.length);
  for (let i = 0; i < requests.length; i++) {
    all.write(requestDigest(requests[i]!), 32 * i, 32, 'hex');
    out[i] = all.subarray(32 * i, 32 * i + 32);
  }
  return out;
}
