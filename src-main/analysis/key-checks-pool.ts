import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CustosError } from '../errors.js';
import type { KeyChecksRequest, KeyChecksResponse } from './batch-gcd-protocol.js';
import type { KeyCheckResult } from './key-checks.js';

/** Keys per message: large enough to amortise the message, small enough for steady progress. */
export const KEY_CHUNK = 256;

function call(w: Worker, req: KeyChecksRequest): Promise<KeyCheckResult[]> {
  return new Promise((resolve, reject) => {
    const fail = (e?: unknown) => {
      cleanup();
      reject(new CustosError('E_INTERNAL', 'An analysis worker failed; the analysis did not finish.', e === undefined ? undefined : { cause: e }));
    };
    const onMessage = (res: KeyChecksResponse) => {
      if (res.id !== req.id) return;
      cleanup();
      if (res.ok) resolve(res.results);
      else fail();
    };
    const onExit = () => fail();
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', fail);
      w.off('exit', onExit);
    };
    w.on('message', onMessage);
    w.on('error', fail);
    w.on('exit', onExit);
    w.postMessage(req);
  });
}

export interface KeyChecksPool {
  /** Checks `spkis` (KEY_CHUNK per message, spread over the workers), keeping input order. */
  check(spkis: readonly Uint8Array[], onChunk?: (done: number) => void): Promise<KeyCheckResult[]>;
  /** Terminates the workers. */
  close(): Promise<void>;
}

/**
 * Worker threads (the analysis worker bundle) kept for a whole run, so that a run streaming the
 * inventory chunk by chunk starts them once. On abort the workers are terminated, and a pending or
 * later `check` throws the signal's reason.
 */
export function openKeyChecksPool(options: { workerScript: string; workers?: number; signal?: AbortSignal }): KeyChecksPool {
  const { signal } = options;
  signal?.throwIfAborted();
  const count = Math.max(1, options.workers ?? availableParallelism());
  const workers = Array.from({ length: count }, () => new Worker(options.workerScript));
  const onAbort = () => void Promise.all(workers.map((w) => w.terminate()));
  signal?.addEventListener('abort', onAbort, { once: true });
  let id = 1;
  return {
    async check(spkis, onChunk) {
      signal?.throwIfAborted();
      const chunks: Uint8Array[][] = [];
      for (let i = 0; i < spkis.length; i += KEY_CHUNK) chunks.push(spkis.slice(i, i + KEY_CHUNK));
      const results: KeyCheckResult[][] = new Array<KeyCheckResult[]>(chunks.length);
      let next = 0;
      let done = 0;
      try {
        await Promise.all(
          workers.slice(0, Math.max(1, Math.min(workers.length, chunks.length))).map(async (w) => {
            while (next < chunks.length) {
              signal?.throwIfAborted();
              const i = next++;
              results[i] = await call(w, { id: id++, kind: 'keys', spkis: chunks[i]! });
              done += chunks[i]!.length;
              onChunk?.(done);
            }
          }),
        );
      } catch (e) {
        signal?.throwIfAborted();
        throw e;
      }
      return results.flat();
    },
    async close() {
      signal?.removeEventListener('abort', onAbort);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Runs the per-key checks for `spkis` in worker threads (the analysis worker bundle), a chunk at a
 * time per worker, keeping input order. The core's thread only waits. On abort the workers are
 * terminated and the signal's reason is thrown.
 */
export async function checkKeysInWorkers(
  spkis: readonly Uint8Array[],
  options: { workerScript: string; workers?: number; signal?: AbortSignal; onChunk?: (done: number) => void },
): Promise<KeyCheckResult[]> {
  const pool = openKeyChecksPool({ ...options, workers: Math.min(options.workers ?? availableParallelism(), Math.ceil(spkis.length / KEY_CHUNK)) });
  try {
    return await pool.check(spkis, options.onChunk);
  } finally {
    await pool.close();
  }
}
