import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenClient } from './client.js';
import { WORKER_FILE } from './worker-path.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/**
 * Tests only: bundles worker.ts with Vite (the bundler the product build uses) into a fresh folder
 * under node_modules/.cache, so tests run the real worker thread from TypeScript sources. The
 * folder is inside the repository so the bundle's `require('pkcs11js')` resolves as it does from
 * out/main. Takes well under a second.
 */
export async function buildPkcs11WorkerForTests(): Promise<{ script: string; cleanup: () => void }> {
  const { build } = await import('vite');
  const cacheRoot = join(repoRoot, 'node_modules', '.cache', 'custos-pkcs11-worker');
  mkdirSync(cacheRoot, { recursive: true });
  const outDir = mkdtempSync(join(cacheRoot, `w${process.pid}-`));
  await build({
    configFile: false,
    logLevel: 'error',
    root: repoRoot,
    build: {
      ssr: join(here, 'worker.ts'),
      outDir,
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      rollupOptions: { output: { format: 'es', entryFileNames: WORKER_FILE } },
    },
    ssr: { external: true },
  });
  return { script: join(outDir, WORKER_FILE), cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}

/**
 * Tests only: a TokenClient on the fixture's SoftHSM, through the real worker thread (bundled
 * fresh) unless `mode` is 'inline'. Call `cleanup` in afterAll.
 */
export async function openSoftHsmClient(
  fx: { modulePath: string },
  mode: 'worker' | 'inline' = 'worker',
): Promise<{ client: TokenClient; workerScript: string | null; cleanup: () => Promise<void> }> {
  const built = mode === 'worker' ? await buildPkcs11WorkerForTests() : null;
  const client = await TokenClient.open({ modulePath: fx.modulePath, allowlist: [fx.modulePath], mode, workerScript: built?.script });
  return {
    client,
    workerScript: built?.script ?? null,
    cleanup: async () => {
      await client.close();
      built?.cleanup();
    },
  };
}

/** Tests only: writes files into a fresh temp folder and runs openssl there. */
export function withOpenssl<T>(files: Record<string, Uint8Array | string>, fn: (dir: string, run: (args: string[]) => { status: number | null; out: string }) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'custos-openssl-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return fn(dir, (args) => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
