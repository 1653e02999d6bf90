import type { KeyCheckResult } from './key-checks.js';

/**
 * Messages between the parent and the analysis worker (batch-gcd-worker.ts): batch GCD chunks
 * (batch-gcd.ts) and per-key checks for a chunk of public keys (inventory-run.ts). BigInts and
 * byte arrays cross by structured clone.
 */
export type BatchGcdJob =
  | { kind: 'product'; moduli: bigint[] }
  | { kind: 'fraction'; num: bigint; den: bigint; scale: number }
  | { kind: 'descend'; leaves: bigint[]; scales: number[]; y: bigint }
  | { kind: 'gcds'; moduli: bigint[]; y: bigint }
  | { kind: 'plain'; moduli: bigint[]; products: bigint[] };

export type BatchGcdRequest = { id: number } & BatchGcdJob;

export type BatchGcdResponse = { id: number; ok: true; values: bigint[] } | { id: number; ok: false; error: string };

export type KeyChecksRequest = { id: number; kind: 'keys'; spkis: Uint8Array[] };
export type KeyChecksResponse = { id: number; ok: true; results: KeyCheckResult[] } | { id: number; ok: false; error: string };
