import { describe, expect, it } from 'vitest';
import { addUnlockCustodian, checkQuorumChoice, checkSharePassphrase } from './quorum';

describe('quorum unlock collection', () => {
  it('collects custodians one by one', () => {
    const first = addUnlockCustodian([], { user: ' carol ', passphrase: 'carol share' });
    expect(first).toEqual({ ok: true, value: [{ user: 'carol', passphrase: 'carol share' }] });
    if (!first.ok) return;
    const second = addUnlockCustodian(first.value, { user: 'bob', passphrase: 'bob share' });
    expect(second.ok && second.value.map((c) => c.user)).toEqual(['carol', 'bob']);
    // The input is not changed: a failure later cannot leave half a collection behind.
    expect(first.value).toHaveLength(1);
  });

  it('refuses the same person twice, whatever the case', () => {
    const r = addUnlockCustodian([{ user: 'carol', passphrase: 'x' }], { user: 'Carol', passphrase: 'y' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/already entered a share/);
  });

  it('needs a valid name and a passphrase', () => {
    expect(addUnlockCustodian([], { user: '', passphrase: 'x' }).ok).toBe(false);
    expect(addUnlockCustodian([], { user: 'bad name', passphrase: 'x' }).ok).toBe(false);
    const r = addUnlockCustodian([], { user: 'bob', passphrase: '' });
    expect(!r.ok && r.error).toBe('bob, type your share passphrase.');
  });
});

describe('quorum set-up choice', () => {
  it('accepts M of N with 2 <= M <= N', () => {
    expect(checkQuorumChoice(2, ['alice', 'bob', 'carol'])).toBeNull();
    expect(checkQuorumChoice(3, ['alice', 'bob', 'carol'])).toBeNull();
  });

  it('explains what is wrong', () => {
    expect(checkQuorumChoice(2, ['alice'])).toBe('Choose at least two custodians.');
    expect(checkQuorumChoice(1, ['alice', 'bob'])).toMatch(/At least two/);
    expect(checkQuorumChoice(4, ['alice', 'bob', 'carol'])).toBe('You chose 3 custodians, so at most 3 can be required.');
    expect(checkQuorumChoice(2, ['alice', 'Alice'])).toMatch(/once/);
    expect(checkQuorumChoice(2, Array.from({ length: 17 }, (_, i) => `u${i}`))).toMatch(/at most 16/);
  });

  it('checks a share passphrase typed twice', () => {
    expect(checkSharePassphrase('long enough phrase', 'long enough phrase')).toEqual({});
    expect(checkSharePassphrase('short', 'short').passphrase).toBeDefined();
    expect(checkSharePassphrase('long enough phrase', 'other').confirm).toBe('The passphrases do not match.');
  });
});
