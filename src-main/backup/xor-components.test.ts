import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyCheckValue, xorCombine, xorSplit } from './xor-components.js';

describe('XOR components with key check values', () => {
  it('computes the classic TDES KCV of a well-known test key and an AES CMAC KCV', () => {
    // Two-key TDES 0123456789ABCDEF FEDCBA9876543210: its KCV (zero block, first 3 bytes) is 08D7B4.
    expect(keyCheckValue(Buffer.from('0123456789abcdeffedcba9876543210', 'hex'), 'tdes-ecb')).toBe('08d7b4');
    // RFC 4493 key: AES-CMAC of one zero block is the KCV basis.
    expect(keyCheckValue(Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex'), 'aes-cmac')).toMatch(/^[0-9a-f]{6}$/);
  });

  it('splits into n components whose XOR is the key, and refuses a mistyped, duplicated or missing one', () => {
    const key = randomBytes(32);
    const { components, combinedKcv } = xorSplit(key, 3, 'aes-cmac');
    expect(components.map((c) => c.index)).toEqual([1, 2, 3]);
    for (const c of components) expect(c.kcv).toBe(keyCheckValue(c.value, 'aes-cmac'));
    expect(xorCombine(components.map((c) => c.value), 'aes-cmac', combinedKcv).equals(key)).toBe(true);
    const typo = Buffer.from(components[1]!.value);
    typo[5]! ^= 0x10;
    expect(() => xorCombine([components[0]!.value, typo, components[2]!.value], 'aes-cmac', combinedKcv)).toThrow(/key check value/);
    expect(() => xorCombine([components[0]!.value, components[1]!.value], 'aes-cmac', combinedKcv)).toThrow(/key check value/);
    expect(() => xorCombine([components[0]!.value, components[0]!.value, components[2]!.value], 'aes-cmac')).toThrow(/twice/);
  });

  it('works for TDES keys with the TDES check value', () => {
    const key = randomBytes(24);
    const { components, combinedKcv } = xorSplit(key, 2, 'tdes-ecb');
    expect(xorCombine(components.map((c) => c.value), 'tdes-ecb', combinedKcv).equals(key)).toBe(true);
  });
});
