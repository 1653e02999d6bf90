import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInChromium } from './open-browser.js';

let dir: string;
let fake: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custos-open-'));
  fake = join(dir, 'chromium');
  // Stands in for Chromium: records its arguments and exits like a closed window.
  await writeFile(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(dir, 'args.txt')}"\nexit 0\n`);
  await chmod(fake, 0o755);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('openInChromium', () => {
  it('returns null when Chromium is not installed', () => {
    expect(openInChromium('http://127.0.0.1:1/#token=x', join(dir, 'missing'))).toBeNull();
  });

  it('opens an app window on a throw-away profile and removes the profile when it closes', async () => {
    const opened = openInChromium('http://127.0.0.1:1/#token=abc', fake);
    expect(opened).not.toBeNull();
    expect(await opened!.exited).toBe(0);
    const args = (await readFile(join(dir, 'args.txt'), 'utf8')).trim().split('\n');
    expect(args).toContain('--app=http://127.0.0.1:1/#token=abc');
    const profileArg = args.find((a) => a.startsWith('--user-data-dir='));
    expect(profileArg).toBeDefined();
    expect(existsSync(profileArg!.slice('--user-data-dir='.length))).toBe(false);
  });
});
