import { cpSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { toErrorShape } from '../errors.js';
import { KeyService } from '../keys/key-service.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from './vault.js';

const PASS = 'tamper test passphrase';
let dir: { path: string; cleanup: () => void };
let pristine: string;
let snapshot: string;

/** Everything a person could see of the vault, including the clear material of every key. */
async function readEverything(vaultDir: string): Promise<string> {
  const v = await UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS });
  try {
    v.checkIntegrity();
    const keys = new KeyService(v);
    const list = keys.list({ offset: 0, limit: 500, sort: 'createdAt', direction: 'asc' }).items;
    const details = list.map((k) => ({ ...keys.get(k.id), material: v.openMaterial(k.id, 1).material.toString('hex') }));
    // The unlock itself appended the newest event; compare what was there before it.
    const audit = v.audit.list({ limit: 1000 }).slice(1);
    return JSON.stringify({ details, audit, users: new UserService(v).list() });
  } finally {
    v.close();
  }
}

beforeAll(async () => {
  dir = tempDir();
  pristine = join(dir.path, 'pristine');
  const v = await UnlockedVault.create(pristine, { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST });
  const ks = new KeyService(v);
  for (const a of ['ec-p256', 'aes-256', 'ed25519', 'rsa-2048', 'aes-128'] as const) await ks.generate({ name: `tamper-${a}`, algorithm: a });
  await new UserService(v).add({ name: 'bob', role: 'auditor', passphrase: 'bob long passphrase', personalUnlock: true });
  v.close();
  rmSync(join(pristine, 'vault.db-wal'), { force: true });
  rmSync(join(pristine, 'vault.db-shm'), { force: true });
  const probe = join(dir.path, 'probe');
  cpSync(pristine, probe, { recursive: true });
  snapshot = await readEverything(probe);
});
afterAll(() => dir.cleanup());

describe('tampering with the vault at rest', () => {
  it('never yields silently different data when any single byte of the database or header is flipped', async () => {
    const files = ['vault.db', 'header.json'];
    const sizes = files.map((f) => statSync(join(pristine, f)).size);
    const total = sizes[0]! + sizes[1]!;
    // Deterministic sample spread over both files (the header is small, so it gets its share).
    const positions: Array<[string, number]> = [];
    for (let i = 0; i < 170; i++) positions.push(['vault.db', Math.floor(((i + 0.5) / 170) * sizes[0]!)]);
    for (let i = 0; i < 60; i++) positions.push(['header.json', Math.floor(((i + 0.5) / 60) * sizes[1]!)]);
    expect(positions.length).toBeGreaterThanOrEqual(200);
    expect(total).toBeGreaterThan(0);

    const outcomes = { refused: 0, unchanged: 0 };
    const codes = new Set<string>();
    const work = join(dir.path, 'work');
    for (const [file, pos] of positions) {
      rmSync(work, { recursive: true, force: true });
      cpSync(pristine, work, { recursive: true });
      const bytes = readFileSync(join(work, file));
      bytes[pos]! ^= 0x5a;
      writeFileSync(join(work, file), bytes);
      let seen: string | null = null;
      try {
        seen = await readEverything(work);
      } catch (e) {
        const shape = toErrorShape(e);
        expect(shape.code, `${file}@${pos}: ${String(e)}`).not.toBe('E_INTERNAL');
        codes.add(shape.code);
        outcomes.refused++;
        continue;
      }
      expect(seen, `${file}@${pos} opened with different data`).toBe(snapshot);
      outcomes.unchanged++;
    }
    expect(outcomes.refused).toBeGreaterThan(150);
    expect([...codes].every((c) => ['E_VAULT_CORRUPT', 'E_HEADER_TAMPERED', 'E_AUTH_FAILED'].includes(c))).toBe(true);
  });
});
