import type { RequestOutcome } from '../../src-shared/approvals.js';
import type { UserInfo } from '../../src-shared/people.js';
import type { Role } from '../../src-shared/users.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { hashLoginPassphrase } from '../crypto/passphrase-kdf.js';
import { CustosError } from '../errors.js';
import { makePassphraseMethod } from '../vault/unlock-methods.js';
import { userTag } from '../vault/user-tag.js';
import type { UnlockedVault } from '../vault/vault.js';
import { findUser } from './user-operations.js';
import { requirePermission } from './permissions.js';

/**
 * People of the vault. Changes go through the approval service, so the dual-control policy
 * decides whether they run now or wait. Passphrases are turned into a hash and a wrapped VMK here,
 * before the request is filed, so no request ever stores a passphrase.
 */
export class UserService {
  private readonly approvals: ApprovalService;
  constructor(private readonly vault: UnlockedVault) {
    this.approvals = new ApprovalService(vault, OPERATIONS);
  }

  list(): UserInfo[] {
    requirePermission(this.vault.user.role, 'users.read');
    const rows = this.vault.db.prepare('SELECT name, role, created_at, disabled_at FROM users ORDER BY name COLLATE NOCASE').all() as Array<{ name: string; role: Role; created_at: string; disabled_at: string | null }>;
    const methods = this.vault.header.unlockMethods;
    return rows.map((r) => {
      const tag = userTag(this.vault.vaultId, r.name);
      return {
        name: r.name,
        role: r.role,
        createdAt: r.created_at,
        disabled: r.disabled_at !== null,
        personalUnlock: methods.some((m) => m.type === 'passphrase' && m.userTag === tag),
        quorumCustodian: methods.some((m) => m.type === 'quorum' && m.shares.some((s) => s.userTag === tag)),
      };
    });
  }

  async add(input: { name: string; role: Role; passphrase: string; personalUnlock: boolean }): Promise<RequestOutcome> {
    requirePermission(this.vault.user.role, 'users.change');
    if (findUser(this.vault, input.name)) throw new CustosError('E_CONFLICT', `A user named ${input.name} already exists.`);
    const cost = this.vault.kdfCost;
    const passphraseHash = await hashLoginPassphrase(input.passphrase, cost);
    const method = input.personalUnlock ? await this.vault.withVmk((vmk) => makePassphraseMethod(this.vault.vaultId, input.name, input.passphrase, vmk, cost)) : null;
    return this.approvals.submit('user.add', { name: input.name, role: input.role, passphraseHash, method }, `Add ${input.role} ${input.name}${method ? ' with a personal unlock passphrase' : ''}`);
  }

  disable(name: string): RequestOutcome {
    requirePermission(this.vault.user.role, 'users.change');
    if (!findUser(this.vault, name)) throw new CustosError('E_NOT_FOUND', `No user named ${name}.`);
    return this.approvals.submit('user.disable', { name }, `Disable ${name}`);
  }

  setRole(name: string, role: Role): RequestOutcome {
    requirePermission(this.vault.user.role, 'users.change');
    if (!findUser(this.vault, name)) throw new CustosError('E_NOT_FOUND', `No user named ${name}.`);
    return this.approvals.submit('user.set-role', { name, role }, `Make ${name} ${role}`);
  }

  /** A person changes their own passphrase (an administrator may change anyone's). */
  async changePassphrase(name: string, newPassphrase: string): Promise<RequestOutcome> {
    const me = this.vault.user;
    if (me.name.toLowerCase() !== name.toLowerCase()) requirePermission(me.role, 'users.change');
    const target = findUser(this.vault, name);
    if (!target) throw new CustosError('E_NOT_FOUND', `No user named ${name}.`);
    const cost = this.vault.kdfCost;
    const tag = userTag(this.vault.vaultId, target.name);
    const hasPersonal = this.vault.header.unlockMethods.some((m) => m.type === 'passphrase' && m.userTag === tag);
    const passphraseHash = await hashLoginPassphrase(newPassphrase, cost);
    const method = hasPersonal ? await this.vault.withVmk((vmk) => makePassphraseMethod(this.vault.vaultId, target.name, newPassphrase, vmk, cost)) : null;
    return this.approvals.submit('user.change-passphrase', { name: target.name, passphraseHash, method }, `Change the passphrase of ${target.name}`);
  }
}
