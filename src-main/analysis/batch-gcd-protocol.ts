import type { KeyCheckResult } from './key-checks.js';

/**
 * Messages between the parent and the analysis worker (batch-gcd-worker.ts): batch GCD chunks
 * (batch-gcd.ts) and per-key checks for a chunk of public keys (inventory-run.ts). BigInts and
 * byte arrays cross by structured clone.
 */
export type BatchGcdJob =
  /** With `keep`, the thread that runs it keeps the product tree under that name for a later job. */
  | { kind: 'product'; moduli: bigint[]; keep?: string }
  | { kind: 'fraction'; num: bigint; den: bigint; scale: number }
  | { kind: 'descend'; leaves: TreeSource; scales: number[]; y: bigint }
  | { kind: 'gcds'; moduli: TreeSource; y: bigint }
  | { kind: 'plain'; moduli: bigint[]; products: bigint[] };

/**
 * The leaves of a descent: sent with the job, or `{ kept }`, the name of a product tree the same
 * thread built in an earlier 'product' job (used once, then dropped).
 */
export type TreeSource = bigint[] | { kept: string };

export type BatchGcdRequest = { id: number } & BatchGcdJob;

export type BatchGcdResponse = { id: number; ok: true; values: bigint[] } | { id: number; ok: false; error: string };

export type KeyChecksRequest = { id: number; kind: 'keys'; spkis: Uint8Array[] };
export type KeyChecksResponse = { id: number; ok: true; results: KeyCheckResult[] } | { id: number; ok: false; error: string };
