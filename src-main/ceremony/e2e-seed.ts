import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { allowWrappableCaKeys } from './ca-backup-policy.js';
import { KeyService } from '../keys/key-service.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from '../vault/vault.js';

/**
 * For the end-to-end ceremony: a vault with the cast of a root CA ceremony (alice administrator,
 * bob security officer, carol, dave and erin key custodians, and the policy override that allows
 * wrappable CA keys), made at the test KDF cost before the
 * browser host opens it. Adding custodians needs a second person's approval; bob gives it.
 */
export async function seedCeremonyVault(dir: string, pass: (user: string) => string, options: { vaultKey?: string } = {}): Promise<void> {
  const v = await UnlockedVault.create(dir, { adminName: 'alice', passphrase: pass('alice'), kdfCost: MINIMUM_KDF_COST });
  try {
    const users = new UserService(v);
    await users.add({ name: 'bob', role: 'security-officer', passphrase: pass('bob'), personalUnlock: false });
    for (const c of ['carol', 'dave', 'erin']) {
      const r = await users.add({ name: c, role: 'key-custodian', passphrase: pass(c), personalUnlock: false });
      new ApprovalService(v, OPERATIONS).approve(r.requestId!, await v.authenticate('bob', pass('bob'), 'approval'));
    }
    // The organisation's decision that lets its root CA key be wrappable for the ceremony's backup.
    allowWrappableCaKeys(v, await v.authenticate('bob', pass('bob'), 'approval'));
    if (options.vaultKey) await new KeyService(v).generate({ name: options.vaultKey, algorithm: 'ec-p256' });
  } finally {
    v.close();
  }
}
