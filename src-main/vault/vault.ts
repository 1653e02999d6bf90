import type { Statement } from 'better-sqlite3';
import { randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../src-shared/users.js';
import { open, seal } from '../crypto/aead.js';
import { DEFAULT_KDF_COST, hashLoginPassphrase, verifyLoginPassphrase, type KdfCost } from '../crypto/passphrase-kdf.js';
import { deriveSubkey } from '../crypto/subkeys.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { AuditLog, type AuditInput } from '../audit/log.js';
import { signingKeyFromSeed } from '../audit/signing.js';
import { genesisHash, type AuditDetails, type ChainCheck } from '../audit/chain.js';
import { defaultVerifyWorker, verifyInWorkers } from '../audit/parallel-verify.js';
import { delayAfter, drainFailures, recordFailure, recordSuccess, secondsUntilAllowed } from './auth-journal.js';
import { startBackgroundCheckpoints, defaultCheckpointWorker, type BackgroundCheckpoints } from './checkpointer.js';
import { NEW_VAULT_CIPHER, openEncryptedDatabase, type Db, type VaultCipher } from './database.js';
import {
  DATABASE_FILE,
  HEADER_FILE,
  HEADER_FORMAT,
  HEADER_VERSION,
  headerSchema,
  readHeader,
  signHeader,
  vaultExists,
  verifyHeaderMac,
  writeHeader,
  type PassphraseMethod,
  type QuorumMethod,
  type TokenMethod,
  type UnlockMethod,
  type UnsignedHeader,
  type VaultHeader,
} from './header.js';
import { migrate } from './migrate.js';
import { makePassphraseMethod, openPassphraseMethod, openQuorumMethod, openTokenMethod, type Custodian } from './unlock-methods.js';
import type { TokenService } from '../pkcs11/service.js';
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

export interface QuorumUnlockOptions {
  custodians: Custodian[];
  now?: () => Date;
  via?: string;
}

export type MaterialPurpose = 'private-pkcs8' | 'secret';

const AUTH_FAILED = 'Unknown user or wrong passphrase. Check both and try again.';
/** Group commits of usage records after which the WAL's checkpoints move to their own thread. */
export const SUSTAINED_USE_COMMITS = 32;
/** The main connection's automatic checkpoint threshold once the checkpoint thread runs (SQLite's default: 1,000). */
export const WAL_FRAMES_WITH_CHECKPOINTER = 4000;

function materialAad(keyId: string, version: number, purpose: MaterialPurpose): string {
  return `custos/v1/material|${keyId}|${version}|${purpose}`;
}

/** Files an interrupted creation may leave behind; only these are ever cleared on retry. */
function isCreationLeftover(name: string): boolean {
  return [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, `${DATABASE_FILE}-journal`].includes(name) || name.startsWith(`${HEADER_FILE}.tmp-`);
}

function costOf(header: VaultHeader): KdfCost {
  const m = header.unlockMethods.find((x): x is PassphraseMethod => x.type === 'passphrase');
  const k = m?.kdf ?? (header.unlockMethods.find((x): x is QuorumMethod => x.type === 'quorum')?.shares[0]?.kdf);
  return k ? { memoryKiB: k.memoryKiB, iterations: k.iterations, parallelism: k.parallelism } : DEFAULT_KDF_COST;
}

function sameMethod(a: UnlockMethod, b: UnlockMethod): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function throwWithDelay(dir: string, tag: string, now: Date): void {
  const wait = secondsUntilAllowed(dir, tag, now);
  if (wait > 0) throw new CustosError('E_AUTH_FAILED', `Too many failed attempts for this user; try again in ${wait} s.`);
}

/**
 * An unlocked vault: the open encrypted database, the VMK and the keys derived from it, and the
 * person logged in (null after a quorum unlock until someone logs in). `close()` locks: it closes
 * the database and zeroes every key held.
 */
export class UnlockedVault {
  readonly audit: AuditLog;
  private closed = false;
  private userValue: VaultUser | null;
  private headerValue: VaultHeader;

  private constructor(
    readonly dir: string,
    header: VaultHeader,
    readonly db: Db,
    private readonly vmk: Buffer,
    private readonly materialKey: Buffer,
    private readonly auditKey: Buffer,
    user: VaultUser | null,
    readonly now: () => Date,
  ) {
    this.headerValue = header;
    this.userValue = user;
    this.audit = new AuditLog(db, header.vaultId, auditKey, now, () => this.signingKey());
  }

  get vaultId(): string {
    return this.headerValue.vaultId;
  }

  get header(): VaultHeader {
    return this.headerValue;
  }

  /** The logged-in user, or null after a quorum unlock until someone logs in. */
  get sessionUser(): VaultUser | null {
    return this.userValue;
  }

  /** The logged-in user; refuses when nobody is. */
  get user(): VaultUser {
    if (!this.userValue) throw new CustosError('E_AUTH_FAILED', 'The vault is unlocked but nobody is logged in. Log in with your user name and passphrase.');
    return this.userValue;
  }

  /** Cost for new Argon2id derivations: the same as the vault's existing methods. */
  get kdfCost(): KdfCost {
    return costOf(this.headerValue);
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
    const cost = options.kdfCost ?? DEFAULT_KDF_COST;
    const method = await makePassphraseMethod(vaultId, options.adminName, options.passphrase, vmk, cost);
    const loginHash = await hashLoginPassphrase(options.passphrase, cost);
    const unsigned: UnsignedHeader = {
      format: HEADER_FORMAT,
      version: HEADER_VERSION,
      vaultId,
      createdAt: now().toISOString(),
      revision: 1,
      database: { file: DATABASE_FILE, cipher: NEW_VAULT_CIPHER },
      unlockMethods: [method],
    };
    const headerKey = deriveSubkey(vmk, vaultId, 'header');
    const header = signHeader(unsigned, headerKey);
    wipe(headerKey);
    const vault = UnlockedVault.openWithVmk(dir, header, vmk, null, now, { create: true });
    try {
      const admin: VaultUser = { id: randomBytes(16).toString('hex'), name: options.adminName, role: 'administrator' };
      vault.userValue = admin;
      vault.change({ actor: admin.name, operation: 'vault.create', outcome: 'success', details: { unlockMethod: 'passphrase', kdf: 'argon2id', memoryKiB: cost.memoryKiB, iterations: cost.iterations } }, () => {
        vault.db.prepare('INSERT INTO users (id, name, role, created_at, passphrase_hash) VALUES (?, ?, ?, ?, ?)').run(admin.id, admin.name, admin.role, now().toISOString(), loginHash);
        vault.storeHeaderCopy(header);
        vault.audit.append({ actor: admin.name, operation: 'user.create', outcome: 'success', details: { user: admin.name, role: admin.role } });
      });
      // The header is written last: until it exists there is no vault, and a retry clears the rest.
      writeHeader(dir, header);
      return vault;
    } catch (e) {
      vault.close();
      throw e;
    }
  }

  /** Unlocks with a user's own passphrase method; that user is then logged in. */
  static async unlock(dir: string, options: UnlockOptions): Promise<UnlockedVault> {
    const now = options.now ?? (() => new Date());
    const header = readHeader(dir);
    const tag = userTag(header.vaultId, options.user);
    throwWithDelay(dir, tag, now());
    const method = header.unlockMethods.find((m): m is PassphraseMethod => m.type === 'passphrase' && m.userTag === tag);
    // Derive even for a name without a method, so timing does not tell names apart.
    const decoy = method ?? header.unlockMethods.find((m): m is PassphraseMethod => m.type === 'passphrase');
    const vmk = decoy ? await openPassphraseMethod(header.vaultId, decoy, options.passphrase) : null;
    if (!method || !vmk) {
      wipe(vmk);
      recordFailure(dir, tag, 'passphrase', now());
      throw new CustosError('E_AUTH_FAILED', AUTH_FAILED);
    }
    const vault = UnlockedVault.openWithVmk(dir, header, vmk, method, now, { create: false });
    try {
      const row = vault.findUser(options.user);
      if (!row || row.disabled_at) {
        recordFailure(dir, tag, 'passphrase', now());
        vault.record({ actor: options.user, operation: 'vault.unlock', outcome: 'refused', details: { method: 'passphrase', reason: row ? 'user disabled' : 'no such user' } });
        throw new CustosError('E_AUTH_FAILED', row ? 'This user is disabled; ask an administrator.' : AUTH_FAILED);
      }
      recordSuccess(dir, tag);
      vault.userValue = { id: row.id, name: row.name, role: row.role };
      const needsHash = !row.passphrase_hash;
      const loginHash = needsHash ? await hashLoginPassphrase(options.passphrase, vault.kdfCost) : null;
      vault.change({ actor: row.name, operation: 'vault.unlock', outcome: 'success', details: { method: 'passphrase', via: options.via ?? 'core' } }, () => {
        if (loginHash) vault.db.prepare('UPDATE users SET passphrase_hash = ? WHERE id = ?').run(loginHash, row.id);
        vault.db.prepare('UPDATE users SET failed_attempts = 0 WHERE id = ?').run(row.id);
      });
      return vault;
    } catch (e) {
      vault.close();
      throw e;
    }
  }

  /** Unlocks with an M-of-N custodian quorum; nobody is logged in until `login()`. */
  static async unlockWithQuorum(dir: string, options: QuorumUnlockOptions): Promise<UnlockedVault> {
    const now = options.now ?? (() => new Date());
    const header = readHeader(dir);
    const method = header.unlockMethods.find((m): m is QuorumMethod => m.type === 'quorum');
    if (!method) throw new CustosError('E_UNSUPPORTED', 'This vault has no custodian quorum unlock method; unlock with a passphrase.');
    for (const c of options.custodians) throwWithDelay(dir, userTag(header.vaultId, c.user), now());
    let vmk: Buffer;
    try {
      vmk = await openQuorumMethod(header.vaultId, method, options.custodians);
    } catch (e) {
      for (const c of options.custodians) recordFailure(dir, userTag(header.vaultId, c.user), 'quorum', now());
      throw e;
    }
    const vault = UnlockedVault.openWithVmk(dir, header, vmk, method, now, { create: false, quorum: true });
    try {
      for (const c of options.custodians) recordSuccess(dir, userTag(header.vaultId, c.user));
      vault.record({ actor: null, operation: 'vault.unlock', outcome: 'success', details: { method: 'quorum', custodians: options.custodians.map((c) => c.user).join(','), threshold: method.threshold, via: options.via ?? 'core' } });
      return vault;
    } catch (e) {
      vault.close();
      throw e;
    }
  }

  /**
   * Unlocks with a PKCS#11 token: the token must be present and the PIN right; the VMK is
   * decrypted on the token. The method's holder is logged in.
   */
  static async unlockWithToken(dir: string, options: { serial: string; pin: string | null; tokens: TokenService; now?: () => Date; via?: string }): Promise<UnlockedVault> {
    const now = options.now ?? (() => new Date());
    const header = readHeader(dir);
    const method = header.unlockMethods.find((m): m is TokenMethod => m.type === 'token' && m.serial === options.serial);
    if (!method) throw new CustosError('E_AUTH_FAILED', `Token ${options.serial} is not an unlock method of this vault.`);
    throwWithDelay(dir, method.userTag, now());
    let vmk: Buffer;
    try {
      const client = await options.tokens.clientForToken(options.serial);
      await client.login(options.serial, options.pin);
      vmk = await openTokenMethod(header.vaultId, method, client);
    } catch (e) {
      if (e instanceof CustosError && e.code === 'E_AUTH_FAILED') recordFailure(dir, method.userTag, 'token', now());
      throw e;
    }
    const vault = UnlockedVault.openWithVmk(dir, header, vmk, method, now, { create: false });
    try {
      const holder = (vault.db.prepare('SELECT id, name, role, disabled_at FROM users').all() as Array<{ id: string; name: string; role: Role; disabled_at: string | null }>).find((u) => userTag(header.vaultId, u.name) === method.userTag);
      if (!holder || holder.disabled_at) {
        vault.record({ actor: holder?.name ?? null, operation: 'vault.unlock', outcome: 'refused', details: { method: 'token', serial: options.serial, reason: holder ? 'user disabled' : 'no such user' } });
        throw new CustosError('E_AUTH_FAILED', 'The holder of this token is not an active user of the vault.');
      }
      recordSuccess(dir, method.userTag);
      vault.userValue = { id: holder.id, name: holder.name, role: holder.role };
      vault.record({ actor: holder.name, operation: 'vault.unlock', outcome: 'success', details: { method: 'token', serial: options.serial, via: options.via ?? 'core' } });
      return vault;
    } catch (e) {
      vault.close();
      throw e;
    }
  }

  /**
   * Everything after the VMK is known: check the header's MAC, open the database, reconcile the
   * header with the database's copy, and move pending failed attempts into the audit chain.
   * Takes ownership of `vmk`.
   */
  private static openWithVmk(dir: string, header: VaultHeader, vmk: Buffer, usedMethod: UnlockMethod | null, now: () => Date, opts: { create: boolean; quorum?: boolean }): UnlockedVault {
    const keys = {
      database: deriveSubkey(vmk, header.vaultId, 'database'),
      material: deriveSubkey(vmk, header.vaultId, 'material'),
      audit: deriveSubkey(vmk, header.vaultId, 'audit'),
      header: deriveSubkey(vmk, header.vaultId, 'header'),
    };
    let db: Db | null = null;
    try {
      if (!verifyHeaderMac(header, keys.header)) {
        if (opts.quorum) throw new CustosError('E_AUTH_FAILED', 'The shares given do not belong together or to this vault.');
        throw new CustosError('E_HEADER_TAMPERED', 'The vault header was altered since Custos last wrote it; it is refused. Restore header.json from a backup.');
      }
      db = openEncryptedDatabase(join(dir, DATABASE_FILE), keys.database, { create: opts.create, cipher: header.database.cipher });
      migrate(db);
      const vault = new UnlockedVault(dir, header, db, vmk, keys.material, keys.audit, null, now);
      if (!opts.create) {
        vault.reconcileHeader(usedMethod);
        vault.importAuthFailures();
      }
      return vault;
    } catch (e) {
      db?.close();
      wipe(vmk, keys.material, keys.audit);
      throw e;
    } finally {
      wipe(keys.database, keys.header);
    }
  }

  private findUser(name: string): { id: string; name: string; role: Role; disabled_at: string | null; passphrase_hash: string | null } | undefined {
    return this.db.prepare('SELECT id, name, role, disabled_at, passphrase_hash FROM users WHERE name = ? COLLATE NOCASE').get(name) as
      | { id: string; name: string; role: Role; disabled_at: string | null; passphrase_hash: string | null }
      | undefined;
  }

  /**
   * Checks a person's login passphrase against the vault (for logging in after a quorum unlock and
   * for approving requests). Failures are counted and audited; after five, each further attempt
   * waits longer.
   */
  async authenticate(name: string, passphrase: string, purpose: 'login' | 'approval'): Promise<VaultUser> {
    this.assertOpen();
    const row = this.findUser(name);
    const failed = (this.db.prepare('SELECT failed_attempts AS n, last_failed_at AS t FROM users WHERE name = ? COLLATE NOCASE').get(name) as { n: number; t: string | null } | undefined) ?? { n: 0, t: null };
    if (row && failed.t) {
      const wait = delayAfter(failed.n) - (this.now().getTime() - Date.parse(failed.t)) / 1000;
      if (wait > 0) throw new CustosError('E_AUTH_FAILED', `Too many failed attempts for this user; try again in ${Math.ceil(wait)} s.`);
    }
    const ok = row?.passphrase_hash ? await verifyLoginPassphrase(row.passphrase_hash, passphrase) : false;
    if (!row || !ok || row.disabled_at) {
      this.change({ actor: name, operation: `auth.${purpose}`, outcome: 'refused', details: { reason: row?.disabled_at ? 'user disabled' : 'wrong user or passphrase' } }, () => {
        if (row) this.db.prepare('UPDATE users SET failed_attempts = failed_attempts + 1, last_failed_at = ? WHERE id = ?').run(this.now().toISOString(), row.id);
      });
      throw new CustosError('E_AUTH_FAILED', row?.disabled_at ? 'This user is disabled; ask an administrator.' : AUTH_FAILED);
    }
    this.db.prepare('UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = ?').run(row.id);
    return { id: row.id, name: row.name, role: row.role };
  }

  async login(name: string, passphrase: string): Promise<VaultUser> {
    const user = await this.authenticate(name, passphrase, 'login');
    this.userValue = user;
    this.record({ actor: user.name, operation: 'session.login', outcome: 'success', details: {} });
    return user;
  }

  /**
   * Starts a session for `name` proven by a smart card: `prove` makes the user's registered card
   * sign a fresh challenge and verifies the signature (users/card-login.ts), throwing when it does
   * not. The user must exist and be enabled. Every attempt is audited as session.login with method
   * 'card' (never the PIN); failures count toward the same growing delay as wrong passphrases.
   */
  async loginWithCard(name: string, serial: string | null, prove: (user: VaultUser) => Promise<AuditDetails>): Promise<VaultUser> {
    this.assertOpen();
    const row = this.findUser(name);
    const base = { method: 'card', serial };
    const failed = (this.db.prepare('SELECT failed_attempts AS n, last_failed_at AS t FROM users WHERE name = ? COLLATE NOCASE').get(name) as { n: number; t: string | null } | undefined) ?? { n: 0, t: null };
    if (row && failed.t) {
      const wait = delayAfter(failed.n) - (this.now().getTime() - Date.parse(failed.t)) / 1000;
      if (wait > 0) throw new CustosError('E_AUTH_FAILED', `Too many failed attempts for this user; try again in ${Math.ceil(wait)} s.`);
    }
    if (!row || row.disabled_at) {
      this.record({ actor: name, operation: 'session.login', outcome: 'refused', details: { ...base, reason: row ? 'user disabled' : 'no such user' } });
      throw new CustosError('E_AUTH_FAILED', row ? 'This user is disabled; ask an administrator.' : `No smart card is registered for ${name}. Sign in with a passphrase, or ask an administrator to register a card.`);
    }
    const user: VaultUser = { id: row.id, name: row.name, role: row.role };
    let details: AuditDetails;
    try {
      details = await prove(user);
    } catch (e) {
      const counts = e instanceof CustosError && e.code === 'E_AUTH_FAILED';
      this.change({ actor: row.name, operation: 'session.login', outcome: 'failed', details: { ...base, reason: e instanceof CustosError ? e.message : 'card error' } }, () => {
        if (counts) this.db.prepare('UPDATE users SET failed_attempts = failed_attempts + 1, last_failed_at = ? WHERE id = ?').run(this.now().toISOString(), row.id);
      });
      throw e;
    }
    this.change({ actor: row.name, operation: 'session.login', outcome: 'success', details: { ...base, ...details } }, () => {
      this.db.prepare('UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = ?').run(row.id);
    });
    this.userValue = user;
    return user;
  }

  logout(): void {
    if (!this.userValue) return;
    this.record({ actor: this.userValue.name, operation: 'session.logout', outcome: 'success', details: {} });
    this.userValue = null;
  }

  private storeHeaderCopy(header: VaultHeader): void {
    this.db.prepare('INSERT INTO header_copy (id, revision, json) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, json = excluded.json').run(header.revision ?? 0, JSON.stringify(header));
  }

  /**
   * The database holds the authoritative header. A header file older than the copy (a crash after
   * the commit, or an old file put back) is rewritten from the copy, and an unlock method that the
   * copy no longer has is refused even though it opened the VMK.
   */
  private reconcileHeader(usedMethod: UnlockMethod | null): void {
    const row = this.db.prepare('SELECT revision, json FROM header_copy WHERE id = 1').get() as { revision: number; json: string } | undefined;
    const file = this.headerValue;
    if (!row) {
      this.db.transaction(() => {
        this.storeHeaderCopy(file);
        this.audit.append({ actor: null, operation: 'vault.header-adopted', outcome: 'success', details: { revision: file.revision ?? 0 } });
      })();
      return;
    }
    if (row.json === JSON.stringify(file)) return;
    const copy = headerSchema.parse(JSON.parse(row.json));
    if (usedMethod && !copy.unlockMethods.some((m) => sameMethod(m, usedMethod))) {
      writeHeader(this.dir, copy);
      this.record({ actor: null, operation: 'vault.unlock', outcome: 'refused', details: { reason: 'unlock method was removed', method: usedMethod.type } });
      throw new CustosError('E_AUTH_FAILED', 'This unlock method has been removed from the vault. The header file was out of date and has been restored.');
    }
    this.headerValue = copy;
    writeHeader(this.dir, copy);
    this.record({ actor: null, operation: 'vault.header-restored', outcome: 'success', details: { fileRevision: file.revision ?? 0, revision: copy.revision ?? 0 } });
  }

  private importAuthFailures(): void {
    const failures = drainFailures(this.dir);
    if (failures.length === 0) return;
    const names = new Map<string, string>();
    for (const u of this.db.prepare('SELECT name FROM users').all() as Array<{ name: string }>) names.set(userTag(this.vaultId, u.name), u.name);
    this.db.transaction(() => {
      for (const f of failures) {
        this.audit.append({ actor: names.get(f.tag) ?? null, operation: 'vault.unlock', outcome: 'refused', details: { method: f.method, attemptedAt: f.time, reason: 'wrong user or passphrase', knownUser: names.has(f.tag) } });
      }
    })();
  }

  /**
   * Prepares a new header inside the caller's transaction: signs it with the next revision and
   * stores the database copy. Call `publishHeader` after the commit to replace the file.
   */
  stageHeader(mutate: (h: UnsignedHeader) => UnsignedHeader): VaultHeader {
    this.assertOpen();
    if (!this.db.inTransaction) throw new Error('stageHeader outside a transaction');
    const { mac: _mac, ...current } = this.headerValue;
    const next = mutate({ ...current, unlockMethods: [...current.unlockMethods] });
    if (next.unlockMethods.length === 0) throw new CustosError('E_CONFLICT', 'The last unlock method cannot be removed: nobody could open the vault again.');
    const headerKey = deriveSubkey(this.vmk, this.vaultId, 'header');
    const signed = signHeader({ ...next, revision: (current.revision ?? 0) + 1 }, headerKey);
    wipe(headerKey);
    this.storeHeaderCopy(signed);
    return signed;
  }

  /** Replaces header.json atomically with a header staged and committed before. */
  publishHeader(signed: VaultHeader): void {
    writeHeader(this.dir, signed);
    this.headerValue = signed;
  }

  /**
   * Rewrites the header: the database copy and the audit event commit first, then the file is
   * replaced atomically. A crash between the two is repaired at the next unlock.
   */
  updateHeader(mutate: (h: UnsignedHeader) => UnsignedHeader, event: AuditInput): VaultHeader {
    const signed = this.change(event, () => this.stageHeader(mutate));
    this.publishHeader(signed);
    return signed;
  }

  /**
   * Reads every page of the database (each page's HMAC is checked on read) and verifies the audit
   * chain with its MACs. Throws E_VAULT_CORRUPT naming what failed.
   */
  checkIntegrity(): { pages: number; auditEvents: number } {
    this.assertOpen();
    let result: string;
    try {
      result = (this.db.pragma('integrity_check', { simple: true }) as string) ?? '';
    } catch (e) {
      throw new CustosError('E_VAULT_CORRUPT', 'The vault database failed its integrity check: a page was altered or damaged. Restore the vault from a backup.', { cause: e });
    }
    if (result !== 'ok') throw new CustosError('E_VAULT_CORRUPT', `The vault database is inconsistent (${result.slice(0, 120)}). Restore the vault from a backup.`);
    const chain = this.audit.verify();
    if (!chain.ok) throw new CustosError('E_VAULT_CORRUPT', `The audit chain is broken at event ${chain.firstBadSeq}: ${chain.problem}.`);
    return { pages: this.db.pragma('page_count', { simple: true }) as number, auditEvents: chain.events };
  }

  /**
   * Verifies the audit chain and its checkpoints; a long chain is split across worker threads
   * (one per core), each reading its range on its own read-only connection.
   */
  async verifyAudit(options: { workerScript?: string | null; workers?: number; minRange?: number; everyMac?: boolean } = {}): Promise<ChainCheck> {
    this.assertOpen();
    const workerScript = options.workerScript === undefined ? defaultVerifyWorker() : options.workerScript;
    const headSeq = this.audit.headSeq();
    const minRange = options.minRange ?? 50_000;
    if (!workerScript || headSeq < 2 * minRange) return this.audit.verify({ everyMac: options.everyMac });
    const check = await verifyInWorkers({
      workerScript,
      ...this.databaseForWorkers(),
      auditKey: () => Buffer.from(this.auditKey),
      genesis: genesisHash(this.vaultId),
      headSeq,
      workers: options.workers,
      minRange,
      macAfter: options.everyMac ? 0 : this.audit.lastCheckpointSeq(),
    });
    return check.ok ? this.audit.verifyCheckpoints(check) : check;
  }

  /** The VMK, for making a new unlock method. Callers must not keep or copy it. */
  withVmk<T>(fn: (vmk: Buffer) => T): T {
    this.assertOpen();
    return fn(this.vmk);
  }

  /**
   * The database for a worker thread's own connection (audit verification, checkpoints): each call
   * of `dbKey` derives a fresh copy, which the caller wipes once it is in the worker's workerData.
   */
  private databaseForWorkers(): { dbPath: string; dbKey: () => Uint8Array; cipher: VaultCipher } {
    return { dbPath: join(this.dir, DATABASE_FILE), dbKey: () => deriveSubkey(this.vmk, this.vaultId, 'database'), cipher: this.headerValue.database.cipher };
  }

  /**
   * The audit signing key (see audit/signing.ts): derived from the audit key, never stored. Made
   * once per unlock: the chain signs a checkpoint every 1,000 events, twenty times a second under
   * sustained signing, and each new KeyObject would hold the same private key in memory until
   * collected anyway. Dropped when the vault locks.
   */
  signingKey(): KeyObject {
    this.assertOpen();
    if (this.signingKeyObject) return this.signingKeyObject;
    const seed = deriveSubkey(this.auditKey, this.vaultId, 'audit-signing');
    try {
      return (this.signingKeyObject = signingKeyFromSeed(seed));
    } finally {
      wipe(seed);
    }
  }

  private signingKeyObject: KeyObject | null = null;

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

  /**
   * Records one use of a key (a signature, an encryption) with its counter update. Uses arriving
   * together are committed together in one transaction (group commit), with synchronous=NORMAL:
   * a record survives a crash of Custos, but the last moments of usage records can be lost to a
   * power failure — unlike state changes, which always commit with a full fsync. The promise
   * settles when the record is committed; callers release the result only then. A batch of uses
   * (several signatures made together) passes its events as a list with one `apply`.
   */
  recordUse(event: AuditInput | readonly AuditInput[], apply: () => void): Promise<void> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.usageQueue.push({ event, apply, resolve, reject });
      if (!this.usageFlushScheduled) {
        this.usageFlushScheduled = true;
        setImmediate(() => this.flushUsage());
      }
    });
  }

  private usageQueue: Array<{ event: AuditInput | readonly AuditInput[]; apply: () => void; resolve: () => void; reject: (e: unknown) => void }> = [];
  private usageFlushScheduled = false;
  /** Group commits of usage records since unlock; the background checkpoints start at SUSTAINED_USE_COMMITS. */
  private usageCommits = 0;
  private checkpointWorker: string | null = defaultCheckpointWorker();
  private checkpoints: BackgroundCheckpoints | null = null;

  /**
   * Where the checkpoint worker is (null: every checkpoint stays on this thread). The built hosts
   * find it beside their bundles; tests, which run the sources, hand one in.
   */
  useCheckpointWorker(script: string | null): void {
    this.checkpointWorker = script;
  }

  /** The background checkpoints, once sustained use has started them; for diagnostics and tests. */
  get backgroundCheckpoints(): BackgroundCheckpoints | null {
    return this.checkpoints;
  }

  /**
   * Sustained use (signing, encrypting) is a steady stream of small commits, and a checkpoint of a
   * thousand pages inside one of them holds that stream up for milliseconds; a one-off command
   * (the CLI signing one file) never gets that far and never pays for a thread.
   */
  private noteUsageCommit(): void {
    if (++this.usageCommits !== SUSTAINED_USE_COMMITS || !this.checkpointWorker || this.checkpoints) return;
    try {
      this.checkpoints = startBackgroundCheckpoints(this.checkpointWorker, this.databaseForWorkers());
      // The thread copies the frames; this connection's own checkpoint is left with the last few
      // and the restart of the WAL. Each costs it two fsyncs whatever it copies, so it comes
      // every 4,000 frames (16 MiB of WAL) instead of every 1,000.
      this.db.pragma(`wal_autocheckpoint = ${WAL_FRAMES_WITH_CHECKPOINTER}`);
    } catch {
      // Without the thread, checkpoints stay where they were: on this connection.
      this.checkpoints = null;
    }
  }

  private flushUsage(): void {
    this.usageFlushScheduled = false;
    const batch = this.usageQueue.splice(0);
    if (batch.length === 0) return;
    if (this.closed) {
      for (const b of batch) b.reject(new CustosError('E_VAULT_LOCKED', 'The vault was locked before this use could be recorded; the result was withheld.'));
      return;
    }
    const list = (e: AuditInput | readonly AuditInput[]): readonly AuditInput[] => (Array.isArray(e) ? (e as readonly AuditInput[]) : [e as AuditInput]);
    // An apply that refuses (the key changed state while its signatures were made) rolls back to
    // its own savepoint: its uses are recorded as refused and withheld, the rest of the group commits.
    const refused = new Map<(typeof batch)[number], unknown>();
    // Prepared once: a commit of usage records runs thousands of times a second under load, and
    // db.pragma()/db.transaction() each build their statement or wrapper afresh.
    const s = (this.usageStatements ??= {
      normal: this.db.prepare('PRAGMA synchronous = NORMAL'),
      full: this.db.prepare('PRAGMA synchronous = FULL'),
      transaction: this.db.transaction((fn: () => void) => fn()),
    });
    try {
      s.normal.run();
      s.transaction(() => {
        const events: AuditInput[] = [];
        for (const b of batch) {
          try {
            // Nested: a savepoint of its own.
            s.transaction(b.apply);
            events.push(...list(b.event));
          } catch (e) {
            refused.set(b, e);
            const reason = e instanceof Error ? e.message : 'refused';
            events.push(...list(b.event).map((ev) => ({ ...ev, outcome: 'refused' as const, details: { ...ev.details, reason } })));
          }
        }
        this.audit.appendMany(events);
      });
      this.noteUsageCommit();
      for (const b of batch) {
        if (refused.has(b)) b.reject(refused.get(b));
        else b.resolve();
      }
    } catch (e) {
      for (const b of batch) b.reject(e);
    } finally {
      s.full.run();
    }
  }

  private usageStatements: { normal: Statement; full: Statement; transaction: (fn: () => void) => void } | null = null;

  /** Records an attempt that changed nothing (refused or failed), in its own transaction. */
  record(event: AuditInput): void {
    this.assertOpen();
    this.db.transaction(() => this.audit.append(event))();
  }

  sealMaterial(keyId: string, version: number, purpose: MaterialPurpose, plaintext: Uint8Array): { nonce: Buffer; box: Buffer } {
    this.assertOpen();
    return seal(this.materialKey, plaintext, materialAad(keyId, version, purpose));
  }

  /**
   * Seals a secret that must wait inside the vault (a token PIN in a pending request), bound by
   * AAD to what it is for. Opened only by openSecret with the same binding.
   */
  sealSecret(binding: string, plaintext: Uint8Array): string {
    this.assertOpen();
    const s = seal(this.materialKey, plaintext, `custos/v1/secret|${binding}`);
    return `${s.nonce.toString('base64')}.${s.box.toString('base64')}`;
  }

  openSecret(binding: string, sealed: string): Buffer {
    this.assertOpen();
    const [nonce, box] = sealed.split('.');
    const out = open(this.materialKey, { nonce: Buffer.from(nonce ?? '', 'base64'), box: Buffer.from(box ?? '', 'base64') }, `custos/v1/secret|${binding}`);
    if (!out) throw new CustosError('E_VAULT_CORRUPT', 'A sealed secret failed its integrity check; the vault database was altered.');
    return out;
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

  /** Locks: closes the database and zeroes the VMK and every derived key held in memory. */
  close(event?: AuditInput): void {
    if (this.closed) return;
    this.flushUsage();
    try {
      if (event) this.record(event);
    } finally {
      this.closed = true;
      // The worker may be inside a checkpoint; TRUNCATE below waits for it (busy_timeout).
      this.checkpoints?.stop();
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A checkpoint is housekeeping; the WAL is encrypted and replays on the next open.
      }
      this.db.close();
      this.audit.wipe();
      this.signingKeyObject = null;
      wipe(this.vmk, this.materialKey, this.auditKey);
    }
  }
}
