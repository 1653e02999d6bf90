import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { seedDemo } from '../demo/seed.js';
import { dueRotations } from '../policy/index.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { activePolicy, policyKeys, rotationTasks } from './policy-service.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
let dir: ReturnType<typeof tempDir>;
let vault: UnlockedVault;

beforeAll(async () => {
  dir = tempDir('custos-rotation-tasks-');
  vault = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => NOW });
  seedDemo(vault, { keys: 3000, actor: 'alice', batch: 1000, now: NOW, seed: 7 });
});
afterAll(() => {
  vault.close();
  dir.cleanup();
});

/** What the task list was before the due-date cache: the whole inventory judged again. */
const fullEvaluation = (asOf: Date, days: number) => dueRotations(policyKeys(vault.db), activePolicy(vault.db), asOf, days);

describe('rotation tasks from the due-date cache', () => {
  it('lists exactly the rotations a full evaluation of the inventory finds, for every horizon', () => {
    for (const days of [0, 30, 365, 3650]) {
      const fromCache = rotationTasks(vault.db, NOW, days);
      expect(fromCache).toEqual(fullEvaluation(NOW, days));
    }
    expect(rotationTasks(vault.db, NOW, 365).length).toBeGreaterThan(10);
  });

  it('follows a key whose dates change after the cache was filled', () => {
    const before = rotationTasks(vault.db, NOW, 30);
    const id = vault.db.prepare("SELECT id FROM keys WHERE state = 'active' AND due_at > ? ORDER BY due_at LIMIT 1").pluck().get('2027-06-01') as string;
    expect(before.some((r) => r.keyId === id)).toBe(false);
    // Its protect-stop date moves into the next ten days: it is due now.
    vault.db.prepare('UPDATE key_versions SET protect_stop_at = ? WHERE key_id = ? AND version = (SELECT current_version FROM keys WHERE id = ?)').run('2026-06-10T00:00:00.000Z', id, id);
    const after = rotationTasks(vault.db, NOW, 30);
    expect(after.some((r) => r.keyId === id)).toBe(true);
    expect(after).toEqual(fullEvaluation(NOW, 30));
  });
});
