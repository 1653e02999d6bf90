import { describe, expect, it } from 'vitest';
import { BridgeTokens, newToken, tokensEqual } from './tokens.js';

describe('bridge tokens', () => {
  it('makes 256-bit hex tokens', () => {
    const t = newToken();
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(newToken()).not.toBe(t);
  });

  it('compares in constant time for any lengths', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
  });

  it('accepts the launch token once and then only the session token', () => {
    const tokens = new BridgeTokens();
    const first = tokens.check(tokens.launchToken);
    expect(first).toMatchObject({ ok: true, kind: 'launch' });
    if (!first.ok) throw new Error('unreachable');
    expect(first.sessionToken).not.toBe(tokens.launchToken);
    expect(tokens.check(tokens.launchToken)).toEqual({ ok: false, reason: 'consumed' });
    expect(tokens.check(first.sessionToken)).toEqual({ ok: true, kind: 'session', sessionToken: first.sessionToken });
    expect(tokens.check(first.sessionToken)).toMatchObject({ ok: true });
  });

  it('refuses missing, malformed and wrong tokens without consuming the launch token', () => {
    const tokens = new BridgeTokens();
    expect(tokens.check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.check('')).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.check('zz')).toEqual({ ok: false, reason: 'invalid' });
    expect(tokens.check(tokens.launchToken.toUpperCase())).toEqual({ ok: false, reason: 'invalid' });
    expect(tokens.check(newToken())).toEqual({ ok: false, reason: 'invalid' });
    expect(tokens.consumed).toBe(false);
    expect(tokens.check(tokens.launchToken)).toMatchObject({ ok: true, kind: 'launch' });
  });

  it('refuses a malformed launch token at construction', () => {
    expect(() => new BridgeTokens('short')).toThrow();
  });
});
