/** Messages between batch-gcd.ts and batch-gcd-worker.ts (BigInts cross by structured clone). */
export type BatchGcdRequest = { id: number; kind: 'product'; moduli: bigint[] } | { id: number; kind: 'gcds'; moduli: bigint[]; products: bigint[] };

export type BatchGcdResponse = { id: number; ok: true; values: bigint[] } | { id: number; ok: false; error: string };
