import type { RequestOutcome } from '../../src-shared/approvals.js';
import type { UnlockMethodInfo } from '../../src-shared/people.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { CustosError } from '../errors.js';
import { requirePermission } from '../users/permissions.js';
import { findUser } from '../users/user-operations.js';
import { makePassphraseMethod, makeQuorumMethod, makeTokenMethod, type Custodian } from './unlock-methods.js';
import type { TokenService } from '../pkcs11/service.js';
import { userTag } from './user-tag.js';
import type { UnlockedVault } from './vault.js';

/** The vault's unlock methods: list, add, replace the quorum, remove — under dual control. */
export class MethodService {
  private readonly approvals: ApprovalService;
  constructor(private readonly vault: UnlockedVault) {
    this.approvals = new ApprovalService(vault, OPERATIONS);
  }

  list(): UnlockMethodInfo[] {
    requirePermission(this.vault.user.role, 'users.read');
    const names = new Map<string, string>();
    for (const u of this.vault.db.prepare('SELECT name FROM users').all() as Array<{ name: string }>) names.set(userTag(this.vault.vaultId, u.name), u.name);
    return this.vault.header.unlockMethods.map((m) => {
      switch (m.type) {
        case 'passphrase':
          return { id: m.id, type: 'passphrase', user: names.get(m.userTag) ?? null, threshold: null, custodians: [], token: null };
        case 'quorum':
          return { id: m.id, type: 'quorum', user: null, threshold: m.threshold, custodians: m.shares.map((s) => names.get(s.userTag) ?? null), token: null };
        case 'token':
          return { id: m.id, type: 'token', user: names.get(m.userTag) ?? null, threshold: null, custodians: [], token: { serial: m.serial, label: m.tokenLabel } };
      }
    });
  }

  async addPassphrase(user: string, passphrase: string): Promise<RequestOutcome> {
    requirePermission(this.vault.user.role, 'methods.change');
    const u = findUser(this.vault, user);
    if (!u) throw new CustosError('E_NOT_FOUND', `No user named ${user}.`);
    const method = await this.vault.withVmk((vmk) => makePassphraseMethod(this.vault.vaultId, u.name, passphrase, vmk, this.vault.kdfCost));
    return this.approvals.submit('unlock-method.add-passphrase', { user: u.name, method }, `Let ${u.name}'s passphrase unlock the vault`);
  }

  /**
   * Splits the VMK among custodians who are present now, each typing the passphrase that will
   * protect their share. Custodians must be people of the vault.
   */
  async setQuorum(threshold: number, custodians: Custodian[]): Promise<RequestOutcome> {
    requirePermission(this.vault.user.role, 'methods.change');
    const canonical: Custodian[] = custodians.map((c) => {
      const u = findUser(this.vault, c.user);
      if (!u || u.disabled_at) throw new CustosError('E_NOT_FOUND', `${c.user} is not an active user of this vault; add them first.`);
      return { user: u.name, passphrase: c.passphrase };
    });
    const method = await this.vault.withVmk((vmk) => makeQuorumMethod(this.vault.vaultId, vmk, threshold, canonical, this.vault.kdfCost));
    return this.approvals.submit('unlock-method.set-quorum', { custodians: canonical.map((c) => c.user), method }, `Require ${threshold} of ${canonical.length} custodians (${canonical.map((c) => c.user).join(', ')}) to unlock`);
  }

  /** Lets a token (and its PIN) unlock the vault for `holder`; the token must be present and logged in. */
  async addToken(holder: string, serial: string, pin: string | null, tokens: TokenService): Promise<RequestOutcome> {
    requirePermission(this.vault.user.role, 'methods.change');
    const u = findUser(this.vault, holder);
    if (!u || u.disabled_at) throw new CustosError('E_NOT_FOUND', `${holder} is not an active user of this vault.`);
    const client = await tokens.clientForToken(serial);
    await client.login(serial, pin);
    const label = (await client.tokenInfo(serial)).label;
    const method = await this.vault.withVmk((vmk) => makeTokenMethod(this.vault.vaultId, u.name, client, serial, label, vmk));
    return this.approvals.submit('unlock-method.add-token', { holder: u.name, method }, `Let token ${label} (${serial}) unlock the vault for ${u.name}`);
  }

  remove(id: string): RequestOutcome {
    requirePermission(this.vault.user.role, 'methods.change');
    const m = this.vault.header.unlockMethods.find((x) => x.id === id);
    if (!m) throw new CustosError('E_NOT_FOUND', `No unlock method ${id}.`);
    if (this.vault.header.unlockMethods.length <= 1) throw new CustosError('E_CONFLICT', 'The last unlock method cannot be removed: nobody could open the vault again.');
    return this.approvals.submit('unlock-method.remove', { id }, `Remove the ${m.type} unlock method ${id.slice(0, 8)}`);
  }
}
