import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { ShareCustody } from './custody.js';
import { createBackup, verifyShare } from './package.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

const backup = () =>
  createBackup({
    key: { id: 'k', name: 'k', algorithm: 'aes-256', version: 1, usageMask: 12, purpose: null, fingerprint: null, kcv: null, checkValue: 'x', materialKind: 'secret' },
    material: Buffer.alloc(32, 7),
    createdBy: 'alice',
    now: new Date(),
    scheme: 'slip39',
    threshold: 2,
    count: 3,
    custodians: ['carol', 'dave', 'erin'],
  });

describe('the share custody', () => {
  it('holds shares sealed, hands each to its own custodian once, and keeps a share whose hand-off failed', async () => {
    const b = await backup();
    const custody = new ShareCustody();
    custody.hold(v, b);
    const id = b.pkg.header.packageId;
    expect(custody.waiting(v, id)).toEqual(['carol', 'dave', 'erin']);
    await expect(custody.handOut(v, id, 'mallory', async () => 1)).rejects.toMatchObject({ code: 'E_PERMISSION' });
    // The card could not be printed: the share stays waiting for carol.
    await expect(custody.handOut(v, id, 'carol', async () => Promise.reject(new Error('printer on fire')))).rejects.toThrow('printer on fire');
    expect(custody.waiting(v, id)).toEqual(['carol', 'dave', 'erin']);
    const got = await custody.handOut(v, id, 'Carol', async (s) => s);
    expect(got.share).toBe(b.mnemonics![0]);
    expect(await verifyShare(b.pkg, { kind: 'mnemonic', mnemonic: got.share })).toEqual({ index: 1 });
    await expect(custody.handOut(v, id, 'carol', async () => 1)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(custody.waiting(v, id)).toEqual(['dave', 'erin']);
    expect(custody.forget(id)).toBe(2);
    await expect(custody.handOut(v, id, 'dave', async () => 1)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
