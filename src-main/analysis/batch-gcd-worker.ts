// Worker entry for analysis (built as a separate bundle entry, loaded by path): batch GCD product
// and remainder jobs for chunks of moduli (batch-gcd.ts), and per-key checks for chunks of public
// keys (inventory-run.ts), one message at a time, until the parent terminates it.
import { parentPort } from 'node:worker_threads';
import { runBatchGcdJob, type KeptTrees } from './batch-gcd-math.js';
import type { BatchGcdRequest, BatchGcdResponse, KeyChecksRequest, KeyChecksResponse } from './batch-gcd-protocol.js';
import { publicKeyChecks } from './key-checks.js';

const port = parentPort;
if (!port) throw new Error('batch-gcd-worker must run in a worker thread');
/** Product trees kept between the batch GCD jobs of one run (the worker ends with the run). */
const kept: KeptTrees = new Map();

port.on('message', (req: BatchGcdRequest | KeyChecksRequest) => {
  if (req.kind === 'keys') {
    let res: KeyChecksResponse;
    try {
      res = { id: req.id, ok: true, results: req.spkis.map((s) => publicKeyChecks(s)) };
    } catch (e) {
      res = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(res);
    return;
  }
  let res: BatchGcdResponse;
  try {
    res = { id: req.id, ok: true, values: runBatchGcdJob(req, kept) };
  } catch (e) {
    res = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(res);
});
