import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const ELECTRON_SKIP_REASON = 'Electron runtime not installed on this machine (cannot be downloaded offline)';

/**
 * The Electron executable from node_modules/electron, or null when the runtime was never
 * downloaded. Never calls require('electron'): that tries to download the runtime and throws.
 * (scripts/start.mjs does the same check in plain JavaScript.)
 */
export function electronExecutable(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    if (override) {
      const exe = join(override, rel || 'electron');
      return existsSync(exe) ? exe : null;
    }
    if (rel === '') return null;
    const exe = join(pkgDir, 'dist', rel);
    return existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}
