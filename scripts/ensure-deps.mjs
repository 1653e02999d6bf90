#!/usr/bin/env node
// Installs what `npm start` and `npm test` need, using only Node's standard library so it runs
// before node_modules exists. npm packages come from the committed lock file; Debian packages
// (SoftHSM2, OpenSC, Chromium, poppler-utils, and gcc with libgmp-dev for the native batch GCD)
// are installed with apt when running as root, and named otherwise.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantSystem = process.argv.includes('--system');

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function ensureNpm() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.custos-install-stamp');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return;
  console.log('custos: installing npm packages from package-lock.json …');
  // The Electron runtime cannot be downloaded on offline build machines; the package itself is
  // still installed so the Electron host builds, and `npm start` falls back to the browser host.
  const ok = run('npm', ['ci', '--no-audit', '--no-fund'], { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
  if (!ok) {
    console.error('custos: `npm ci` failed; see the messages above.');
    process.exit(1);
  }
  writeFileSync(stamp, want + '\n');
}

const SYSTEM = [
  { bin: '/usr/bin/chromium', pkg: 'chromium', why: 'end-to-end tests and browser mode' },
  { bin: '/usr/bin/softhsm2-util', pkg: 'softhsm2', why: 'the PKCS#11 token used by tests' },
  { bin: '/usr/bin/pkcs11-tool', pkg: 'opensc', why: 'checking what Custos puts on a token' },
  { bin: '/usr/bin/pdftotext', pkg: 'poppler-utils', why: 'checking the text of exported reports' },
  { bin: '/usr/bin/openssl', pkg: 'openssl', why: 'interoperability checks' },
];

function ensureSystem() {
  const missing = SYSTEM.filter((s) => !existsSync(s.bin));
  if (missing.length === 0) return;
  const names = missing.map((m) => m.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`custos: installing Debian packages: ${names.join(' ')} …`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], env) && run('apt-get', ['install', '-y', '-qq', ...names], env)) return;
    console.error('custos: apt-get could not install the packages above.');
    process.exit(1);
  }
  console.error('custos: these system packages are missing:');
  for (const m of missing) console.error(`  - ${m.pkg} (${m.bin}): ${m.why}`);
  console.error(`Install them (Debian/Ubuntu: sudo apt-get install ${names.join(' ')}) and run the command again.`);
  process.exit(1);
}

/**
 * The native batch GCD (GMP, OpenMP) makes the shared-prime analysis about three times faster than
 * the JavaScript trees. `npm test` needs it (its tests compare both); `npm start` works without.
 */
function ensureNative() {
  let r = buildNative();
  if (r.ok) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (wantSystem && isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('custos: installing Debian packages: gcc libgmp-dev (native batch GCD) …');
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], env) && run('apt-get', ['install', '-y', '-qq', 'gcc', 'libgmp-dev'], env)) r = buildNative();
    if (r.ok) return;
  }
  const how = 'install gcc and libgmp-dev (Debian/Ubuntu: sudo apt-get install gcc libgmp-dev)';
  if (wantSystem) {
    console.error(`custos: the native batch GCD could not be built (${r.message}); ${how} and run the command again.`);
    process.exit(1);
  }
  console.log(`custos: the native batch GCD was not built (${r.message}); the analysis uses the slower JavaScript trees. To build it, ${how}.`);
}

ensureNpm();
if (wantSystem) ensureSystem();
ensureNative();
