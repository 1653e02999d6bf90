import { parentPort, workerData } from 'node:worker_threads';
import { Pkcs11Executor } from './executor.js';
import { handleRequest, type Pkcs11Api, type Pkcs11WorkerData } from './protocol.js';

/**
 * Worker entry: owns one PKCS#11 module (one pkcs11js instance) and answers requests one at a
 * time, so every blocking C_* call runs here and never on the main thread. Built as its own entry
 * (out/main/pkcs11-worker.js); see README.md.
 */
if (!parentPort) throw new Error('src-main/pkcs11/worker.ts runs only as a worker thread.');
const port = parentPort;
const init = workerData as Pkcs11WorkerData;

/** The executor, or — if it could not be created (module refused) — an API whose every call fails with that reason. */
function start(): Pkcs11Api {
  try {
    return new Pkcs11Executor(init.modulePath, init.allowlist);
  } catch (e) {
    return new Proxy({} as Pkcs11Api, {
      get: () => () => {
        throw e;
      },
    });
  }
}
const api = start();

const answer = (req: { op?: unknown }) =>
  handleRequest(api, req, (op, e) => {
    // Diagnostics for the console log: the operation name and the error only, never the request.
    console.error(`custos pkcs11 worker: unexpected error during ${op}:`, e);
  });

// A batch (requests made together on the main thread) arrives as one message; each answer goes
// back as soon as it is ready, so the main thread records one result while the token makes the next.
port.on('message', (msg: { op?: unknown } | Array<{ op?: unknown }>) => {
  const reqs = Array.isArray(msg) ? msg : [msg];
  for (const r of reqs) port.postMessage(answer(r));
  if (reqs.some((r) => r?.op === 'close')) port.close();
});
