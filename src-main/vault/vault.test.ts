import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { tempDir } from '../testing/temp.js';
import { JOURNAL_FILE } from './auth-journal.js';
import { readHeader } from './header.js';
import { SCHEMA_VERSION } from './migrate.js';
import { makeQuorumMethod } from './unlock-methods.js';
import { UnlockedVault } from './vault.js';

const PASS = 'vault test passphrase';
let dir: { path: string; cleanup: () => void };
let vaultDir: string;

beforeEach(() => {
  dir = tempDir();
  vaultDir = join(dir.path, 'v');
});
afterEach(() => dir.cleanup());

const create = () => UnlockedVault.create(vaultDir, { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST });

describe('schema migrations', () => {
  it('opens a vault written by schema version 1 and upgrades it, keeping keys and the audit chain', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'schema-v1');
    const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8'));
    cpSync(fixture, vaultDir, { recursive: true });
    const v = await UnlockedVault.unlock(vaultDir, { user: expected.user, passphrase: expected.passphrase });
    try {
      expect(v.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThan(1);
      const keys = new KeyService(v).list({ offset: 0, limit: 10, sort: 'createdAt', direction: 'asc' });
      expect(keys.items.map((k) => [k.id, k.fingerprint, k.kcv])).toEqual(expected.keys.map((k: { id: string; fingerprint: string; kcv: string }) => [k.id, k.fingerprint, k.kcv]));
      const check = v.audit.verify();
      expect(check.ok).toBe(true);
      expect(check.events).toBeGreaterThan(expected.auditEvents);
      // The v1 user had no login hash; the first unlock sets it so the user can approve requests.
      expect(await v.authenticate(expected.user, expected.passphrase, 'approval')).toMatchObject({ name: expected.user });
    } finally {
      v.close();
    }
    // A vault made before AEGIS-256 keeps its SQLCipher file and says so.
    expect(readHeader(vaultDir).database.cipher).toBe('sqlcipher');
  });
});

describe('header integrity', () => {
  it('restores a header file that is older than the database copy, and refuses a removed method', async () => {
    const v = await create();
    const original = readFileSync(join(vaultDir, 'header.json'), 'utf8');
    // Add a quorum method, then remove alice's own passphrase method.
    const custodians = [
      { user: 'carol', passphrase: 'carol share pass' },
      { user: 'dave', passphrase: 'dave share pass' },
    ];
    const quorum = await v.withVmk((vmk) => makeQuorumMethod(v.vaultId, vmk, 2, custodians, MINIMUM_KDF_COST));
    v.updateHeader((h) => ({ ...h, unlockMethods: [...h.unlockMethods, quorum] }), { actor: 'alice', operation: 'unlock-method.add', outcome: 'success', details: { type: 'quorum' } });
    v.updateHeader((h) => ({ ...h, unlockMethods: h.unlockMethods.filter((m) => m.type !== 'passphrase') }), { actor: 'alice', operation: 'unlock-method.remove', outcome: 'success', details: { type: 'passphrase' } });
    expect(readHeader(vaultDir).revision).toBe(3);
    v.close();

    // Someone puts the original header back, to use the removed passphrase method again.
    writeFileSync(join(vaultDir, 'header.json'), original);
    await expect(UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS })).rejects.toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining('removed') });
    expect(readHeader(vaultDir).revision).toBe(3);

    const q = await UnlockedVault.unlockWithQuorum(vaultDir, { custodians });
    try {
      const ops = q.audit.list({ limit: 10 }).map((e) => `${e.operation}:${e.outcome}`);
      expect(ops).toContain('vault.unlock:refused');
      expect(q.sessionUser).toBeNull();
      expect(() => q.user).toThrow(/nobody is logged in/);
      await q.login('alice', PASS);
      expect(q.user.name).toBe('alice');
      expect(q.audit.verify().ok).toBe(true);
    } finally {
      q.close();
    }
  });

  it('refuses an edited header, an unparseable header, and a header whose KDF floor was lowered', async () => {
    (await create()).close();
    const path = join(vaultDir, 'header.json');
    const good = JSON.parse(readFileSync(path, 'utf8'));
    for (const edit of [
      (h: typeof good) => ({ ...h, createdAt: '1999-01-01T00:00:00.000Z' }),
      (h: typeof good) => ({ ...h, revision: 7 }),
      (h: typeof good) => ({ ...h, unlockMethods: [{ ...h.unlockMethods[0], kdf: { ...h.unlockMethods[0].kdf, memoryKiB: 8 } }] }),
    ]) {
      writeFileSync(path, JSON.stringify(edit(good)));
      await expect(UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS })).rejects.toMatchObject({ code: 'E_HEADER_TAMPERED' });
    }
    writeFileSync(path, '{"format": "custos-vault"');
    await expect(UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS })).rejects.toMatchObject({ code: 'E_HEADER_TAMPERED' });
  });
});

describe('failed attempts', () => {
  it('audits failed unlocks at the next success and delays after five failures', async () => {
    (await create()).close();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const now = () => new Date(t);
    for (let i = 0; i < 5; i++) {
      await expect(UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: `wrong ${i} passphrase`, now })).rejects.toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining('wrong passphrase') });
    }
    // The sixth attempt is not even tried: the right passphrase waits too.
    await expect(UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS, now })).rejects.toMatchObject({ message: expect.stringMatching(/try again in \d+ s/) });
    expect(readFileSync(join(vaultDir, JOURNAL_FILE), 'utf8')).not.toContain('alice');
    t += 60_000;
    const v = await UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS, now });
    try {
      const refused = v.audit.list({ limit: 50 }).filter((e) => e.operation === 'vault.unlock' && e.outcome === 'refused');
      expect(refused).toHaveLength(5);
      expect(refused.every((e) => e.actor === 'alice')).toBe(true);
      expect(v.audit.verify().ok).toBe(true);
    } finally {
      v.close();
    }
  });
});
