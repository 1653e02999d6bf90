import * as cryptoNs from 'node:crypto';

/** crypto.hash's shapes as Custos calls it: a digest as text (one character per byte in latin1), or as a Buffer. */
export interface OneShotHash {
  (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex' | 'latin1'): string;
  (algorithm: string, data: string | Uint8Array, outputEncoding: 'buffer'): Buffer;
}

/**
 * crypto.hash (Node ≥ 20.12): a digest in one call, with no Hash object — about half the cost of
 * createHash for a short input, and nothing for the garbage collector to track. Null on an older
 * Node, where callers use createHash.
 */
export const oneShotHash: OneShotHash | null = (cryptoNs as unknown as { hash?: OneShotHash }).hash ?? null;
