import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { makePassphraseMethod, makeQuorumMethod, openPassphraseMethod, openQuorumMethod } from './unlock-methods.js';

const vaultId = 'ab'.repeat(16);
const vmk = randomBytes(32);
const custodians = ['carol', 'dave', 'erin', 'frank', 'grace'].map((user) => ({ user, passphrase: `${user} share passphrase` }));

describe('unlock methods', () => {
  it('opens a passphrase method with its passphrase only', async () => {
    const m = await makePassphraseMethod(vaultId, 'alice', 'alice passphrase', vmk, MINIMUM_KDF_COST);
    expect((await openPassphraseMethod(vaultId, m, 'alice passphrase'))?.equals(vmk)).toBe(true);
    expect(await openPassphraseMethod(vaultId, m, 'alice passphrasE')).toBeNull();
    expect(await openPassphraseMethod('cd'.repeat(16), m, 'alice passphrase')).toBeNull();
  });

  it('opens a 3-of-5 quorum with any three custodians, in any order', async () => {
    const m = await makeQuorumMethod(vaultId, vmk, 3, custodians, MINIMUM_KDF_COST);
    expect(m.shares).toHaveLength(5);
    for (const pick of [[0, 1, 2], [4, 2, 0], [1, 3, 4]]) {
      const got = await openQuorumMethod(vaultId, m, pick.map((i) => custodians[i]!));
      expect(got.equals(vmk)).toBe(true);
    }
  });

  it('refuses too few, repeated, unknown or wrong custodians', async () => {
    const m = await makeQuorumMethod(vaultId, vmk, 3, custodians, MINIMUM_KDF_COST);
    await expect(openQuorumMethod(vaultId, m, custodians.slice(0, 2))).rejects.toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining('needs 3') });
    await expect(openQuorumMethod(vaultId, m, [custodians[0]!, custodians[0]!, custodians[1]!])).rejects.toMatchObject({ code: 'E_INPUT' });
    await expect(openQuorumMethod(vaultId, m, [custodians[0]!, custodians[1]!, { user: 'mallory', passphrase: 'x' }])).rejects.toMatchObject({ message: expect.stringContaining('not a custodian') });
    await expect(openQuorumMethod(vaultId, m, [custodians[0]!, custodians[1]!, { user: 'erin', passphrase: 'wrong' }])).rejects.toMatchObject({ message: expect.stringContaining('Wrong share passphrase for custodian erin') });
  });

  it('refuses a threshold above the number of custodians or duplicate custodians at setup', async () => {
    await expect(makeQuorumMethod(vaultId, vmk, 4, custodians.slice(0, 3), MINIMUM_KDF_COST)).rejects.toMatchObject({ code: 'E_INPUT' });
    await expect(makeQuorumMethod(vaultId, vmk, 2, [custodians[0]!, custodians[0]!], MINIMUM_KDF_COST)).rejects.toMatchObject({ code: 'E_INPUT' });
  });
});
