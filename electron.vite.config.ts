import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One build for all three hosts: the main bundle has an entry per host (Electron, browser host,
// CLI) so they share the same compiled core; only the electron entry ever imports 'electron'.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      sourcemap: true,
      rollupOptions: {
        input: {
          electron: resolve('src-main/electron/main.ts'),
          web: resolve('src-main/web/main.ts'),
          cli: resolve('src-main/cli/main.ts'),
          // Worker threads load these by path, beside the bundles above.
          'audit-verify-worker': resolve('src-main/audit/verify-worker.ts'),
          'pkcs11-worker': resolve('src-main/pkcs11/worker.ts'),
          'batch-gcd-worker': resolve('src-main/analysis/batch-gcd-worker.ts'),
          'import-parse-worker': resolve('src-main/import/parse-worker.ts'),
          'vault-checkpoint-worker': resolve('src-main/vault/checkpoint-worker.ts'),
        },
        // playwright-core (headless Chromium for PDFs) reads its own package files at run time and
        // breaks when bundled; the hosts run beside node_modules, so it is loaded from there.
        external: ['playwright-core'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle everything else it imports (the
      // contract's channel names pull in zod).
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
