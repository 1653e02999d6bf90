import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version in Custos's package.json, found by walking up from `fromDir` (the bundles live in
 * out/main/, the sources in src-main/…). '0.0.0' if it cannot be found.
 */
export function readAppVersion(fromDir: string): string {
  let dir = fromDir;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'custos' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '0.0.0';
}
