import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { readSettings, storedSettings, writeSettings } from './settings.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
beforeEach(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterEach(() => {
  v.close();
  dir.cleanup();
});

describe('console settings', () => {
  it('takes the destruction waiting period from the active policy until an administrator sets one', () => {
    expect(readSettings(v.db)).toEqual({ idleLockMinutes: 5, destructionWaitDays: 7 });
    const composition = { format: 'custos.policy-composition/v1', id: 'org', packs: ['custos-baseline'], overrides: [], disabledRules: [], settings: { destructionWaitDays: 21 } };
    v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', ?)").run(JSON.stringify(composition));
    expect(readSettings(v.db).destructionWaitDays).toBe(21);
    writeSettings(v.db, { ...storedSettings(v.db), idleLockMinutes: 10 });
    expect(readSettings(v.db)).toEqual({ idleLockMinutes: 10, destructionWaitDays: 21 });
    writeSettings(v.db, { ...storedSettings(v.db), destructionWaitDays: 3 });
    expect(readSettings(v.db).destructionWaitDays).toBe(3);
  });
});
