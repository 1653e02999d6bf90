import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { CustosError } from '../errors.js';

const require = createRequire(import.meta.url);
// The multiple-ciphers build is API-compatible with better-sqlite3 and adds whole-file encryption.
const Database = require('better-sqlite3-multiple-ciphers') as typeof BetterSqlite3;

export type Db = BetterSqlite3.Database;

/**
 * Opens (or creates) the encrypted database with a raw 256-bit key. SQLCipher v4 layout: every
 * page, including the first, is encrypted and authenticated, so the file never starts with
 * "SQLite format 3" and a flipped byte fails its page HMAC. The WAL is encrypted the same way;
 * temporary tables stay in memory so no clear temp file is ever written.
 */
export function openEncryptedDatabase(path: string, key: Uint8Array, options: { create: boolean; readOnly?: boolean }): Db {
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: !options.create, readonly: options.readOnly === true });
  } catch (e) {
    throw new CustosError('E_VAULT_MISSING', `The vault database ${path} cannot be opened.`, { cause: e });
  }
  const hexKey = Buffer.from(key).toString('hex');
  try {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma('legacy = 4');
    db.pragma(`key = "x'${hexKey}'"`);
    // Reading the schema is the first access that needs the key: a wrong key or a damaged first
    // page fails here.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    // Owner-only, like an SSH key; SQLite gives the WAL and shm files the same mode.
    if (options.create && process.platform !== 'win32') chmodSync(path, 0o600);
    if (!options.readOnly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    db.pragma('temp_store = MEMORY');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    db.close();
    throw new CustosError('E_VAULT_CORRUPT', 'The vault database cannot be decrypted or is damaged. If the header unlocked, the database file was altered; restore it from a backup.', { cause: e });
  }
  return db;
}
