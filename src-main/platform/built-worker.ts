import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a built worker entry (electron.vite.config.ts `input`) is: the entries and the bundles that
 * start them are built side by side into out/main, and this module may itself sit in
 * out/main/chunks/, so look here and one folder up. Null under the test runner (sources), where
 * the caller works in-process or is handed a bundled worker. The path is computed at run time, not
 * with `new URL(…, import.meta.url)`, so the bundler leaves it alone.
 */
export function findBuiltWorker(file: string): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, file), join(here, '..', file)]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
