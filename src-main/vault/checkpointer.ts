import { Worker } from 'node:worker_threads';
import { findBuiltWorker } from '../platform/built-worker.js';
import type { CheckpointJob } from './checkpoint-pace.js';

/** The built checkpoint worker (out/main/vault-checkpoint-worker.js); null under the test runner. */
export function defaultCheckpointWorker(): string | null {
  return findBuiltWorker('vault-checkpoint-worker.js');
}

/** Pause between checkpoint rounds under load: at ~15,000 WAL frames a second, about 150 frames a round. */
export const CHECKPOINT_INTERVAL_MS = 10;

export interface BackgroundCheckpoints {
  /** Asks the worker to close its connection and end; returns at once. */
  stop(): void;
  /** Why the worker stopped on its own (an error code), or null while it runs or after stop(). */
  readonly failure: string | null;
  /** Settles when the worker thread has ended. */
  readonly exited: Promise<void>;
}

/**
 * Starts a thread that checkpoints the vault's WAL (PASSIVE, on its own connection) while the
 * main connection keeps its automatic checkpoints. The thread copies nearly every frame; when the
 * WAL reaches the automatic threshold, the main connection's checkpoint has only the last few
 * frames left to copy, and, the log being fully copied, its next commit starts the WAL from the
 * beginning (a checkpointer alone can never arrange that under a steady stream of commits, so the
 * WAL would grow without bound). See docs/ARCHITECTURE.md "Signing throughput".
 */
export function startBackgroundCheckpoints(script: string, job: Omit<CheckpointJob, 'dbKey' | 'intervalMs'> & { dbKey: () => Uint8Array; intervalMs?: number }): BackgroundCheckpoints {
  const dbKey = job.dbKey();
  let worker: Worker;
  try {
    // workerData is copied when the worker is created; this copy is wiped right after.
    worker = new Worker(script, { workerData: { dbPath: job.dbPath, dbKey, cipher: job.cipher, intervalMs: job.intervalMs ?? CHECKPOINT_INTERVAL_MS } satisfies CheckpointJob });
  } finally {
    dbKey.fill(0);
  }
  // Checkpoints are housekeeping: they never keep the process alive.
  worker.unref();
  let failure: string | null = null;
  let running = true;
  worker.on('message', (m: { stopped?: string }) => {
    if (m && typeof m.stopped === 'string') failure = m.stopped;
  });
  worker.on('error', (e) => {
    failure = (e as { code?: string }).code ?? 'E_INTERNAL';
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    running = false;
    resolve();
  }));
  return {
    stop() {
      if (running) worker.postMessage('stop');
    },
    get failure() {
      return failure;
    },
    exited,
  };
}
