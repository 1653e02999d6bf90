import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { createTokenService } from '../app/token-setup.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import type { TokenService } from '../pkcs11/service.js';
import { createSoftHsm, pkcs11Tool, type SoftHsmFixture } from '../testing/softhsm.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from '../vault/vault.js';
import { createKeyBackup, requestTokenRecovery } from './backup-service.js';

let dir: { path: string; cleanup: () => void };
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };
let tokens: TokenService;
let v: UnlockedVault;

beforeAll(async () => {
  dir = tempDir();
  hsm = createSoftHsm({ labels: ['source-card', 'fresh-card'] });
  worker = await buildPkcs11WorkerForTests();
  tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: worker.script });
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  await new UserService(v).add({ name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase', personalUnlock: true });
  for (const t of hsm.tokens) await (await tokens.clientForToken(t.serial)).login(t.serial, t.userPin);
});
afterAll(async () => {
  v.close();
  await tokens.close();
  worker.cleanup();
  hsm.cleanup();
  dir.cleanup();
});

describe('backups of token keys (C_WrapKey under a session KEK)', () => {
  it('wraps a wrappable token key, refuses a never-extractable one, and restores into a fresh token with the same fingerprint', async () => {
    const [source, fresh] = hsm.tokens as [SoftHsmFixture['tokens'][number], SoftHsmFixture['tokens'][number]];
    const keys = new KeyService(v, tokens);
    const wrappable = await keys.generate({ name: 'issuing-ca', algorithm: 'ec-p256', tokenSerial: source.serial, wrappable: true });
    const sealed = await keys.generate({ name: 'sealed-ca', algorithm: 'ec-p256', tokenSerial: source.serial });
    const custodians = ['carol', 'dave', 'erin'];
    await expect(createKeyBackup(v, sealed.id, { scheme: 'slip39', threshold: 2, count: 3, custodians }, tokens)).rejects.toThrow(/never extractable/);

    const b = await createKeyBackup(v, wrappable.id, { scheme: 'slip39', threshold: 2, count: 3, custodians }, tokens);
    expect(b.pkg.cipher.alg).toBe('AES-KWP-ON-TOKEN');
    // The session KEK is gone from the source token again.
    expect(pkcs11Tool(hsm, ['--token-label', source.label, '--login', '--pin', source.userPin, '--list-objects'])).not.toContain('custos-backup-kek');

    const shares = [b.mnemonics![0]!, b.mnemonics![2]!].map((m) => ({ kind: 'mnemonic' as const, mnemonic: m }));
    const r = await requestTokenRecovery(v, OPERATIONS, JSON.stringify(b.pkg), shares, fresh.serial, { name: 'issuing-ca-restored' });
    expect(r.status).toBe('pending');
    const bob = await v.authenticate('bob', 'bob long passphrase', 'approval');
    const done = await new ApprovalService(v, OPERATIONS, { tokens: () => tokens }).approveAsync(r.requestId!, bob);
    expect(done.status).toBe('executed');
    const restoredId = String(v.audit.list({ operation: 'backup.recover-token', limit: 1 })[0]!.details.restoredAs);
    const restored = keys.get(restoredId);
    expect(restored).toMatchObject({ store: 'token', origin: 'unwrapped', fingerprint: wrappable.fingerprint, token: { serial: fresh.serial } });
    const onFresh = pkcs11Tool(hsm, ['--token-label', fresh.label, '--login', '--pin', fresh.userPin, '--list-objects']);
    expect(onFresh).toContain('issuing-ca-restored');
    expect(onFresh).not.toContain('custos-backup-kek');

    // A tampered package does not open, and nothing is filed.
    const tampered = JSON.stringify({ ...b.pkg, header: { ...b.pkg.header, key: { ...b.pkg.header.key, usageMask: 0x3 | 0x1000 } } });
    await expect(requestTokenRecovery(v, OPERATIONS, tampered, shares, fresh.serial)).rejects.toThrow(/altered/);
  });

  it('backs up a wrappable AES key on a token with CKM_AES_KEY_WRAP_PAD and restores it into a fresh token, proven by a check value measured there', async () => {
    const [source, fresh] = hsm.tokens as [SoftHsmFixture['tokens'][number], SoftHsmFixture['tokens'][number]];
    const keys = new KeyService(v, tokens);
    const aes = await keys.generate({ name: 'payments-kek', algorithm: 'aes-256', tokenSerial: source.serial, wrappable: true });
    keys.transition(aes.id, 'activate');
    const b = await createKeyBackup(v, aes.id, { scheme: 'xor', threshold: 2, count: 2, custodians: ['carol', 'dave'] }, tokens);
    expect(b.pkg.header.key).toMatchObject({ spki: null, fingerprint: null, materialKind: 'token-wrapped' });
    expect(b.pkg.header.key.checkValue).toMatch(/^[0-9a-f]{6}$/);
    const shares = b.components!.map((c) => ({ kind: 'component' as const, hex: c.hex }));
    const r = await requestTokenRecovery(v, OPERATIONS, JSON.stringify(b.pkg), shares, fresh.serial, { name: 'payments-kek-restored' });
    const bob = await v.authenticate('bob', 'bob long passphrase', 'approval');
    expect((await new ApprovalService(v, OPERATIONS, { tokens: () => tokens }).approveAsync(r.requestId!, bob)).status).toBe('executed');
    const restoredId = String(v.audit.list({ operation: 'backup.recover-token', limit: 1 })[0]!.details.restoredAs);
    expect(keys.get(restoredId)).toMatchObject({ store: 'token', algorithm: 'aes-256', token: { serial: fresh.serial } });
    // The same key: what the original encrypts, the restored one decrypts.
    keys.transition(restoredId, 'activate');
    const sealed = await keys.encrypt(aes.id, Buffer.from('the same key on two tokens'));
    expect((await keys.decrypt(restoredId, sealed.ciphertext, { iv: sealed.iv! })).plaintext.toString()).toBe('the same key on two tokens');

    // HMAC keys too: the restored key computes the same MAC.
    const mac = await keys.generate({ name: 'api-mac', algorithm: 'hmac-sha256', tokenSerial: source.serial, wrappable: true });
    keys.transition(mac.id, 'activate');
    const hb = await createKeyBackup(v, mac.id, { scheme: 'slip39', threshold: 2, count: 3, custodians: ['carol', 'dave', 'erin'] }, tokens);
    const hr = await requestTokenRecovery(v, OPERATIONS, JSON.stringify(hb.pkg), hb.mnemonics!.slice(0, 2).map((m) => ({ kind: 'mnemonic' as const, mnemonic: m })), fresh.serial, { name: 'api-mac-restored' });
    await new ApprovalService(v, OPERATIONS, { tokens: () => tokens }).approveAsync(hr.requestId!, bob);
    const macId = String(v.audit.list({ operation: 'backup.recover-token', limit: 1 })[0]!.details.restoredAs);
    keys.transition(macId, 'activate');
    const data = Buffer.from('message');
    expect((await keys.sign(macId, data)).signature.equals((await keys.sign(mac.id, data)).signature)).toBe(true);
  });
});
