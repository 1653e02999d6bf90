import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustosError } from '../errors.js';
import { findBuiltWorker } from '../platform/built-worker.js';

/** The file name of the built worker entry (electron.vite.config.ts: `'pkcs11-worker': 'src-main/pkcs11/worker.ts'`). */
export const WORKER_FILE = 'pkcs11-worker.js';

/**
 * Where the built worker script is. The main-process entries (electron.js, web.js, cli.js) and
 * pkcs11-worker.js are built side by side into out/main, so the worker is looked for next to the
 * running bundle, and one level up in case the bundler moved shared code into a chunk folder.
 * A host (or a test) may pass an explicit path instead. The path is computed at run time, not with
 * `new URL(…, import.meta.url)`, so the bundler leaves it alone.
 */
export function resolveWorkerScript(explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new CustosError('E_INTERNAL', `The PKCS#11 worker script ${explicit} does not exist.`);
    return explicit;
  }
  const found = findBuiltWorker(WORKER_FILE);
  if (found) return found;
  const here = dirname(fileURLToPath(import.meta.url));
  throw new CustosError(
    'E_INTERNAL',
    `The PKCS#11 worker (${WORKER_FILE}) was not found next to the running code in ${here}. The build must include the pkcs11-worker entry; under tests, build it with buildPkcs11WorkerForTests().`,
  );
}
