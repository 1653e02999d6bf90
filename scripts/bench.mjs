#!/usr/bin/env node
// Bundles the benchmark entry (TypeScript) with rolldown, which the build already uses, and runs it.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'node_modules', '.cache', 'custos-bench');
mkdirSync(outDir, { recursive: true });
async function bundle(input, file) {
  const b = await rolldown({ input, platform: 'node', external: (id) => !id.startsWith('.') && !id.startsWith('/'), logLevel: 'silent' });
  await b.write({ file, format: 'esm', codeSplitting: false });
  await b.close();
}
// The inventory bench drives the built console (out/main/web.js, out/renderer): an old build would
// meet a vault of a newer schema and never open it.
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);
const file = join(outDir, 'bench.mjs');
await bundle(join(root, 'src-main', 'bench', 'main.ts'), file);
// Worker entries sit beside the bundle that starts them, as in out/main/.
await bundle(join(root, 'src-main', 'audit', 'verify-worker.ts'), join(outDir, 'audit-verify-worker.js'));
await bundle(join(root, 'src-main', 'pkcs11', 'worker.ts'), join(outDir, 'pkcs11-worker.js'));
await bundle(join(root, 'src-main', 'import', 'parse-worker.ts'), join(outDir, 'import-parse-worker.js'));
await bundle(join(root, 'src-main', 'vault', 'checkpoint-worker.ts'), join(outDir, 'vault-checkpoint-worker.js'));
await bundle(join(root, 'src-main', 'bench', 'raw-pkcs11-child.ts'), join(outDir, 'raw-pkcs11-child.mjs'));
const r = spawnSync(process.execPath, ['--max-old-space-size=8192', file, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
