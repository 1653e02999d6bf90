import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ROLES, roleSchema, type Role } from '../../src-shared/users.js';
import type { Operation } from '../approvals/operations.js';
import { CustosError } from '../errors.js';
import { passphraseMethodSchema } from '../vault/header.js';
import { userTag } from '../vault/user-tag.js';
import type { UnlockedVault } from '../vault/vault.js';

interface UserRow {
  id: string;
  name: string;
  role: Role;
  disabled_at: string | null;
}

export function findUser(vault: UnlockedVault, name: string): UserRow | undefined {
  return vault.db.prepare('SELECT id, name, role, disabled_at FROM users WHERE name = ? COLLATE NOCASE').get(name) as UserRow | undefined;
}

function requireUser(vault: UnlockedVault, name: string): UserRow {
  const u = findUser(vault, name);
  if (!u) throw new CustosError('E_NOT_FOUND', `No user named ${name}.`);
  return u;
}

function activeAdmins(vault: UnlockedVault): number {
  return (vault.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'administrator' AND disabled_at IS NULL").get() as { n: number }).n;
}

const ADMIN_ONLY: readonly Role[] = ['administrator'];

export const addUserOperation: Operation<{ name: string; role: Role; passphraseHash: string; method: z.infer<typeof passphraseMethodSchema> | null }> = {
  kind: 'user.add',
  category: 'user.change',
  requesterRoles: ADMIN_ONLY,
  payload: z.object({ name: z.string(), role: roleSchema, passphraseHash: z.string().startsWith('$argon2id$'), method: passphraseMethodSchema.nullable() }),
  execute(vault, p) {
    if (findUser(vault, p.name)) throw new CustosError('E_CONFLICT', `A user named ${p.name} already exists.`);
    vault.db.prepare('INSERT INTO users (id, name, role, created_at, passphrase_hash) VALUES (?, ?, ?, ?, ?)').run(randomBytes(16).toString('hex'), p.name, p.role, vault.now().toISOString(), p.passphraseHash);
    const staged = p.method ? vault.stageHeader((h) => ({ ...h, unlockMethods: [...h.unlockMethods.filter((m) => !(m.type === 'passphrase' && m.userTag === p.method!.userTag)), p.method!] })) : null;
    return { details: { user: p.name, role: p.role, personalUnlock: p.method !== null }, afterCommit: staged ? () => vault.publishHeader(staged) : undefined };
  },
};

export const disableUserOperation: Operation<{ name: string }> = {
  kind: 'user.disable',
  category: 'user.change',
  requesterRoles: ADMIN_ONLY,
  payload: z.object({ name: z.string() }),
  execute(vault, p) {
    const u = requireUser(vault, p.name);
    if (u.disabled_at) throw new CustosError('E_CONFLICT', `${u.name} is already disabled.`);
    if (u.role === 'administrator' && activeAdmins(vault) <= 1) throw new CustosError('E_CONFLICT', 'The last active administrator cannot be disabled.');
    vault.db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(vault.now().toISOString(), u.id);
    // A disabled person's own unlock method goes too: their passphrase must no longer open the VMK.
    const tag = userTag(vault.vaultId, u.name);
    const hasMethod = vault.header.unlockMethods.some((m) => m.type === 'passphrase' && m.userTag === tag);
    const staged = hasMethod ? vault.stageHeader((h) => ({ ...h, unlockMethods: h.unlockMethods.filter((m) => !(m.type === 'passphrase' && m.userTag === tag)) })) : null;
    return { details: { user: u.name, personalUnlockRemoved: hasMethod }, afterCommit: staged ? () => vault.publishHeader(staged) : undefined };
  },
};

export const setRoleOperation: Operation<{ name: string; role: Role }> = {
  kind: 'user.set-role',
  category: 'user.change',
  requesterRoles: ADMIN_ONLY,
  payload: z.object({ name: z.string(), role: z.enum(ROLES) }),
  execute(vault, p) {
    const u = requireUser(vault, p.name);
    if (u.role === p.role) throw new CustosError('E_CONFLICT', `${u.name} already has the role ${p.role}.`);
    if (u.role === 'administrator' && !u.disabled_at && activeAdmins(vault) <= 1) throw new CustosError('E_CONFLICT', 'The last active administrator cannot lose that role.');
    vault.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(p.role, u.id);
    return { details: { user: u.name, from: u.role, to: p.role } };
  },
};

export const changePassphraseOperation: Operation<{ name: string; passphraseHash: string; method: z.infer<typeof passphraseMethodSchema> | null }> = {
  kind: 'user.change-passphrase',
  category: 'unlock-method.change',
  requesterRoles: ROLES,
  payload: z.object({ name: z.string(), passphraseHash: z.string().startsWith('$argon2id$'), method: passphraseMethodSchema.nullable() }),
  execute(vault, p, ctx) {
    const u = requireUser(vault, p.name);
    const requester = findUser(vault, ctx.requester);
    if (u.name.toLowerCase() !== ctx.requester.toLowerCase() && requester?.role !== 'administrator') throw new CustosError('E_PERMISSION', 'Only the person themself or an administrator may change a passphrase.');
    vault.db.prepare('UPDATE users SET passphrase_hash = ?, failed_attempts = 0, last_failed_at = NULL WHERE id = ?').run(p.passphraseHash, u.id);
    const staged = p.method ? vault.stageHeader((h) => ({ ...h, unlockMethods: [...h.unlockMethods.filter((m) => !(m.type === 'passphrase' && m.userTag === p.method!.userTag)), p.method!] })) : null;
    return { details: { user: u.name, personalUnlockRekeyed: p.method !== null }, afterCommit: staged ? () => vault.publishHeader(staged) : undefined };
  },
};
