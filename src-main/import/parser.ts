import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseFileContents, type ParseResult } from './parse-file.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

/** Reads one file's bytes into items, within a time bound. */
export interface FileParser {
  parse(bytes: Uint8Array, passphrase?: string): Promise<ParseResult>;
  close(): Promise<void>;
}

export const DEFAULT_PARSE_TIMEOUT_MS = 10_000;

function timedOut(ms: number): ParseResult {
  return { format: 'unknown', items: [], problem: { kind: 'malformed', reason: `Reading it took longer than ${ms / 1000} s, the limit for one file; it was stopped.` } };
}

/** The bundled parse worker beside the main bundle (out/main/import-parse-worker.js), or null when running from sources. */
export function defaultParseWorker(): string | null {
  for (const rel of ['./import-parse-worker.js', '../import-parse-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * Parses in a worker thread, one file at a time. A file that is not done within `timeoutMs` gets a
 * "malformed: took longer than…" result and the worker is terminated (a new one starts for the
 * next file): this is the per-file bound, and it holds even for synchronous library code.
 */
export function workerParser(script: string, timeoutMs = DEFAULT_PARSE_TIMEOUT_MS): FileParser {
  let worker: Worker | null = null;
  let nextId = 1;
  let chain: Promise<unknown> = Promise.resolve();
  const start = (): Worker => {
    const w = new Worker(script);
    w.unref();
    return w;
  };
  const once = (bytes: Uint8Array, passphrase?: string): Promise<ParseResult> =>
    new Promise((resolve) => {
      const w = (worker ??= start());
      const id = nextId++;
      const done = (r: ParseResult, restart: boolean) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (restart) {
          if (worker === w) worker = null;
          void w.terminate();
        }
        resolve(r);
      };
      const onMessage = (m: ParseReply) => {
        if (m.id === id) done(m.result, false);
      };
      const onError = () => done({ format: 'unknown', items: [], problem: { kind: 'malformed', reason: 'The parser failed on this file.' } }, true);
      const onExit = () => done({ format: 'unknown', items: [], problem: { kind: 'malformed', reason: 'The parser stopped on this file.' } }, true);
      const timer = setTimeout(() => done(timedOut(timeoutMs), true), timeoutMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, bytes, passphrase } satisfies ParseRequest);
    });
  return {
    parse(bytes, passphrase) {
      const p = chain.then(() => once(bytes, passphrase));
      chain = p;
      return p;
    },
    async close() {
      await chain;
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}

/**
 * Parses in this thread (tests, and hosts without the bundled worker). The bound is a race: a
 * result arriving late is dropped, but synchronous work cannot be interrupted here — the KDF
 * iteration caps in parse-file.ts keep that work bounded.
 */
export function inProcessParser(timeoutMs = DEFAULT_PARSE_TIMEOUT_MS): FileParser {
  return {
    async parse(bytes, passphrase) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<ParseResult>((resolve) => {
        timer = setTimeout(() => resolve(timedOut(timeoutMs)), timeoutMs);
      });
      try {
        return await Promise.race([parseFileContents(bytes, passphrase), late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {},
  };
}

/** The worker when it is bundled, otherwise in-process. */
export function defaultParser(timeoutMs = DEFAULT_PARSE_TIMEOUT_MS): FileParser {
  const script = defaultParseWorker();
  return script ? workerParser(script, timeoutMs) : inProcessParser(timeoutMs);
}
