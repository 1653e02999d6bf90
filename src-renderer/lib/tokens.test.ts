import { describe, expect, it } from 'vitest';
import type { TokenSummary } from '../../src-shared/contract';
import { applyTokenChange, checkTokenInit, discoveryMessage, keySizeRange, knownFrom, pinFlags, tokenChangeNotice, tokenTitle, usableTokens } from './tokens';

const pin = { countLow: false, finalTry: false, locked: false, toBeChanged: false };
const token = (over: Partial<TokenSummary> = {}): TokenSummary => ({
  module: '/usr/lib/softhsm/libsofthsm2.so',
  slotId: 7,
  label: 'ca-root',
  serial: 'abc123',
  manufacturer: 'SoftHSM project',
  model: 'SoftHSM v2',
  initialized: true,
  loginRequired: true,
  protectedAuthenticationPath: false,
  userPin: pin,
  loggedIn: false,
  ...over,
});

describe('tokens', () => {
  it('names tokens and free slots', () => {
    expect(tokenTitle(token())).toBe('ca-root');
    expect(tokenTitle(token({ label: '  ', slotId: 1 }))).toBe('Slot 1');
    expect(usableTokens([token(), token({ initialized: false, serial: '' })])).toHaveLength(1);
  });

  it('shows PIN state flags, the strongest first', () => {
    expect(pinFlags(pin)).toEqual([]);
    expect(pinFlags({ ...pin, countLow: true }).map((f) => f.label)).toEqual(['PIN tries low']);
    expect(pinFlags({ ...pin, countLow: true, finalTry: true }).map((f) => f.label)).toEqual(['Final PIN try']);
    expect(pinFlags({ ...pin, locked: true, toBeChanged: true }).map((f) => f.label)).toEqual(['PIN locked', 'PIN to be changed']);
  });

  it('reports discovery', () => {
    expect(discoveryMessage({ found: 1, added: 0, matched: 1, skipped: [] })).toBe('Found 1 key: added 0, already known 1.');
    expect(discoveryMessage({ found: 3, added: 1, matched: 1, skipped: ['x: no CKA_ID'] })).toBe('Found 3 keys: added 1, already known 1. Skipped 1: x: no CKA_ID.');
  });

  it('shows key-size ranges', () => {
    expect(keySizeRange({ minKeySize: 0, maxKeySize: 0 })).toBe('—');
    expect(keySizeRange({ minKeySize: 256, maxKeySize: 256 })).toBe('256');
    expect(keySizeRange({ minKeySize: 1024, maxKeySize: 16384 })).toBe('1024–16384');
  });

  it('announces only real insertions and removals', () => {
    const ev = { serial: 'abc123', label: 'ca-root', present: true };
    // The core's first poll reports every present token: nothing to say before a list was read.
    expect(tokenChangeNotice(null, ev)).toBeNull();
    const known = knownFrom([token({ serial: 'other', label: 'o' })]);
    expect(tokenChangeNotice(known, ev)?.title).toBe('Token inserted');
    const after = applyTokenChange(known, ev)!;
    expect(tokenChangeNotice(after, ev)).toBeNull();
    expect(tokenChangeNotice(after, { ...ev, present: false })?.message).toContain('Token ca-root (serial abc123) was removed');
    expect(applyTokenChange(after, { ...ev, present: false })!.has('abc123')).toBe(false);
    // Free slots (no serial) come and go silently.
    expect(tokenChangeNotice(known, { serial: '', label: '', present: true })).toBeNull();
  });

  it('checks a new token’s PINs', () => {
    const ok = { label: 'hsm', soPin: '12345678', soPin2: '12345678', userPin: '87654321', userPin2: '87654321' };
    expect(checkTokenInit(ok)).toEqual({});
    expect(checkTokenInit({ ...ok, label: ' ' }).label).toBeDefined();
    expect(checkTokenInit({ ...ok, label: 'x'.repeat(33) }).label).toBe('A token label is at most 32 bytes.');
    expect(checkTokenInit({ ...ok, soPin2: 'nope' }).soPin2).toBe('The SO PINs do not match.');
    expect(checkTokenInit({ ...ok, userPin: '123', userPin2: '123' }).userPin).toBe('The user PIN needs at least 4 characters.');
    expect(checkTokenInit({ ...ok, userPin: ok.soPin, userPin2: ok.soPin }).userPin).toBe('Use a user PIN different from the SO PIN.');
  });
});
