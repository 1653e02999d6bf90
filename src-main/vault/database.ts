import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { CustosError } from '../errors.js';

const require = createRequire(import.meta.url);
// The multiple-ciphers build is API-compatible with better-sqlite3 and adds whole-file encryption.
const Database = require('better-sqlite3-multiple-ciphers') as typeof BetterSqlite3;

export type Db = BetterSqlite3.Database;

/**
 * How the database file is encrypted; header.json names it (`database.cipher`), under the header's
 * MAC. `aegis-256`: every page sealed with AEGIS-256 (an AES-round AEAD, CAESAR final portfolio)
 * under a one-time key drawn from the page number and a random 32-byte nonce, with a 32-byte tag.
 * SQLite3MultipleCiphers runs it on the CPU's AES instructions, where its SQLCipher scheme
 * (AES-256-CBC and HMAC-SHA512) is built without them here: a group commit of usage records costs
 * 146 µs of CPU instead of 258 (see docs/ARCHITECTURE.md "Signing throughput"). `sqlcipher` (v4
 * layout) is how vaults were made before; they still open, and keep it.
 */
export const VAULT_CIPHERS = ['sqlcipher', 'aegis-256'] as const;
export type VaultCipher = (typeof VAULT_CIPHERS)[number];
/** The cipher of every new vault. */
export const NEW_VAULT_CIPHER: VaultCipher = 'aegis-256';

function configureCipher(db: Db, cipher: VaultCipher): void {
  if (cipher === 'aegis-256') {
    db.pragma(`cipher = 'aegis'`);
    db.pragma(`algorithm = 'aegis-256'`);
  } else {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma('legacy = 4');
  }
}

/**
 * Opens (or creates) the encrypted database with a raw 256-bit key (no key derivation inside
 * SQLite: the key is already an HKDF output). With either cipher every page, including the first,
 * is encrypted and authenticated, so the file never starts with "SQLite format 3" and a flipped
 * byte fails its page's tag. The WAL is encrypted the same way; temporary tables stay in memory so
 * no clear temp file is ever written.
 */
export function openEncryptedDatabase(path: string, key: Uint8Array, options: { create: boolean; cipher: VaultCipher; readOnly?: boolean }): Db {
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: !options.create, readonly: options.readOnly === true });
  } catch (e) {
    throw new CustosError('E_VAULT_MISSING', `The vault database ${path} cannot be opened.`, { cause: e });
  }
  const hexKey = Buffer.from(key).toString('hex');
  try {
    configureCipher(db, options.cipher);
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

/** The database as handed to a worker thread in its workerData; the key is the worker's own copy. */
export interface DatabaseHandoff {
  dbPath: string;
  dbKey: Uint8Array;
  cipher: VaultCipher;
}

/** In a worker: opens the database it was handed and wipes its copy of the key, opened or not. */
export function openHandedDatabase(h: DatabaseHandoff, options: { readOnly?: boolean } = {}): Db {
  try {
    return openEncryptedDatabase(h.dbPath, h.dbKey, { create: false, cipher: h.cipher, readOnly: options.readOnly });
  } finally {
    h.dbKey.fill(0);
  }
}
