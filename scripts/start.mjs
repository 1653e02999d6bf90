#!/usr/bin/env node
// `npm start` (after the build): the Electron console where the Electron runtime is installed,
// otherwise the same console through the browser host (out/main/web.js --open). Arguments are
// passed on: `npm start -- --vault DIR`.
//
// `npm start -- --demo [--demo-keys N]` first makes a vault in a new temporary folder with the
// built CLI (administrator "demo", passphrase printed), seeds N synthetic keys (default 100,000;
// `custos demo seed`), opens the console on it and removes the folder when the console exits.
// CUSTOS_START_DRY_RUN=1 prints the plan as JSON and runs nothing (for tests).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Splits our own flags (--demo, --demo-keys N) from the arguments passed on to the console. */
export function parseStartArgs(argv) {
  const rest = [];
  let demo = false;
  let demoKeys = 100_000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--demo') demo = true;
    else if (a === '--demo-keys' || a.startsWith('--demo-keys=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new Error(`--demo-keys needs a whole number from 1 to 10,000,000 (got ${v ?? 'nothing'})`);
      demoKeys = n;
      demo = true;
    } else rest.push(a);
  }
  if (demo && rest.some((a) => a === '--vault' || a.startsWith('--vault='))) throw new Error('--demo makes its own vault; leave out --vault');
  return { demo, demoKeys, rest };
}

let parsed;
try {
  parsed = parseStartArgs(process.argv.slice(2));
} catch (e) {
  console.error(`custos: ${e.message}`);
  process.exit(2);
}
const DEMO_USER = 'demo';
const DEMO_PASSPHRASE = 'custos demo vault passphrase';
let demoDir = null;
const args = [...parsed.rest];

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

/** Makes and seeds the demo vault with the built CLI (out/main/cli.js), in a fresh temporary folder. */
function prepareDemo() {
  need('out/main/cli.js');
  demoDir = mkdtempSync(join(tmpdir(), 'custos-demo-'));
  const vault = join(demoDir, 'vault');
  const pass = join(demoDir, 'passphrase.txt');
  writeFileSync(pass, DEMO_PASSPHRASE + '\n', { mode: 0o600 });
  const cli = (...a) => {
    const r = spawnSync(process.execPath, [join(root, 'out', 'main', 'cli.js'), '--vault', vault, ...a], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      rmSync(demoDir, { recursive: true, force: true });
      console.error('custos: preparing the demo vault failed (see above).');
      process.exit(r.status ?? 1);
    }
  };
  console.log(`Demo vault in ${vault}: seeding ${parsed.demoKeys.toLocaleString('en')} synthetic keys…`);
  cli('init', '--admin', DEMO_USER, '--passphrase-file', pass);
  cli('--user', DEMO_USER, '--passphrase-file', pass, 'demo', 'seed', '--keys', String(parsed.demoKeys));
  console.log(`Log in as "${DEMO_USER}" with the passphrase "${DEMO_PASSPHRASE}". The folder is removed when the console exits.`);
  args.push('--vault', vault);
  process.on('exit', () => rmSync(demoDir, { recursive: true, force: true }));
}

if (process.env.CUSTOS_START_DRY_RUN === '1') {
  console.log(JSON.stringify({ demo: parsed.demo, demoKeys: parsed.demoKeys, args: parsed.rest }));
  process.exit(0);
}
if (parsed.demo) prepareDemo();

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
