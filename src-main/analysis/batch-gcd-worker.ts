// Worker entry for batch GCD (see batch-gcd.ts): answers product and remainder jobs for chunks of
// moduli, one at a time, until the parent terminates it. Built as a separate bundle entry.
import { parentPort } from 'node:worker_threads';
import { chunkProduct, chunkSharedGcds } from './batch-gcd-math.js';
import type { BatchGcdRequest, BatchGcdResponse } from './batch-gcd-protocol.js';

const port = parentPort;
if (!port) throw new Error('batch-gcd-worker must run in a worker thread');

port.on('message', (req: BatchGcdRequest) => {
  let res: BatchGcdResponse;
  try {
    res = req.kind === 'product' ? { id: req.id, ok: true, values: [chunkProduct(req.moduli)] } : { id: req.id, ok: true, values: chunkSharedGcds(req.moduli, req.products) };
  } catch (e) {
    res = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(res);
});
