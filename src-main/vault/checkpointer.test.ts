import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { bundleScript } from '../testing/script-bundle.js';
import { tempDir } from '../testing/temp.js';
import { FIRST_PACE, IDLE_DELAY_MS, IDLE_ROUNDS_BEFORE_SLOWING, nextCheckpointDelay } from './checkpoint-pace.js';
import { SUSTAINED_USE_COMMITS, UnlockedVault, WAL_FRAMES_WITH_CHECKPOINTER } from './vault.js';

let worker: string;
let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

beforeAll(async () => {
  worker = await bundleScript(join(import.meta.dirname, 'checkpoint-worker.ts'), 'vault-checkpoint-worker');
});
afterAll(() => rmSync(worker, { force: true }));
beforeEach(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterEach(() => {
  v.close();
  dir.cleanup();
});

const dbFile = () => join(dir.path, 'v', 'vault.db');
const walBytes = () => statSync(`${dbFile()}-wal`).size;

/** `n` group commits of 16 usage records each, one after another, as a stream of signatures makes them. */
async function useCommits(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const events = Array.from({ length: 16 }, (_, j) => ({ actor: 'alice', operation: 'key.sign', outcome: 'success' as const, details: { mechanism: 'ecdsa-sha256', dataSha256: `${i}-${j}`.padEnd(64, '0') } }));
    await v.recordUse(events, () => {});
  }
}

async function until(what: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return what();
}

describe('background checkpoints', () => {
  it('start only with sustained use, and then copy the WAL into the database from their own thread', async () => {
    v.useCheckpointWorker(worker);
    // Only the worker may checkpoint: the database file grows only if it copies frames.
    v.db.pragma('wal_autocheckpoint = 0');
    await useCommits(SUSTAINED_USE_COMMITS - 1);
    expect(v.backgroundCheckpoints).toBeNull();
    const before = statSync(dbFile()).size;
    await useCommits(40);
    expect(v.backgroundCheckpoints).not.toBeNull();
    expect(await until(() => statSync(dbFile()).size > before)).toBe(true);
    expect(v.backgroundCheckpoints!.failure).toBeNull();
  });

  it('keep the WAL bounded under a steady stream of commits (the main connection resets it)', async () => {
    v.useCheckpointWorker(worker);
    await useCommits(3000);
    expect(v.backgroundCheckpoints).not.toBeNull();
    // The main connection restarts the WAL after WAL_FRAMES_WITH_CHECKPOINTER frames (4 KiB pages
    // and their headers); a WAL that never restarted would hold every frame written (~110 MB here).
    expect(walBytes()).toBeLessThan((WAL_FRAMES_WITH_CHECKPOINTER + 500) * 4200);
    expect(v.db.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_FRAMES_WITH_CHECKPOINTER);
    expect(v.audit.verify().ok).toBe(true);
  });

  it('end when the vault locks, and the locked vault opens with every record', async () => {
    v.useCheckpointWorker(worker);
    await useCommits(SUSTAINED_USE_COMMITS + 10);
    const running = v.backgroundCheckpoints!;
    const events = v.audit.verify().events;
    v.close();
    await running.exited;
    expect(running.failure).toBeNull();
    v = await UnlockedVault.unlock(join(dir.path, 'v'), { user: 'alice', passphrase: 'alice long passphrase' });
    expect(v.audit.verify()).toMatchObject({ ok: true });
    expect(v.audit.verify().events).toBeGreaterThan(events);
  });

  it('without a worker, checkpoints stay on the main connection and nothing starts', async () => {
    v.useCheckpointWorker(null);
    await useCommits(SUSTAINED_USE_COMMITS + 10);
    expect(v.backgroundCheckpoints).toBeNull();
    expect(v.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});

describe('checkpoint pacing', () => {
  it('runs at the interval while the log moves and slows down once it has stood still', () => {
    let pace = FIRST_PACE;
    let r = nextCheckpointDelay({ log: 100, checkpointed: 100 }, pace, 10);
    expect(r.delayMs).toBe(10);
    pace = r.state;
    for (let i = 0; i < IDLE_ROUNDS_BEFORE_SLOWING - 1; i++) {
      r = nextCheckpointDelay({ log: 100, checkpointed: 100 }, pace, 10);
      pace = r.state;
      expect(r.delayMs).toBe(10);
    }
    r = nextCheckpointDelay({ log: 100, checkpointed: 100 }, pace, 10);
    expect(r.delayMs).toBe(IDLE_DELAY_MS);
    // New frames: back to the short interval.
    r = nextCheckpointDelay({ log: 140, checkpointed: 100 }, r.state, 10);
    expect(r.delayMs).toBe(10);
  });
});
