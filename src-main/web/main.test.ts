import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built entry (out/main/web.js) as scripts and the Playwright fixture use it; skipped when
// out/ has not been built.
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'main', 'web.js');

describe.skipIf(!existsSync(entry))('out/main/web.js', () => {
  it('prints one address line, serves, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'custos-web-main-'));
    const child = spawn(process.execPath, [entry, '--vault', join(dir, 'vault'), '--port', '0', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          const m = /^Custos console \(browser mode\): (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})\n/m.exec(stdout);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const origin = new URL(url).origin;
      const res = await fetch(`${origin}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain(`connect-src ws://127.0.0.1:${new URL(url).port}`);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('explains bad arguments and exits with 2', () => {
    const r = spawnSync(process.execPath, [entry, '--port', 'eighty'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--port takes a number');
    expect(r.stdout).toBe('');
  });
});
