import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { MethodService } from '../vault/method-service.js';
import { UnlockedVault } from '../vault/vault.js';
import { ApprovalService } from './approval-service.js';
import { OPERATIONS } from './all-operations.js';
import { DEFAULT_DUAL_CONTROL, readDualControlPolicy } from './policy.js';

const pass = (name: string) => `${name} long passphrase`;
let dir: { path: string; cleanup: () => void };
let vaultDir: string;
let t = Date.parse('2026-03-01T09:00:00Z');
const now = () => new Date(t);

beforeEach(() => {
  dir = tempDir();
  vaultDir = join(dir.path, 'v');
  t = Date.parse('2026-03-01T09:00:00Z');
});
afterEach(() => dir.cleanup());

async function asUser(name: string): Promise<UnlockedVault> {
  return UnlockedVault.unlock(vaultDir, { user: name, passphrase: pass(name), now });
}

/** alice (admin, creator) and bob (security officer, added at bootstrap). */
async function seed(): Promise<void> {
  const v = await UnlockedVault.create(vaultDir, { adminName: 'alice', passphrase: pass('alice'), kdfCost: MINIMUM_KDF_COST, now });
  const r = await new UserService(v).add({ name: 'bob', role: 'security-officer', passphrase: pass('bob'), personalUnlock: true });
  expect(r.status).toBe('executed');
  v.close();
}

