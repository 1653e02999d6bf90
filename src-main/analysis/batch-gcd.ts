// Shared primes across a whole inventory by Bernstein's batch GCD (method and citations in
// batch-gcd-math.ts). This module cuts the moduli into chunks, runs the chunk jobs in worker
// threads (or in-process when no worker script is given, as under the test runner), reports
// progress, honours an AbortSignal, and turns the gcds into per-key results with the factor.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CustosError } from '../errors.js';
import { defaultNativeBatchGcd, nativeBatchGcd } from './batch-gcd-native.js';
import { runBatchGcdJob, SCALED_TREE_MAX_SCALE, squareScale, type KeptTrees } from './batch-gcd-math.js';
import type { BatchGcdJob, BatchGcdRequest, BatchGcdResponse } from './batch-gcd-protocol.js';
import type { AnalysisFinding } from './findings.js';
import { lehmerGcd } from './lehmer-gcd.js';

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
  /**
   * The native program (batch-gcd-native.ts) to run instead of the JavaScript trees; by default
   * the built one when there is one. `null` forces the JavaScript trees (their tests, the bench's
   * comparison, a machine without the program).
   */
  native?: string | null;
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
 * Runs every job, one per worker at a time, or in-process. Results keep job order. Job i runs on
 * worker i mod (number of workers), in order: a job that refers to a product tree kept by an
 * earlier job (TreeSource `{ kept }`) was given the same index modulo the worker count. In-process,
 * `kept` is the store. On abort, workers are terminated and the signal's reason is thrown.
 */
async function runJobs(jobs: Job[], workers: Worker[], kept: KeptTrees, signal: AbortSignal | undefined, onDone: () => void): Promise<bigint[][]> {
  const results: bigint[][] = new Array<bigint[]>(jobs.length);
  let nextId = 1;
  if (workers.length === 0) {
    for (let i = 0; i < jobs.length; i++) {
      // Yield so that a cancel (and the UI) gets a turn between chunks.
      await new Promise<void>((r) => setImmediate(r));
      signal?.throwIfAborted();
      results[i] = runBatchGcdJob(jobs[i]!, kept);
      onDone();
    }
    return results;
  }
  const lanes = workers.map(async (w, lane) => {
    for (let i = lane; i < jobs.length; i += workers.length) {
      signal?.throwIfAborted();
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
  const native = options.native === undefined ? defaultNativeBatchGcd() : options.native;
  if (native) {
    // GMP in one process on every core: about a third of the JavaScript trees' CPU (issue 7's goal).
    const { gcds } = await nativeBatchGcd(native, moduli, {
      ...(options.workers !== undefined ? { threads: options.workers } : {}),
      ...(signal ? { signal } : {}),
      onStep: (done, total) => onProgress?.({ phase: done * 2 < total ? 'products' : 'remainders', done, total }),
    });
    return explainGcds(moduli, gcds);
  }
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
  // Product trees kept for the descents (in-process; each worker has its own store).
  const kept: KeptTrees = new Map();
  const run = (jobs: Job[]) => runJobs(jobs, workers, kept, signal, tick);
  const onAbort = () => void Promise.all(workers.map((w) => w.terminate()));
  signal?.addEventListener('abort', onAbort, { once: true });
  let gcds: bigint[];
  try {
    // 1. The product of each chunk (parallel).
    const scales = chunks.map((c) => c.reduce((s, n) => s + squareScale(n), 0));
    const scaled = scales.reduce((a, b) => a + b, 0) <= (options.scaledTreeMaxScale ?? SCALED_TREE_MAX_SCALE);
    // Chunk j's tree stays with the thread that built it (job j, and job j of step 5).
    const products = (await run(chunks.map((c, j) => ({ kind: 'product', moduli: c, keep: scaled ? `chunk ${j}` : undefined })))).map((r) => r[0]!);
    if (!scaled) {
      // Too large for one product under V8's BigInt cap: the chunked plain remainder trees.
      phase = 'remainders';
      done += 6; // the half, root and descent steps this path does not have
      gcds = (await run(chunks.map((c) => ({ kind: 'plain', moduli: c, products })))).flat();
      return explainGcds(moduli, gcds);
    }
    // 2. The products L and R of the two halves of the chunks (two jobs, one per core).
    const half = Math.ceil(chunks.length / 2);
    const halves = [products.slice(0, half), products.slice(half)];
    const halfScales = [scales.slice(0, half), scales.slice(half)];
    const [left, right] = (await run(halves.map((h, i) => ({ kind: 'product', moduli: h, keep: `half ${i}` })))).map((r) => r[0]!);
    phase = 'remainders';
    // 3. The only divisions: frac(P / L^2) = frac(R / L) and frac(P / R^2) = frac(L / R), in fixed point.
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const roots = (
      await run([
        { kind: 'fraction', num: right!, den: left!, scale: sum(halfScales[0]!) },
        { kind: 'fraction', num: left!, den: right!, scale: sum(halfScales[1]!) },
      ])
    ).map((r) => r[0]!);
    // 4. Scaled remainder tree over each half's chunk products (the tree kept by step 2), down to
    // each chunk's fraction.
    const chunkYs = (await run(halves.map((_, i) => ({ kind: 'descend', leaves: { kept: `half ${i}` }, scales: halfScales[i]!, y: roots[i]! })))).flat();
    // 5. Within each chunk (its tree kept by step 1), down to each modulus, and the gcds (parallel).
    gcds = (await run(chunks.map((_, j) => ({ kind: 'gcds', moduli: { kept: `chunk ${j}` }, y: chunkYs[j]! })))).flat();
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
    if (g < moduli[i]!) {
      const group = groups.get(g);
      if (group) group.push(i);
      else groups.set(g, [i]);
    }
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
        const d = lehmerGcd(n, moduli[j]!);
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
