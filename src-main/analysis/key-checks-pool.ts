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

/**
 * Runs the per-key checks for `spkis` in worker threads (the analysis worker bundle), a chunk at a
 * time per worker, keeping input order. The core's thread only waits. On abort the workers are
 * terminated and the signal's reason is thrown.
 */
export async function checkKeysInWorkers(
  spkis: readonly Uint8Array[],
  options: { workerScript: string; workers?: number; signal?: AbortSignal; onChunk?: (done: number) => void },
): Promise<KeyCheckResult[]> {
  const { signal } = options;
  signal?.throwIfAborted();
  const chunks: Uint8Array[][] = [];
  for (let i = 0; i < spkis.length; i += KEY_CHUNK) chunks.push(spkis.slice(i, i + KEY_CHUNK));
  const count = Math.max(1, Math.min(options.workers ?? availableParallelism(), chunks.length));
  const workers = Array.from({ length: count }, () => new Worker(options.workerScript));
  const onAbort = () => void Promise.all(workers.map((w) => w.terminate()));
  signal?.addEventListener('abort', onAbort, { once: true });
  const results: KeyCheckResult[][] = new Array<KeyCheckResult[]>(chunks.length);
  let next = 0;
  let id = 1;
  let done = 0;
  try {
    await Promise.all(
      workers.map(async (w) => {
        while (next < chunks.length) {
          signal?.throwIfAborted();
          const i = next++;
          results[i] = await call(w, { id: id++, kind: 'keys', spkis: chunks[i]! });
          done += chunks[i]!.length;
          options.onChunk?.(done);
        }
      }),
    );
  } catch (e) {
    signal?.throwIfAborted();
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results.flat();
}
