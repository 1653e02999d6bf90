import { describe, expect, it } from 'vitest';
import { ALGORITHMS, defaultUsageMask, type KEY_STATES, type KeyFamily } from '../../src-shared/keys';
import { KMIP_USAGE, LIFECYCLE_ACTIONS } from '../../src-shared/lifecycle';
import {
  FAMILY_USAGE,
  defaultSignMechanism,
  oaepMaxPlaintext,
  revocationLabel,
  revocationReasonsFrom,
  signMechanisms,
  transitionBlocked,
  usageChoices,
  usageLabels,
  useBlocked,
  useOperations,
} from './lifecycle';

const FAMILIES: KeyFamily[] = ['ec', 'eddsa', 'rsa', 'aes', 'hmac'];

describe('lifecycle buttons', () => {
  it('offers exactly the SP 800-57 transitions from each state', () => {
    const allowed = (state: (typeof KEY_STATES)[number]) => LIFECYCLE_ACTIONS.filter((a) => transitionBlocked(state, a) === null);
    expect(allowed('pre-active')).toEqual(['activate', 'revoke']);
    expect(allowed('active')).toEqual(['suspend', 'deactivate', 'revoke']);
    expect(allowed('suspended')).toEqual(['resume', 'deactivate', 'revoke']);
    expect(allowed('deactivated')).toEqual(['revoke']);
    expect(allowed('compromised')).toEqual([]);
    expect(allowed('destroyed')).toEqual([]);
    expect(allowed('destroyed-compromised')).toEqual([]);
  });

  it('says why an action is unavailable', () => {
    expect(transitionBlocked('active', 'activate')).toBe('Only a pre-active key can be activated; this key is active.');
    expect(transitionBlocked('pre-active', 'suspend')).toBe('Only an active key can be suspended; this key is pre-active.');
    expect(transitionBlocked('compromised', 'revoke')).toBe('This key is already compromised.');
    expect(transitionBlocked('destroyed', 'revoke')).toBe('A destroyed key cannot be revoked.');
  });

  it('lets a pre-active or deactivated key be revoked only as compromised', () => {
    expect(revocationReasonsFrom('pre-active')).toEqual(['key-compromise', 'ca-compromise']);
    expect(revocationReasonsFrom('deactivated')).toEqual(['key-compromise', 'ca-compromise']);
    expect(revocationReasonsFrom('active')).toHaveLength(7);
    expect(revocationReasonsFrom('compromised')).toEqual([]);
    expect(revocationLabel('key-compromise')).toBe('Key compromise (KMIP 2)');
  });
});

describe('usage', () => {
  it("offers each family's usages and includes its default mask", () => {
    for (const f of FAMILIES) {
      const mask = usageChoices(f).reduce((m, c) => m | c.bit, 0);
      expect(mask).toBe(FAMILY_USAGE[f]);
      expect(defaultUsageMask(f) & ~FAMILY_USAGE[f]).toBe(0);
    }
    expect(usageChoices('aes').map((c) => c.name)).not.toContain('Sign');
    expect(usageLabels(KMIP_USAGE.Sign | KMIP_USAGE.Verify)).toEqual(['Sign', 'Verify']);
  });

  it('gates operations by state and mask, with the reason', () => {
    const key = (state: (typeof KEY_STATES)[number], family: KeyFamily = 'ec') => ({ family, state, usageMask: defaultUsageMask(family) });
    expect(useBlocked(key('active'), 'sign')).toBeNull();
    expect(useBlocked(key('suspended'), 'sign')).toBe('A suspended key may only verify, decrypt or unwrap, never sign.');
    expect(useBlocked(key('suspended'), 'verify')).toBeNull();
    expect(useBlocked(key('deactivated'), 'verify')).toBeNull();
    expect(useBlocked(key('pre-active'), 'verify')).toBe('The key is not active yet; activate it first.');
    expect(useBlocked(key('compromised'), 'verify')).toBe('The key is compromised.');
    expect(useBlocked({ family: 'ec', state: 'active', usageMask: KMIP_USAGE.Verify }, 'sign')).toBe("The key's usage mask does not allow sign.");
    // HMAC keys sign and verify as MACs.
    expect(useBlocked(key('suspended', 'hmac'), 'sign')).toBe('A suspended key may only verify, decrypt or unwrap, never mac-generate.');
    expect(useBlocked(key('suspended', 'aes'), 'decrypt')).toBeNull();
  });

  it('offers the operations each family has', () => {
    expect(useOperations('rsa')).toEqual(['sign', 'verify', 'encrypt', 'decrypt']);
    expect(useOperations('aes')).toEqual(['encrypt', 'decrypt']);
    expect(useOperations('ec')).toEqual(['sign', 'verify']);
  });
});

describe('mechanisms', () => {
  it('defaults to a mechanism that fits the family', () => {
    for (const a of Object.values(ALGORITHMS)) {
      const m = defaultSignMechanism(a.id);
      if (a.family === 'aes') expect(m).toBeNull();
      else expect(signMechanisms(a.family)).toContain(m);
    }
    expect(defaultSignMechanism('ec-p384')).toBe('ecdsa-sha384');
  });

  it('knows how much RSA-OAEP takes', () => {
    expect(oaepMaxPlaintext('rsa-2048', 'vault')).toBe(190);
    expect(oaepMaxPlaintext('rsa-2048', 'token')).toBe(214);
    expect(oaepMaxPlaintext('aes-256', 'vault')).toBeNull();
  });
});
