// Shared primes across a whole inventory by Bernstein's batch GCD (method and citations in
// batch-gcd-math.ts). This module cuts the moduli into chunks, runs the chunk jobs in worker
// threads (or in-process when no worker script is given, as under the test runner), reports
// progress, honours an AbortSignal, and turns the gcds into per-key results with the factor.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CustosError } from '../errors.js';
import { gcd } from './bigint-math.js';
import { runBatchGcdJob, SCALED_TREE_MAX_SCALE, squareScale } from './batch-gcd-math.js';
import type { BatchGcdJob, BatchGcdRequest, BatchGcdResponse } from './batch-gcd-protocol.js';
import type { AnalysisFinding } from './findings.js';

/** Moduli per chunk job (the unit of parallel work and of progress); rounded to a multiple of the worker count. */
export const DEFAULT_CHUNK_SIZE = 4096;

export interface BatchGcdProgress {
  phase: 'products' | 'remainders';
  /** Chunk jobs finished so far, over both phases. */
  done: number;
  total: number;
}

export interface BatchGcdOptions {
  chunkSize?: number;
  /** A bundled batch-gcd-worker; without it the jobs run in this thread (yielding between chunks). */
  workerScript?: string;
  workers?: number;
  /** Testing: the largest 2 |P| (bits) for the scaled remainder tree; above it, chunked plain trees. */
  scaledTreeMaxScale?: number;
  onProgress?: (p: BatchGcdProgress) => void;
  signal?: AbortSignal;
}

export interface SharedFactorResult {
  /** Index of the key in the input list. */
  index: number;
  /** 'shared-prime': factored, `factor` is a prime of it; 'duplicate-modulus': the same n appears again. */
  kind: 'shared-prime' | 'duplicate-modulus';
  /**
   * A nontrivial factor of the modulus (the shared prime for RSA moduli), or null for a duplicate
   * that nothing else factors.
   */
  factor: bigint | null;
  /** Indices of the other keys that share a prime (or the whole modulus) with this one. */
  sharedWith: number[];
}

/**
 * Where the built worker lives once bundled beside the main entry (out/main/batch-gcd-worker.js),
 * or null (under the test runner, where jobs run in-process or the test passes a bundle).
 */
