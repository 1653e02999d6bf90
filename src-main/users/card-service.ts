import type { RequestOutcome } from '../../src-shared/approvals.js';
import type { UserCard } from '../../src-shared/cards.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { KeyRepository } from '../keys/repository.js';
import type { TokenService } from '../pkcs11/service.js';
import type { UnlockedVault, VaultUser } from '../vault/vault.js';
import { proveCard, type CardKey } from './card-login.js';
import { requirePermission } from './permissions.js';
import { findUser } from './user-operations.js';

interface CardRow {
  user: string;
  token_serial: string;
  cka_id: string;
  key_id: string | null;
  algorithm: string;
  spki: Buffer;
  fingerprint: string;
  registered_at: string;
  registered_by: string;
}

const CARD_SQL = `SELECT u.name AS user, c.token_serial, c.cka_id, c.key_id, c.algorithm, c.spki, c.fingerprint, c.registered_at, c.registered_by
                  FROM user_cards c JOIN users u ON u.id = c.user_id`;

/**
 * Login cards of the vault's people: registration (with proof that the card holds the key and the
 * PIN opens it, before any request is filed), removal, listing, and sign-in with a card.
 */
export class CardService {
  constructor(
    private readonly vault: UnlockedVault,
    private readonly tokens: () => TokenService,
  ) {}

  list(): UserCard[] {
    requirePermission(this.vault.user.role, 'users.read');
    return (this.vault.db.prepare(`${CARD_SQL} ORDER BY u.name COLLATE NOCASE`).all() as CardRow[]).map((r) => ({
      user: r.user,
      serial: r.token_serial,
      ckaId: r.cka_id,
      keyId: r.key_id,
      algorithm: r.algorithm,
      fingerprint: r.fingerprint,
      registeredAt: r.registered_at,
      registeredBy: r.registered_by,
    }));
  }

  /**
   * The card key named by `key`: a key of the inventory (its id) on that token, or else a CKA_ID
   * on the token itself (read after logging in, since private objects are hidden before).
   */
  private async resolveKey(serial: string, key: string, pin: string | null): Promise<CardKey & { keyId: string | null }> {
    const repo = new KeyRepository(this.vault.db);
    const inventory = /^[0-9a-f]{32}$/.test(key) ? repo.forUse(key) : null;
    if (inventory) {
      if (!inventory.token || inventory.token.serial !== serial) throw new CustosError('E_INPUT', `Key ${key} is not on the card with serial ${serial}; a login card key must be held by that token.`);
      if (!inventory.spki || !inventory.fingerprint) throw new CustosError('E_INPUT', `Key ${key} has no public key; a login card needs a key pair that signs.`);
      return { serial, ckaId: inventory.token.ckaId, algorithm: inventory.algorithm, spki: inventory.spki, fingerprint: inventory.fingerprint, keyId: inventory.id };
    }
    const client = await this.tokens().clientForToken(serial);
    const wasLoggedIn = (await client.tokenInfo(serial)).loggedIn;
    await client.login(serial, pin);
    try {
      const record = await client.readKey({ serial, ckaId: key }).catch((e: unknown) => {
        if (e instanceof CustosError && e.code === 'E_NOT_FOUND') throw new CustosError('E_NOT_FOUND', `Neither the inventory nor the card with serial ${serial} has a key ${key}. Give the key's inventory id or its CKA_ID on the card.`);
        throw e;
      });
      if (!record.spki || !record.algorithm) throw new CustosError('E_INPUT', `The key ${key} on the card has no public key Custos can read; a login card needs a key pair that signs.`);
      const spki = Buffer.from(record.spki);
      return { serial, ckaId: key, algorithm: record.algorithm, spki, fingerprint: spkiFingerprint(spki), keyId: repo.findByTokenObject(serial, key) };
    } finally {
      if (!wasLoggedIn) await client.logout(serial).catch(() => undefined);
    }
  }

  /** Registers (or replaces) a person's login card; the card must sign a challenge first. */
  async register(input: { name: string; serial: string; key: string; pin: string | null }): Promise<RequestOutcome> {
    requirePermission(this.vault.user.role, 'users.change');
    const target = findUser(this.vault, input.name);
    if (!target) throw new CustosError('E_NOT_FOUND', `No user named ${input.name}.`);
    if (target.disabled_at) throw new CustosError('E_CONFLICT', `${target.name} is disabled; a disabled person gets no login card.`);
    let card: CardKey & { keyId: string | null };
    try {
      card = await this.resolveKey(input.serial, input.key, input.pin);
      await proveCard(this.tokens(), card, { purpose: 'register', vaultId: this.vault.vaultId, user: target.name }, input.pin);
    } catch (e) {
      this.vault.record({ actor: this.vault.user.name, operation: 'user.set-card', outcome: 'failed', details: { user: target.name, serial: input.serial, reason: e instanceof CustosError ? e.message : 'card error' } });
      throw e;
    }
    return new ApprovalService(this.vault, OPERATIONS).submit(
      'user.set-card',
      { name: target.name, serial: card.serial, ckaId: card.ckaId, keyId: card.keyId, algorithm: card.algorithm, spki: card.spki.toString('base64'), fingerprint: card.fingerprint },
      `Register the card ${card.serial} (key ${card.fingerprint.slice(0, 16)}…) for ${target.name}`,
    );
  }

  remove(name: string): RequestOutcome {
    requirePermission(this.vault.user.role, 'users.change');
    const target = findUser(this.vault, name);
    if (!target) throw new CustosError('E_NOT_FOUND', `No user named ${name}.`);
    if (!this.vault.db.prepare('SELECT 1 FROM user_cards WHERE user_id = ?').get(target.id)) throw new CustosError('E_NOT_FOUND', `${target.name} has no login card.`);
    return new ApprovalService(this.vault, OPERATIONS).submit('user.remove-card', { name: target.name }, `Remove the login card of ${target.name}`);
  }

  /**
   * Sign-in with a card (the vault is already unlocked, e.g. by a custodian quorum or after a
   * logout): the named card must be the one registered for the user, must hold the registered key,
   * and its PIN must open it. Audited by the vault, success or not.
   */
  login(input: { user: string; serial?: string | undefined; pin: string | null }): Promise<VaultUser> {
    return this.vault.loginWithCard(input.user, input.serial ?? null, async (user) => {
      const row = this.vault.db.prepare(`${CARD_SQL} WHERE c.user_id = ?`).get(user.id) as CardRow | undefined;
      if (!row) throw new CustosError('E_AUTH_FAILED', `No smart card is registered for ${user.name}. Sign in with a passphrase, or ask an administrator to register a card.`);
      if (input.serial !== undefined && row.token_serial !== input.serial) {
        throw new CustosError('E_AUTH_FAILED', `The card with serial ${input.serial} is not the one registered for ${user.name} (serial ${row.token_serial}). Use that card.`);
      }
      const { mechanism } = await proveCard(this.tokens(), { serial: row.token_serial, ckaId: row.cka_id, algorithm: row.algorithm, spki: row.spki, fingerprint: row.fingerprint }, { purpose: 'login', vaultId: this.vault.vaultId, user: user.name }, input.pin);
      return { serial: row.token_serial, fingerprint: row.fingerprint, mechanism };
    });
  }
}
