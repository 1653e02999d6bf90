import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { findBuiltWorker } from '../platform/built-worker.js';
import type { VaultCipher } from '../vault/database.js';
import type { ChainCheck } from './chain.js';
import { joinRanges, type RangeCheck } from './verify-rows.js';

/** The built verification worker (out/main/audit-verify-worker.js); null under the test runner. */
export function defaultVerifyWorker(): string | null {
  return findBuiltWorker('audit-verify-worker.js');
}

export interface ParallelVerifyJob {
  workerScript: string;
  dbPath: string;
  /** Called once per worker; each gets its own copy, wiped by the worker after use. */
  dbKey: () => Uint8Array;
  cipher: VaultCipher;
  auditKey: () => Uint8Array;
  genesis: string;
  headSeq: number;
  workers?: number;
  /** Fewest events worth a worker of their own. */
  minRange?: number;
  /** See verifyRows: MACs checked after this sequence number. */
  macAfter?: number;
}

/** Splits 1..headSeq into ranges, verifies them in worker threads, and joins the results. */
export async function verifyInWorkers(job: ParallelVerifyJob): Promise<ChainCheck> {
  const n = Math.max(1, Math.min(job.workers ?? availableParallelism(), Math.ceil(job.headSeq / (job.minRange ?? 50_000))));
  const size = Math.ceil(job.headSeq / n);
  const ranges = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const from = i * size + 1;
      const to = Math.min(job.headSeq, (i + 1) * size);
      return new Promise<RangeCheck>((resolve, reject) => {
        const dbKey = job.dbKey();
        const auditKey = job.auditKey();
        // workerData is copied when the worker is created; our copies are wiped right after.
        const w = new Worker(job.workerScript, { workerData: { dbPath: job.dbPath, dbKey, cipher: job.cipher, auditKey, from, to, macAfter: job.macAfter ?? 0 } });
        dbKey.fill(0);
        auditKey.fill(0);
        w.once('message', (m: RangeCheck) => resolve(m));
        w.once('error', reject);
        w.once('exit', (code) => {
          if (code !== 0) reject(new Error(`audit verification worker exited with ${code}`));
        });
      });
    }),
  );
  return joinRanges(ranges, job.genesis);
}
