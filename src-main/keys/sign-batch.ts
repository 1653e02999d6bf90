import * as cryptoNs from 'node:crypto';
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
  /** SHA-256 of data, once computed: the audit event records it, and a token's CKM_ECDSA signs it. */
  digest?: Buffer;
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
 * Splits granted signatures into token requests of at most MAX_TOKEN_BATCH. When the token has
 * nothing else of this key to do, a batch goes as two requests (or more), so the token signs the
 * second while the main thread records the first (hashes, MACs, commits) and the two threads
 * overlap instead of taking turns. When requests are still in flight the token is busy anyway,
 * and the batch stays whole: splitting every time would halve the batches round after round
 * until every signature paid for its own commit.
 */
export function tokenChunks<T>(items: readonly T[], tokenBusy = false): T[][] {
  if (items.length <= 1) return [items.slice()];
  const size = Math.min(MAX_TOKEN_BATCH, tokenBusy ? items.length : Math.ceil(items.length / 2));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** crypto.hash (Node ≥ 20.12): one-shot, about half the cost of createHash for a short message. */
const oneShot = (cryptoNs as unknown as { hash?: (alg: string, data: Uint8Array, enc: string) => string | Buffer }).hash;

/** SHA-256 of a signed message, hex, as its audit event records it (dataSha256). */
export function messageDigest(data: Uint8Array): string {
  return oneShot ? (oneShot('sha256', data, 'hex') as string) : createHash('sha256').update(data).digest('hex');
}

/** The request's SHA-256, computed once and kept on it. */
export function requestDigest(r: SignRequest): Buffer {
  return (r.digest ??= oneShot ? (oneShot('sha256', r.data, 'buffer') as Buffer) : createHash('sha256').update(r.data).digest());
}
