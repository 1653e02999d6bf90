import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../src-shared/users.js';
import { open, seal } from '../crypto/aead.js';
import { DEFAULT_KDF_COST, derivePassphraseKey, newKdfParams, type KdfCost } from '../crypto/passphrase-kdf.js';
import { deriveSubkey } from '../crypto/subkeys.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { AuditLog, type AuditInput } from '../audit/log.js';
import { openEncryptedDatabase, type Db } from './database.js';
import {
  DATABASE_FILE,
  HEADER_FILE,
  HEADER_FORMAT,
  HEADER_VERSION,
  readHeader,
  signHeader,
  vaultExists,
  verifyHeaderMac,
  wrapAad,
  writeHeader,
  type PassphraseMethod,
  type VaultHeader,
} from './header.js';
import { migrate } from './migrate.js';
import { userTag } from './user-tag.js';

export interface VaultUser {
  id: string;
  name: string;
  role: Role;
}

export interface CreateVaultOptions {
  adminName: string;
  passphrase: string;
  kdfCost?: KdfCost;
  now?: () => Date;
}

export interface UnlockOptions {
  user: string;
  passphrase: string;
  now?: () => Date;
  /** Recorded in the unlock audit event: which host opened the vault. */
  via?: string;
}

export type MaterialPurpose = 'private-pkcs8' | 'secret';

const AUTH_FAILED = 'Unknown user or wrong passphrase. Check both and try again.';

function materialAad(keyId: string, version: number, purpose: MaterialPurpose): string {
  return `custos/v1/material|${keyId}|${version}|${purpose}`;
}

/** Files an interrupted creation may leave behind; only these are ever cleared on retry. */
function isCreationLeftover(name: string): boolean {
  return name === DATABASE_FILE || name === `${DATABASE_FILE}-wal` || name === `${DATABASE_FILE}-shm` || name === `${DATABASE_FILE}-journal` || name.startsWith(`${HEADER_FILE}.tmp-`);
}

/**
 * An unlocked vault: the open encrypted database, the derived keys, and the person who unlocked
 * it. Lock it with `close()`, which zeroes every derived key. The VMK itself is dropped as soon as
 * the subkeys are derived.
 */
