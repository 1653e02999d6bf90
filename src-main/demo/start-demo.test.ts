import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm start -- --demo`: the flags of scripts/start.mjs, read in dry-run mode (nothing is built, seeded or started). */
const START = join(import.meta.dirname, '..', '..', 'scripts', 'start.mjs');
const plan = (...args: string[]) => {
  const r = spawnSync(process.execPath, [START, ...args], { env: { ...process.env, CUSTOS_START_DRY_RUN: '1' }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout) : null, err: r.stderr };
};

describe('npm start -- --demo', () => {
  it('takes --demo and --demo-keys for itself and passes every other argument on', () => {
    expect(plan('--demo').out).toEqual({ demo: true, demoKeys: 100_000, args: [] });
    expect(plan('--demo', '--demo-keys', '5000', '--port', '8080').out).toEqual({ demo: true, demoKeys: 5000, args: ['--port', '8080'] });
    expect(plan('--demo-keys=250').out).toEqual({ demo: true, demoKeys: 250, args: [] });
    expect(plan('--vault', '/tmp/v').out).toEqual({ demo: false, demoKeys: 100_000, args: ['--vault', '/tmp/v'] });
  });

  it('refuses a bad key count, and a --vault beside --demo', () => {
    expect(plan('--demo-keys', 'many')).toMatchObject({ code: 2, out: null });
    expect(plan('--demo-keys', '0').err).toMatch(/whole number/);
    expect(plan('--demo', '--vault', '/tmp/v').err).toMatch(/makes its own vault/);
  });
});
