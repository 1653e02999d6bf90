#!/usr/bin/env node
// `npm start` (after the build): the Electron console where the Electron runtime is installed,
// otherwise the same console through the browser host (out/main/web.js --open). Arguments are
// passed on: `npm start -- --vault DIR`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/**
 * The Electron executable, or null when the runtime was never downloaded. Never require('electron'):
 * from plain Node that tries to download the runtime and throws. (e2e/electron-runtime.ts does the
 * same check for the Playwright projects.)
 */
function electronExecutable() {
  try {
    const require = createRequire(import.meta.url);
    require.resolve('electron'); // is the package installed at all?
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

function need(file) {
  if (!existsSync(join(root, file))) {
    console.error(`custos: ${file} is missing; build first with \`npm run build\` (npm start does it for you).`);
    process.exit(1);
  }
}

function run(command, argv) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would turn Electron into plain Node
  const child = spawn(command, argv, { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (e) => {
    console.error(`custos: could not start ${command}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
  });
}

const electron = electronExecutable();
if (electron !== null) {
  need('out/main/electron.js');
  run(electron, [join(root, 'out', 'main', 'electron.js'), ...args]);
} else {
  need('out/main/web.js');
  console.log(
    'The Electron runtime is not installed on this machine (it cannot be downloaded offline); serving the console through the browser host instead.',
  );
  run(process.execPath, [join(root, 'out', 'main', 'web.js'), '--open', ...args]);
}