export class UnlockedVault {
  readonly audit: AuditLog;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly header: VaultHeader,
    readonly db: Db,
    private readonly materialKey: Buffer,
    private readonly auditKey: Buffer,
    readonly user: VaultUser,
    readonly now: () => Date,
  ) {
    this.audit = new AuditLog(db, header.vaultId, auditKey, now);
  }

  get vaultId(): string {
    return this.header.vaultId;
  }

  static async create(dir: string, options: CreateVaultOptions): Promise<UnlockedVault> {
    const now = options.now ?? (() => new Date());
    if (vaultExists(dir)) throw new CustosError('E_VAULT_EXISTS', `A vault already exists at ${dir}; unlock it instead, or choose another folder.`);
    if (existsSync(dir)) {
      const strangers = readdirSync(dir).filter((n) => !isCreationLeftover(n));
      if (strangers.length > 0) throw new CustosError('E_CONFLICT', `The folder ${dir} is not empty and holds no vault; choose an empty or new folder.`);
      for (const n of readdirSync(dir)) rmSync(join(dir, n), { force: true });
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });

    const vaultId = randomBytes(16).toString('hex');
    const vmk = randomBytes(32);
    const keys = {
      database: deriveSubkey(vmk, vaultId, 'database'),
      material: deriveSubkey(vmk, vaultId, 'material'),
      audit: deriveSubkey(vmk, vaultId, 'audit'),
      header: deriveSubkey(vmk, vaultId, 'header'),
    };
    let db: Db | null = null;
    try {
      const method = await wrapWithPassphrase(vaultId, options.adminName, options.passphrase, vmk, options.kdfCost ?? DEFAULT_KDF_COST);
      db = openEncryptedDatabase(join(dir, DATABASE_FILE), keys.database, { create: true });
      migrate(db);
      const admin: VaultUser = { id: randomBytes(16).toString('hex'), name: options.adminName, role: 'administrator' };
      const vault = new UnlockedVault(
        dir,
        signHeader(
          {
            format: HEADER_FORMAT,
            version: HEADER_VERSION,
            vaultId,
            createdAt: now().toISOString(),
            database: { file: DATABASE_FILE, cipher: 'sqlcipher' },
            unlockMethods: [method],
          },
          keys.header,
        ),
        db,
        keys.material,
        keys.audit,
        admin,
        now,
      );
      vault.change(
        { actor: admin.name, operation: 'vault.create', outcome: 'success', details: { unlockMethod: 'passphrase', kdf: 'argon2id' } },
        () => {
          db!.prepare('INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)').run(admin.id, admin.name, admin.role, now().toISOString());
          vault.audit.append({ actor: admin.name, operation: 'user.create', outcome: 'success', details: { user: admin.name, role: admin.role } });
        },
      );
      // The header is written last: until it exists there is no vault, and a retry clears the rest.
      writeHeader(dir, vault.header);
      return vault;
    } catch (e) {
      db?.close();
      wipe(keys.material, keys.audit);
      throw e;
    } finally {
      wipe(vmk, keys.database, keys.header);
    }
  }

  static async unlock(dir: string, options: UnlockOptions): Promise<UnlockedVault> {
    const now = options.now ?? (() => new Date());
    const header = readHeader(dir);
    const tag = userTag(header.vaultId, options.user);
    const method = header.unlockMethods.find((m): m is PassphraseMethod => m.type === 'passphrase' && m.userTag === tag);
    // Derive even for an unknown name so timing does not tell names apart.
    const kdf = method?.kdf ?? header.unlockMethods.find((m): m is PassphraseMethod => m.type === 'passphrase')?.kdf;
    if (!kdf) throw new CustosError('E_AUTH_FAILED', AUTH_FAILED);
    const wrappingKey = await derivePassphraseKey(options.passphrase, kdf);
    let vmk: Buffer | null = null;
    try {
      if (!method) throw new CustosError('E_AUTH_FAILED', AUTH_FAILED);
      vmk = open(wrappingKey, { nonce: Buffer.from(method.wrap.nonce, 'base64'), box: Buffer.from(method.wrap.box, 'base64') }, wrapAad(header.vaultId, method.id, 'passphrase'));
      if (!vmk || vmk.length !== 32) throw new CustosError('E_AUTH_FAILED', AUTH_FAILED);
    } finally {
      wipe(wrappingKey);
    }
    const keys = {
      database: deriveSubkey(vmk, header.vaultId, 'database'),
      material: deriveSubkey(vmk, header.vaultId, 'material'),
      audit: deriveSubkey(vmk, header.vaultId, 'audit'),
      header: deriveSubkey(vmk, header.vaultId, 'header'),
    };
    wipe(vmk);
    let db: Db | null = null;
    try {
      if (!verifyHeaderMac(header, keys.header)) {
        throw new CustosError('E_HEADER_TAMPERED', 'The vault header was altered since it was last written by Custos; it is refused. Restore header.json from a backup.');
      }
      db = openEncryptedDatabase(join(dir, DATABASE_FILE), keys.database, { create: false });
      migrate(db);
      const row = db.prepare('SELECT id, name, role, disabled FROM users WHERE name = ? COLLATE NOCASE').get(options.user) as
        | { id: string; name: string; role: Role; disabled: number }
        | undefined;
      if (!row || row.disabled) throw new CustosError('E_AUTH_FAILED', row ? 'This user is disabled; ask an administrator.' : AUTH_FAILED);
      const vault = new UnlockedVault(dir, header, db, keys.material, keys.audit, { id: row.id, name: row.name, role: row.role }, now);
      vault.change({ actor: row.name, operation: 'vault.unlock', outcome: 'success', details: { method: 'passphrase', via: options.via ?? 'core' } }, () => {});
      return vault;
    } catch (e) {
      db?.close();
      wipe(keys.material, keys.audit);
      throw e;
    } finally {
      wipe(keys.database, keys.header);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new CustosError('E_VAULT_LOCKED', 'The vault is locked. Unlock it to continue.');
  }

  /** Runs a change and its audit event in one transaction: both commit or neither does. */
  change<T>(event: AuditInput, apply: () => T): T {
    this.assertOpen();
    return this.db.transaction(() => {
      const result = apply();
      this.audit.append(event);
      return result;
    })();
  }

  /** Records an attempt that changed nothing (refused or failed), in its own transaction. */
  record(event: AuditInput): void {
    this.assertOpen();
    this.db.transaction(() => this.audit.append(event))();
  }

  sealMaterial(keyId: string, version: number, purpose: MaterialPurpose, plaintext: Uint8Array): { nonce: Buffer; box: Buffer } {
    this.assertOpen();
    return seal(this.materialKey, plaintext, materialAad(keyId, version, purpose));
  }

  /** Returns the clear material; the caller wipes it when done. Never send it to the renderer. */
  openMaterial(keyId: string, version: number): { purpose: MaterialPurpose; material: Buffer } {
    this.assertOpen();
    const row = this.db.prepare('SELECT purpose, nonce, box FROM key_material WHERE key_id = ? AND version = ?').get(keyId, version) as
      | { purpose: MaterialPurpose; nonce: Buffer; box: Buffer }
      | undefined;
    if (!row) throw new CustosError('E_NOT_FOUND', 'This key version has no material in the vault (it is held elsewhere or was destroyed).');
    const material = open(this.materialKey, { nonce: row.nonce, box: row.box }, materialAad(keyId, version, row.purpose));
    if (!material) throw new CustosError('E_VAULT_CORRUPT', 'Stored key material failed its integrity check; the vault database was altered.');
    return { purpose: row.purpose, material };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Locks: closes the database and zeroes every derived key held in memory. */
  close(event?: AuditInput): void {
    if (this.closed) return;
    try {
      if (event) this.record(event);
    } finally {
      this.closed = true;
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A checkpoint is housekeeping; the WAL is encrypted and replays on the next open.
      }
      this.db.close();
      wipe(this.materialKey, this.auditKey);
    }
  }
}

async function wrapWithPassphrase(vaultId: string, userName: string, passphrase: string, vmk: Buffer, cost: KdfCost): Promise<PassphraseMethod> {
  const id = randomBytes(16).toString('hex');
  const kdf = newKdfParams(cost);
  const wrappingKey = await derivePassphraseKey(passphrase, kdf);
  try {
    const sealed = seal(wrappingKey, vmk, wrapAad(vaultId, id, 'passphrase'));
    return {
      id,
      type: 'passphrase',
      userTag: userTag(vaultId, userName),
      kdf,
      wrap: { alg: 'A256GCM', nonce: sealed.nonce.toString('base64'), box: sealed.box.toString('base64') },
    };
  } finally {
    wipe(wrappingKey);
  }
}