describe('dual control', () => {
  it('lets the first administrator add the first approver without approval, and audits it as bootstrap', async () => {
    await seed();
    const v = await asUser('bob');
    try {
      const ev = v.audit.list({ limit: 20 }).find((e) => e.operation === 'user.add')!;
      expect(ev.details).toMatchObject({ user: 'bob', bootstrap: true });
    } finally {
      v.close();
    }
  });

  it('files a request that the requester cannot approve, an auditor cannot approve, and a second person completes', async () => {
    await seed();
    let v = await asUser('alice');
    const users = new UserService(v);
    const r = await users.add({ name: 'carol', role: 'auditor', passphrase: pass('carol'), personalUnlock: true });
    expect(r.status).toBe('pending');
    const approvals = new ApprovalService(v, OPERATIONS);
    expect(() => approvals.approve(r.requestId!, v.user)).toThrow(/own request/);
    expect(users.list().map((u) => u.name)).toEqual(['alice', 'bob']);
    v.close();

    v = await asUser('bob');
    const done = new ApprovalService(v, OPERATIONS).approve(r.requestId!, v.user);
    expect(done).toMatchObject({ status: 'executed', approvals: [{ user: 'bob' }] });
    expect(() => new ApprovalService(v, OPERATIONS).approve(r.requestId!, v.user)).toThrow(/executed/);
    const events = v.audit.list({ limit: 10 }).reverse().map((e) => `${e.operation}:${e.outcome}`);
    expect(events.slice(-3)).toEqual(['approval.grant:success', 'user.add:success', 'approval.grant:refused']);
    expect(v.audit.list({ limit: 2 })[1]!.details).toMatchObject({ approvers: 'bob', requestId: r.requestId });
    v.close();

    // Carol (auditor) can log in with her own passphrase, read, and change nothing.
    v = await asUser('carol');
    try {
      expect(new UserService(v).list()).toHaveLength(3);
      await expect(new KeyService(v).generate({ name: 'x', algorithm: 'aes-128' })).rejects.toMatchObject({ code: 'E_PERMISSION', message: expect.stringContaining('Auditors') });
      const pending = await (async () => {
        const a = await asUser('alice');
        try {
          return new UserService(a).setRole('bob', 'key-custodian');
        } finally {
          a.close();
        }
      })();
      expect(() => new ApprovalService(v, OPERATIONS).approve(pending.requestId!, v.user)).toThrow(/cannot approve/);
    } finally {
      v.close();
    }
  });

  it('expires requests after the policy window', async () => {
    await seed();
    const a = await asUser('alice');
    const r = new UserService(a).disable('bob');
    a.close();
    t += (DEFAULT_DUAL_CONTROL.expiryHours + 1) * 3_600_000;
    const b = await asUser('alice');
    try {
      const svc = new ApprovalService(b, OPERATIONS);
      expect(svc.get(r.requestId!).status).toBe('pending');
      svc.expireOverdue();
      expect(svc.get(r.requestId!).status).toBe('expired');
    } finally {
      b.close();
    }
    const c = await asUser('bob');
    try {
      expect(() => new ApprovalService(c, OPERATIONS).approve(r.requestId!, c.user)).toThrow(/expired/);
    } finally {
      c.close();
    }
  });

  it('refuses to disable the last administrator and to remove the last unlock method, even when approved', async () => {
    await seed();
    const b = await asUser('bob');
    const r = new UserService(b);
    await expect(async () => r.disable('alice')).rejects.toMatchObject({ code: 'E_PERMISSION' });
    b.close();
    const a = await asUser('alice');
    const req = new UserService(a).disable('alice');
    a.close();
    const b2 = await asUser('bob');
    try {
      expect(() => new ApprovalService(b2, OPERATIONS).approve(req.requestId!, b2.user)).toThrow(/last active administrator/);
      expect(new ApprovalService(b2, OPERATIONS).get(req.requestId!).status).toBe('failed');
      expect(new UserService(b2).list().find((u) => u.name === 'alice')!.disabled).toBe(false);
    } finally {
      b2.close();
    }
  });

  it('sets up a 2-of-3 quorum under dual control, after which the quorum opens the vault', async () => {
    await seed();
    let v = await asUser('alice');
    await new UserService(v).add({ name: 'carol', role: 'key-custodian', passphrase: pass('carol'), personalUnlock: false }).then((r) => {
      expect(r.status).toBe('pending');
      v.close();
      return asUser('bob').then((b) => {
        new ApprovalService(b, OPERATIONS).approve(r.requestId!, b.user);
        b.close();
      });
    });
    v = await asUser('alice');
    const custodians = ['alice', 'bob', 'carol'].map((u) => ({ user: u, passphrase: `${u} share secret` }));
    const q = await new MethodService(v).setQuorum(2, custodians);
    expect(q.status).toBe('pending');
    v.close();
    v = await asUser('bob');
    new ApprovalService(v, OPERATIONS).approve(q.requestId!, v.user);
    expect(new MethodService(v).list().find((m) => m.type === 'quorum')).toMatchObject({ threshold: 2, custodians: ['alice', 'bob', 'carol'] });
    v.close();

    const opened = await UnlockedVault.unlockWithQuorum(vaultDir, { custodians: [custodians[2]!, custodians[0]!], now });
    try {
      await opened.login('carol', pass('carol'));
      expect(opened.user).toMatchObject({ name: 'carol', role: 'key-custodian' });
    } finally {
      opened.close();
    }
    await expect(UnlockedVault.unlockWithQuorum(vaultDir, { custodians: [custodians[2]!], now })).rejects.toMatchObject({ code: 'E_AUTH_FAILED' });
  });

  it('puts a change of the dual-control policy itself under dual control', async () => {
    await seed();
    let v = await asUser('alice');
    const approvals = new ApprovalService(v, OPERATIONS);
    const { 'user.change': _dropped, ...rest } = DEFAULT_DUAL_CONTROL.operations;
    const relaxed = { ...DEFAULT_DUAL_CONTROL, operations: rest };
    const r = approvals.submit('policy.set-dual-control', relaxed, 'Stop requiring approval for user changes');
    expect(r.status).toBe('pending');
    expect(readDualControlPolicy(v.db).operations['user.change']).toBeDefined();
    v.close();
    v = await asUser('bob');
    new ApprovalService(v, OPERATIONS).approve(r.requestId!, v.user);
    expect(readDualControlPolicy(v.db)).toMatchObject({ version: 2 });
    expect(readDualControlPolicy(v.db).operations['user.change']).toBeUndefined();
    v.close();
  });

  it('changes a passphrase: the old one stops opening the vault, the new one opens it', async () => {
    await seed();
    const v = await asUser('bob');
    const r = await new UserService(v).changePassphrase('bob', 'bob brand new passphrase');
    v.close();
    const a = await asUser('alice');
    new ApprovalService(a, OPERATIONS).approve(r.requestId!, a.user);
    a.close();
    await expect(asUser('bob')).rejects.toMatchObject({ code: 'E_AUTH_FAILED' });
    (await UnlockedVault.unlock(vaultDir, { user: 'bob', passphrase: 'bob brand new passphrase', now })).close();
  });
});
