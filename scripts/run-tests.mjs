#!/usr/bin/env node
// `npm test`: every check in order, then one closing line "custos: N passed, N failed, N skipped".
// Static checks (lint, typecheck, build) count as one check each, so a lint failure shows in the
// closing line as well as in the exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'test-results');
const totals = { passed: 0, failed: 0, skipped: 0 };
const timings = [];

function stage(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  timings.push([name, ((Date.now() - t0) / 1000).toFixed(1)]);
  return r.status === 0;
}

function check(name, cmd, args) {
  const ok = stage(name, cmd, args);
  if (ok) totals.passed++;
  else totals.failed++;
  return ok;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const npx = (...a) => ['npx', ['--no-install', ...a]];

const deps = stage('install what is missing', 'node', ['scripts/ensure-deps.mjs', '--system']);
if (!deps) {
  console.log('\ncustos: 0 passed, 1 failed');
  process.exit(1);
}
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

check('lint', ...npx('eslint', '--max-warnings', '0', '.'));
check('typecheck', ...npx('tsc', '-b'));
const built = check('build', ...npx('electron-vite', 'build'));

if (built) {
  const unitJson = join(reports, 'unit-results.json');
  const unitOk = stage('unit, integration and conformance tests (vitest)', ...npx('vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`));
  const unit = readJson(unitJson);
  if (unit) {
    totals.passed += unit.numPassedTests ?? 0;
    totals.failed += unit.numFailedTests ?? 0;
    totals.skipped += (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0);
    if (!unitOk && (unit.numFailedTests ?? 0) === 0) totals.failed++;
  } else if (!unitOk) totals.failed++;

  const e2eJson = join(reports, 'e2e-results.json');
  const e2eOk = stage('end-to-end tests (Playwright, Debian Chromium)', ...npx('playwright', 'test'), { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson });
  const e2e = readJson(e2eJson);
  if (e2e?.stats) {
    totals.passed += (e2e.stats.expected ?? 0) + (e2e.stats.flaky ?? 0);
    totals.failed += e2e.stats.unexpected ?? 0;
    totals.skipped += e2e.stats.skipped ?? 0;
    if (!e2eOk && (e2e.stats.unexpected ?? 0) === 0) totals.failed++;
  } else if (!e2eOk) totals.failed++;
}

console.log('\nStage times (s):');
for (const [n, s] of timings) console.log(`  ${s.padStart(6)}  ${n}`);
if (existsSync(join(reports, 'e2e-results.json'))) console.log(`Artifacts (screenshots, traces): ${join(root, 'test-results')}`);
console.log(`\ncustos: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
