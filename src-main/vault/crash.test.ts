import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { bundleScript } from '../testing/script-bundle.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from './vault.js';

const PASS = 'crash test passphrase';
const RUNS = 20;
const OPS = 500;
let dir: { path: string; cleanup: () => void };
let child: string;

beforeAll(async () => {
  dir = tempDir();
  child = await bundleScript(join(import.meta.dirname, '..', 'testing', 'crash-child.ts'), 'crash-child');
});
afterAll(() => {
  dir.cleanup();
  rmSync(child, { force: true });
});

/** Runs the child until it has committed `killAfter` changes (or finishes), then SIGKILLs it. */
function runChild(vaultDir: string, runId: number, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, vaultDir, PASS, String(runId), String(OPS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let err = '';
    let killed = false;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        if (!killed && lines.length > killAfter) {
          killed = true;
          p.kill('SIGKILL');
        }
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${err}`));
      else resolve(lines.filter((l) => l !== 'ready' && l !== 'done'));
    });
  });
}

describe('crash safety', () => {
  it(`keeps every committed change and a verifying chain across ${RUNS} SIGKILLs mid-work`, async () => {
    const vaultDir = join(dir.path, 'v');
    (await UnlockedVault.create(vaultDir, { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST })).close();
    const committedKeys = new Set<string>();
    const committedUsers = new Set<string>();
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    let finished = 0;
    for (let run = 0; run < RUNS; run++) {
      // Kill somewhere in the run; a few runs go to the end so the full 500 are exercised too.
      const killAfter = run % 7 === 6 ? OPS + 10 : Math.floor(random() * OPS * 0.6);
      const lines = await runChild(vaultDir, run, killAfter);
      if (lines.length >= OPS) finished++;
      for (const l of lines) {
        const [kind, id] = l.split(' ');
        if (kind === 'key') committedKeys.add(id!);
        if (kind === 'user' && l.includes(' executed ')) committedUsers.add(id!);
      }
      const v = await UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS });
      try {
        const check = v.checkIntegrity();
        expect(check.auditEvents).toBeGreaterThan(0);
        const ids = new Set(new KeyService(v).list({ offset: 0, limit: 500, sort: 'createdAt', direction: 'asc' }).items.map((k) => k.id));
        const total = new KeyService(v).list({ offset: 0, limit: 1, sort: 'createdAt', direction: 'asc' }).total;
        const all = new Set<string>(ids);
        for (let off = 500; off < total; off += 500) for (const k of new KeyService(v).list({ offset: off, limit: 500, sort: 'createdAt', direction: 'asc' }).items) all.add(k.id);
        for (const id of committedKeys) expect(all.has(id), `key ${id} reported committed in run ${run} is missing`).toBe(true);
        for (const id of committedKeys) expect(v.openMaterial(id, 1).material.length).toBeGreaterThan(0);
        const people = new Set(new UserService(v).list().map((u) => u.name));
        for (const u of committedUsers) expect(people.has(u), `user ${u} missing after run ${run}`).toBe(true);
      } finally {
        v.close();
      }
    }
    expect(finished).toBeGreaterThanOrEqual(2);
    expect(committedKeys.size).toBeGreaterThan(RUNS * 10);
  });
});
