import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Bundles a TypeScript entry into a plain .mjs that `node` can run as a separate process (for
 * tests that must kill a real child). Packages stay external; the output lives inside the project
 * so they resolve from node_modules.
 */
export async function bundleScript(entry: string, name: string): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'custos-test-scripts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${process.pid}.mjs`);
  const bundle = await rolldown({
    input: entry,
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(id),
    logLevel: 'silent',
  });
  await bundle.write({ file, format: 'esm', codeSplitting: false });
  await bundle.close();
  return file;
}