export function defaultBatchGcdWorker(): string | null {
  for (const rel of ['./batch-gcd-worker.js', '../batch-gcd-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return null;
}

type Job = BatchGcdJob;

function callWorker(w: Worker, req: BatchGcdRequest): Promise<bigint[]> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (res: BatchGcdResponse) => {
      if (res.id !== req.id) return;
      cleanup();
      if (res.ok) resolve(res.values);
      else reject(new CustosError('E_INTERNAL', 'A batch GCD worker failed; the shared-prime scan did not finish.'));
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(new CustosError('E_INTERNAL', 'A batch GCD worker failed; the shared-prime scan did not finish.', { cause: e }));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new CustosError('E_INTERNAL', `A batch GCD worker stopped (exit ${code}); the shared-prime scan did not finish.`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(req);
  });
}

/**
 * Runs every job, `concurrency` at a time, in workers or in-process. Results keep job order.
 * On abort, workers are terminated and the signal's reason is thrown.
 */
async function runJobs(jobs: Job[], workers: Worker[], signal: AbortSignal | undefined, onDone: () => void): Promise<bigint[][]> {
  const results: bigint[][] = new Array<bigint[]>(jobs.length);
  let next = 0;
  let nextId = 1;
  if (workers.length === 0) {
    for (const job of jobs) {
      // Yield so that a cancel (and the UI) gets a turn between chunks.
      await new Promise<void>((r) => setImmediate(r));
      signal?.throwIfAborted();
      results[next++] = runBatchGcdJob(job);
      onDone();
    }
    return results;
  }
  const lanes = workers.map(async (w) => {
    while (next < jobs.length) {
      signal?.throwIfAborted();
      const i = next++;
      results[i] = await callWorker(w, { id: nextId++, ...jobs[i]! });
      onDone();
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Finds every modulus that shares a prime with another one in the list. Moduli are positive odd
 * integers (RSA moduli); the order of the result follows the input order.
 */
export async function findSharedFactors(moduli: bigint[], options: BatchGcdOptions = {}): Promise<SharedFactorResult[]> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  for (const n of moduli) if (n <= 1n) throw new CustosError('E_INPUT', 'Batch GCD needs moduli greater than 1.');
  if (moduli.length < 2) return [];
  const count = options.workerScript ? Math.max(1, options.workers ?? availableParallelism()) : 0;
  // At least two chunks (the two halves below each need one); without an explicit size, a multiple
  // of the worker count of about DEFAULT_CHUNK_SIZE each, so that no core idles in the last round.
  let chunkCount = Math.max(2, Math.ceil(moduli.length / Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE)));
  if (options.chunkSize === undefined && count > 1) chunkCount = Math.ceil(chunkCount / count) * count;
  const chunkSize = Math.ceil(moduli.length / Math.min(chunkCount, moduli.length));
  const chunks: bigint[][] = [];
  for (let i = 0; i < moduli.length; i += chunkSize) chunks.push(moduli.slice(i, i + chunkSize));
  const total = chunks.length * 2 + 6;
  let done = 0;
  let phase: BatchGcdProgress['phase'] = 'products';
  const tick = () => onProgress?.({ phase, done: ++done, total });

  const workers = Array.from({ length: Math.min(count, chunks.length) }, () => new Worker(options.workerScript!));
  const onAbort = () => void Promise.all(workers.map((w) => w.terminate()));
  signal?.addEventListener('abort', onAbort, { once: true });
  let gcds: bigint[];
  try {
    // 1. The product of each chunk (parallel).
    const products = (await runJobs(chunks.map((c) => ({ kind: 'product', moduli: c })), workers, signal, tick)).map((r) => r[0]!);
    const scales = chunks.map((c) => c.reduce((s, n) => s + squareScale(n), 0));
    if (scales.reduce((a, b) => a + b, 0) > (options.scaledTreeMaxScale ?? SCALED_TREE_MAX_SCALE)) {
      // Too large for one product under V8's BigInt cap: the chunked plain remainder trees.
      phase = 'remainders';
      done += 6; // the half, root and descent steps this path does not have
      gcds = (await runJobs(chunks.map((c) => ({ kind: 'plain', moduli: c, products })), workers, signal, tick)).flat();
      return explainGcds(moduli, gcds);
    }
    // 2. The products L and R of the two halves of the chunks (two jobs, one per core).
    const half = Math.ceil(chunks.length / 2);
    const halves = [products.slice(0, half), products.slice(half)];
    const halfScales = [scales.slice(0, half), scales.slice(half)];
    const [left, right] = (await runJobs(halves.map((h) => ({ kind: 'product', moduli: h })), workers, signal, tick)).map((r) => r[0]!);
    phase = 'remainders';
    // 3. The only divisions: frac(P / L^2) = frac(R / L) and frac(P / R^2) = frac(L / R), in fixed point.
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const roots = (
      await runJobs(
        [
          { kind: 'fraction', num: right!, den: left!, scale: sum(halfScales[0]!) },
          { kind: 'fraction', num: left!, den: right!, scale: sum(halfScales[1]!) },
        ],
        workers,
        signal,
        tick,
      )
    ).map((r) => r[0]!);
    // 4. Scaled remainder tree over each half's chunk products, down to each chunk's fraction.
    const chunkYs = (await runJobs(halves.map((h, i) => ({ kind: 'descend', leaves: h, scales: halfScales[i]!, y: roots[i]! })), workers, signal, tick)).flat();
    // 5. Within each chunk, down to each modulus, and the gcds (parallel).
    gcds = (await runJobs(chunks.map((c, i) => ({ kind: 'gcds', moduli: c, y: chunkYs[i]! })), workers, signal, tick)).flat();
  } catch (e) {
    signal?.throwIfAborted();
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return explainGcds(moduli, gcds);
}

/** Most gcds the pairwise pass may spend on keys the grouping below does not explain. */
export const PAIRWISE_GCD_BUDGET = 20_000;

/**
 * From g_i = gcd(P / n_i, n_i), names a prime factor and the keys that share it.
 *
 * The usual case (a prime shared by two or more keys and nothing else) needs no more work: those
 * keys have the same g, the shared prime, so grouping by g names both the factor and the partners
 * in linear time. The other flagged keys (g = n_i because both primes are shared or the modulus is
 * duplicated, or a g that mixes primes shared with different keys) are split by gcds with the other
 * flagged keys, within PAIRWISE_GCD_BUDGET gcds so that a hostile corpus cannot make this step
 * quadratic; past the budget they are still reported, with g (or null) as the factor and the
 * partners found by grouping.
 */
export function explainGcds(moduli: bigint[], gcds: bigint[]): SharedFactorResult[] {
  const flagged = gcds.flatMap((g, i) => (g > 1n ? [i] : []));
  const groups = new Map<bigint, number[]>();
  for (const i of flagged) {
    const g = gcds[i]!;
    if (g < moduli[i]!) groups.set(g, [...(groups.get(g) ?? []), i]);
  }
  let budget = PAIRWISE_GCD_BUDGET;
  const out: SharedFactorResult[] = [];
  for (const i of flagged) {
    const n = moduli[i]!;
    const g = gcds[i]!;
    const group = g < n ? groups.get(g)! : [];
    if (group.length >= 2) {
      out.push({ index: i, kind: 'shared-prime', factor: g, sharedWith: group.filter((j) => j !== i) });
      continue;
    }
    let factor: bigint | null = g < n ? g : null;
    const sharedWith: number[] = [];
    let duplicate = false;
    if (budget >= flagged.length) {
      budget -= flagged.length;
      for (const j of flagged) {
        if (j === i) continue;
        const d = gcd(n, moduli[j]!);
        if (d === 1n) continue;
        sharedWith.push(j);
        if (d === n) duplicate = true;
        else if (factor === null) factor = d;
      }
    }
    out.push({ index: i, kind: factor === null && duplicate ? 'duplicate-modulus' : 'shared-prime', factor, sharedWith });
  }
  return out;
}

/** A batch GCD result as a finding for the key at `result.index`. */
export function sharedFactorFinding(result: SharedFactorResult): AnalysisFinding {
  if (result.kind === 'duplicate-modulus') {
    return { check: 'rsa-duplicate-modulus', severity: 'error', message: `The same RSA modulus is used by ${result.sharedWith.length} other key(s): they share the private key.` };
  }
  return {
    check: 'rsa-shared-prime',
    severity: 'error',
    message: `The modulus shares a prime with ${result.sharedWith.length} other key(s) and is factored: replace it and every key it shares a prime with.`,
    factor: result.factor!,
  };
}
