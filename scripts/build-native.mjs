// Builds Custos' native helper (native/batch-gcd.c, GMP and OpenMP) into native/build/. Used by
// ensure-deps.mjs; standard library only. Rebuilds only when the source or the flags changed.
// Returns true when the program is there; the analysis falls back to JavaScript otherwise.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BATCH_GCD_SOURCE = join(root, 'native', 'batch-gcd.c');
export const BATCH_GCD_BINARY = join(root, 'native', 'build', 'custos-batch-gcd');
const FLAGS = ['-O2', '-fopenmp', '-Wall', '-Wextra'];
const LIBS = ['-lgmp'];

/** Compiles when stale; returns { ok, message }. */
export function buildNative() {
  const stamp = `${BATCH_GCD_BINARY}.stamp`;
  const want = createHash('sha256').update(readFileSync(BATCH_GCD_SOURCE)).update(FLAGS.join(' ')).update(LIBS.join(' ')).digest('hex');
  if (existsSync(BATCH_GCD_BINARY) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return { ok: true, message: 'up to date' };
  mkdirSync(dirname(BATCH_GCD_BINARY), { recursive: true });
  const tmp = `${BATCH_GCD_BINARY}.tmp`;
  const r = spawnSync('cc', [...FLAGS, '-o', tmp, BATCH_GCD_SOURCE, ...LIBS], { cwd: root, encoding: 'utf8' });
  if (r.error || r.status !== 0) return { ok: false, message: (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(0, 3).join(' ') };
  renameSync(tmp, BATCH_GCD_BINARY);
  writeFileSync(stamp, `${want}\n`);
  return { ok: true, message: 'built' };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = buildNative();
  console.log(`custos: native batch GCD ${r.ok ? r.message : `not built: ${r.message}`}`);
  process.exit(r.ok ? 0 : 1);
}
