import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from '../vault/vault.js';
import { createKeyBackup, requestRecovery } from './backup-service.js';
import { verifyShare, type HeldShare } from './package.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
let ecId: string;
let aesId: string;
const custodians = ['carol', 'dave', 'erin'];

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  await new UserService(v).add({ name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase', personalUnlock: true });
  const keys = new KeyService(v);
  ecId = (await keys.generate({ name: 'root-ca-backup', algorithm: 'ec-p384' })).id;
  aesId = (await keys.generate({ name: 'db-kek', algorithm: 'aes-256' })).id;
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

const pending = () => (v.db.prepare("SELECT count(*) AS n FROM approval_requests WHERE operation = 'backup.recover'").get() as { n: number }).n;

async function recoverAndApprove(packageText: string, shares: HeldShare[], passphrase?: string) {
  const r = await requestRecovery(v, OPERATIONS, packageText, shares, { passphrase });
  expect(r.status).toBe('pending');
  const bob = await v.authenticate('bob', 'bob long passphrase', 'approval');
  const done = new ApprovalService(v, OPERATIONS).approve(r.requestId!, bob);
  expect(done.status).toBe('executed');
  const restored = v.audit.list({ operation: 'backup.recover', limit: 1 })[0]!;
  return new KeyService(v).get(String(restored.details.restoredAs));
}

describe('split-knowledge backup and recovery', () => {
  it('SLIP-0039: 2 of 3 mnemonics restore the key with the same fingerprint; each share verifies on its own', async () => {
    const b = await createKeyBackup(v, ecId, { scheme: 'slip39', threshold: 2, count: 3, custodians, passphrase: 'ceremony phrase' });
    const text = JSON.stringify(b.pkg);
    expect(text).not.toContain(b.mnemonics![0]!);
    for (const [i, m] of b.mnemonics!.entries()) expect(await verifyShare(b.pkg, { kind: 'mnemonic', mnemonic: m })).toEqual({ index: i + 1 });
    const restored = await recoverAndApprove(text, [b.mnemonics![2]!, b.mnemonics![0]!].map((m) => ({ kind: 'mnemonic', mnemonic: m })), 'ceremony phrase');
    expect(restored.fingerprint).toBe(new KeyService(v).get(ecId).fingerprint);
    expect(restored.origin).toBe('imported');
  });

  it('XOR components: all three restore an AES key with the same KCV; a mistyped component is refused', async () => {
    const b = await createKeyBackup(v, aesId, { scheme: 'xor', threshold: 3, count: 3, custodians });
    const comps = b.components!.map((c) => ({ kind: 'component' as const, hex: c.hex }));
    const typo: HeldShare = { kind: 'component', hex: comps[1]!.hex.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    const before = pending();
    await expect(requestRecovery(v, OPERATIONS, JSON.stringify(b.pkg), [comps[0]!, typo, comps[2]!])).rejects.toThrow(/key check value/);
    expect(pending()).toBe(before);
    const restored = await recoverAndApprove(JSON.stringify(b.pkg), comps);
    expect(restored.kcv).toBe(new KeyService(v).get(aesId).kcv);
  });

  it("share files: 2 of 3 under custodians' passphrases; too few, duplicate, foreign, wrong passphrase and a tampered package are refused", async () => {
    const pass = custodians.map((c) => `${c} share pass`);
    const b = await createKeyBackup(v, ecId, { scheme: 'files', threshold: 2, count: 3, custodians, sharePassphrases: pass });
    const other = await createKeyBackup(v, ecId, { scheme: 'files', threshold: 2, count: 3, custodians, sharePassphrases: pass });
    const f = (i: number, pkg = b) => ({ kind: 'file' as const, file: pkg.shareFiles![i]!, passphrase: pass[i]! });
    expect(JSON.stringify(b.shareFiles)).not.toContain('share pass');
    expect(await verifyShare(b.pkg, f(1))).toEqual({ index: 2 });
    const text = JSON.stringify(b.pkg);
    const before = pending();
    await expect(requestRecovery(v, OPERATIONS, text, [f(0)])).rejects.toThrow(/needs 2 shares/);
    await expect(requestRecovery(v, OPERATIONS, text, [f(0), f(0)])).rejects.toThrow(/twice/);
    await expect(requestRecovery(v, OPERATIONS, text, [f(0), f(1, other)])).rejects.toThrow(/another backup/);
    await expect(requestRecovery(v, OPERATIONS, text, [f(0), { ...f(1), passphrase: 'nope' }])).rejects.toThrow(/Wrong share passphrase/);
    const tampered = JSON.stringify({ ...b.pkg, header: { ...b.pkg.header, key: { ...b.pkg.header.key, name: 'renamed' } } });
    await expect(requestRecovery(v, OPERATIONS, tampered, [f(0), f(2)])).rejects.toThrow(/altered/);
    expect(pending()).toBe(before);
    const restored = await recoverAndApprove(text, [f(2), f(0)]);
    expect(restored.fingerprint).toBe(new KeyService(v).get(ecId).fingerprint);
  });

  it('a mistyped mnemonic word is named; a share of another backup does not verify', async () => {
    const b = await createKeyBackup(v, ecId, { scheme: 'slip39', threshold: 2, count: 3, custodians });
    const b2 = await createKeyBackup(v, ecId, { scheme: 'slip39', threshold: 2, count: 3, custodians });
    const words = b.mnemonics![0]!.split(' ');
    words[5] = 'zzzz';
    await expect(verifyShare(b.pkg, { kind: 'mnemonic', mnemonic: words.join(' ') })).rejects.toThrow(/word 6 'zzzz'/i);
    await expect(verifyShare(b.pkg, { kind: 'mnemonic', mnemonic: b2.mnemonics![0]! })).rejects.toThrow(/does not belong/);
    const events = v.audit.list({ operation: 'backup.create', limit: 20 });
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(events)).not.toContain(b.mnemonics![1]!.split(' ').slice(0, 4).join(' '));
  });
});
