// The batch GCD through Custos' native program (native/batch-gcd.c: GMP's multiplication and
// division, one OpenMP thread per core), about three times less CPU than the JavaScript trees.
// This module finds the built program, speaks its byte protocol, checks what it answers, reports
// progress and kills it on cancel. batch-gcd.ts uses it when it is there and falls back to the
// JavaScript trees when it is not (a machine without gcc and libgmp-dev).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustosError } from '../errors.js';
import { bigIntToBytes, bytesToBigInt } from './bigint-math.js';

export const NATIVE_BATCH_GCD_NAME = 'custos-batch-gcd';
const END = 0xffffffff;
/** The program's limit per modulus (bytes). */
const MAX_MODULUS_BYTES = 65_536;

/**
 * The built program: $CUSTOS_BATCH_GCD when set (an empty value turns it off), else
 * native/build/custos-batch-gcd in the first folder above this module that has it (the source
 * tree, out/main/ or the benchmark bundle all sit a few levels below the project root).
 */
export function defaultNativeBatchGcd(): string | null {
  const explicit = process.env.CUSTOS_BATCH_GCD;
  if (explicit !== undefined) return explicit && existsSync(explicit) ? explicit : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    const candidate = join(dir, 'native', 'build', NATIVE_BATCH_GCD_NAME);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

/** The request: count, then each modulus as length and big-endian bytes. */
export function encodeModuli(moduli: readonly bigint[]): Buffer {
  const parts: Buffer[] = [u32(moduli.length)];
  for (const n of moduli) {
    if (n <= 1n) throw new CustosError('E_INPUT', 'Batch GCD needs moduli greater than 1.');
    const bytes = bigIntToBytes(n);
    if (bytes.length > MAX_MODULUS_BYTES) throw new CustosError('E_INPUT', `A modulus of ${bytes.length * 8} bits is larger than batch GCD takes (${MAX_MODULUS_BYTES * 8}).`);
    parts.push(u32(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

/**
 * The answer: { index, length, gcd } for each gcd that is not 1, indices ascending, then the end
 * mark. Every gcd must be a divisor greater than 1 of its modulus, or the program is not trusted.
 */
export function decodeGcds(out: Buffer, moduli: readonly bigint[]): bigint[] {
  const gcds: bigint[] = moduli.map(() => 1n);
  const bad = (why: string) => new CustosError('E_INTERNAL', `The native batch GCD answered something malformed (${why}).`);
  let at = 0;
  let last = -1;
  for (;;) {
    if (at + 4 > out.length) throw bad('no end mark');
    const index = out.readUInt32BE(at);
    at += 4;
    if (index === END) break;
    if (index >= moduli.length || index <= last) throw bad('index out of order');
    if (at + 4 > out.length) throw bad('truncated');
    const len = out.readUInt32BE(at);
    at += 4;
    if (len === 0 || at + len > out.length) throw bad('truncated');
    const g = bytesToBigInt(out.subarray(at, at + len));
    at += len;
    const n = moduli[index]!;
    if (g <= 1n || g > n || n % g !== 0n) throw bad('not a divisor');
    gcds[index] = g;
    last = index;
  }
  if (at !== out.length) throw bad('trailing bytes');
  return gcds;
}

export interface NativeBatchGcdOptions {
  threads?: number;
  signal?: AbortSignal;
  /** Steps done of the program's total (tree levels up, the top, levels down, the leaves). */
  onStep?: (done: number, total: number) => void;
}

export interface NativeBatchGcdResult {
  /** gcd(n_i, ∏_{j≠i} n_j) for each modulus, in input order. */
  gcds: bigint[];
  /** The program's own peak resident memory (KiB), or null if it did not say. */
  peakRssKb: number | null;
  /** CPU time of all its threads (ms), or null if it did not say. */
  cpuMs: number | null;
}

/** Runs the program over `moduli` (at least two). Rejects with the signal's reason on cancel. */
export function nativeBatchGcd(binary: string, moduli: readonly bigint[], options: NativeBatchGcdOptions = {}): Promise<NativeBatchGcdResult> {
  const { signal, onStep } = options;
  signal?.throwIfAborted();
  const input = encodeModuli(moduli);
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', OMP_NUM_THREADS: String(Math.max(1, options.threads ?? availableParallelism())) },
    });
    const out: Buffer[] = [];
    let err = '';
    let peakRssKb: number | null = null;
    let cpuMs: number | null = null;
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      err += s;
      const lines = err.split('\n');
      err = lines.pop() ?? '';
      for (const line of lines) {
        const stepped = /^step (\d+) (\d+)$/.exec(line);
        if (stepped) onStep?.(Number(stepped[1]), Number(stepped[2]));
        const rss = /^peak-rss-kb (\d+)$/.exec(line);
        if (rss) peakRssKb = Number(rss[1]);
        const cpu = /^cpu-ms (\d+)$/.exec(line);
        if (cpu) cpuMs = Number(cpu[1]);
      }
    });
    // A program killed on cancel closes its stdin early; that write error is not the answer.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new CustosError('E_INTERNAL', `The native batch GCD could not start (${e.message}).`));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code !== 0) return reject(new CustosError('E_INTERNAL', `The native batch GCD stopped (${sig ?? `exit ${code}`}).`));
      try {
        resolve({ gcds: decodeGcds(Buffer.concat(out), moduli), peakRssKb, cpuMs });
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(input);
  });
}
