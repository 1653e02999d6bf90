import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { deriveSubkey } from '../crypto/subkeys.js';
import { tempDir } from '../testing/temp.js';
import { NEW_VAULT_CIPHER, openEncryptedDatabase, VAULT_CIPHERS, type VaultCipher } from './database.js';
import { readHeader } from './header.js';
import { UnlockedVault } from './vault.js';

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

/** True when the file opens and reads under this cipher and key. */
function opensWith(path: string, key: Uint8Array, cipher: VaultCipher): boolean {
  try {
    const db = openEncryptedDatabase(path, key, { create: false, cipher, readOnly: true });
    db.close();
    return true;
  } catch (e) {
    expect((e as { code?: string }).code).toBe('E_VAULT_CORRUPT');
    return false;
  }
}

describe('database cipher', () => {
  it.each(VAULT_CIPHERS)('%s: stores nothing in the clear and opens only under its own cipher and key', (cipher) => {
    const path = join(dir.path, `${cipher}.db`);
    const key = randomBytes(32);
    const db = openEncryptedDatabase(path, key, { create: true, cipher });
    db.exec(`CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('marker-${cipher}-7f3a')`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(path);
    expect(bytes.includes(`marker-${cipher}-7f3a`)).toBe(false);
    expect(bytes.subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    for (const other of VAULT_CIPHERS) expect(opensWith(path, key, other)).toBe(other === cipher);
    expect(opensWith(path, randomBytes(32), cipher)).toBe(false);
  });

  it('makes new vaults with AEGIS-256, named in the MACed header', async () => {
    expect(NEW_VAULT_CIPHER).toBe('aegis-256');
    const vaultDir = join(dir.path, 'v');
    const v = await UnlockedVault.create(vaultDir, { adminName: 'alice', passphrase: 'cipher test passphrase', kdfCost: MINIMUM_KDF_COST });
    const dbKey = v.withVmk((vmk) => deriveSubkey(vmk, v.vaultId, 'database'));
    v.close();
    expect(readHeader(vaultDir).database.cipher).toBe('aegis-256');
    const path = join(vaultDir, 'vault.db');
    expect(opensWith(path, dbKey, 'aegis-256')).toBe(true);
    expect(opensWith(path, dbKey, 'sqlcipher')).toBe(false);
  });
});
