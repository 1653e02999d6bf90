import { describe, expect, it } from 'vitest';
import { ALGORITHM_IDS, algorithmIdSchema, INVENTORY_ONLY_ALGORITHM_IDS, inventoryAlgorithmIdSchema, isGeneratedAlgorithm } from '../../src-shared/keys';
import {
  algorithmGroups,
  algorithmLabel,
  keyAlgorithmLabel,
  checkNewPassphrase,
  formatDateTime,
  formatDetails,
  groupHex,
  pageCount,
  phaseFor,
  rangeLabel,
  sizeLabel,
  stateLabel,
} from './format';

describe('format helpers', () => {
  it('shows times in UTC whatever the local zone', () => {
    expect(formatDateTime('2025-03-04T05:06:07.123Z')).toBe('2025-03-04 05:06:07 UTC');
    expect(formatDateTime('2025-03-04T23:30:00+02:00')).toBe('2025-03-04 21:30:00 UTC');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('labels sizes by curve or bits', () => {
    expect(sizeLabel({ size: 256, curve: 'P-256' })).toBe('P-256');
    expect(sizeLabel({ size: 4096, curve: null })).toBe('4096 bits');
  });

  it('labels states', () => {
    expect(stateLabel('pre-active')).toBe('Pre-active');
    expect(stateLabel('destroyed-compromised')).toBe('Destroyed (compromised)');
  });

  it('offers every algorithm exactly once', () => {
    const ids = algorithmGroups().flatMap((g) => g.items.map((i) => i.value));
    expect([...ids].sort()).toEqual([...ALGORITHM_IDS].sort());
  });

  it('labels inventory-only algorithms, and never offers them for generation', () => {
    const offered = new Set(algorithmGroups().flatMap((g) => g.items.map((i) => i.value as string)));
    for (const id of INVENTORY_ONLY_ALGORITHM_IDS) {
      expect(offered.has(id), id).toBe(false);
      expect(isGeneratedAlgorithm(id), id).toBe(false);
      expect(algorithmIdSchema.safeParse(id).success, id).toBe(false);
      expect(inventoryAlgorithmIdSchema.safeParse(id).success, id).toBe(true);
      expect(algorithmLabel(id), id).not.toBe(id);
    }
    expect(algorithmLabel('rsa-1024')).toBe('RSA 1024');
    expect(algorithmLabel('ec-p256')).toBe('EC P-256');
    expect(algorithmLabel('something-new')).toBe('something-new');
    expect(keyAlgorithmLabel({ algorithm: 'rsa-other', size: 1536, curve: null })).toBe('RSA 1536 bits');
    expect(keyAlgorithmLabel({ algorithm: 'ec-other', size: 256, curve: 'brainpoolP256r1' })).toBe('EC brainpoolP256r1');
    expect(keyAlgorithmLabel({ algorithm: 'dsa', size: 1024, curve: null })).toBe('DSA 1024 bits');
    expect(keyAlgorithmLabel({ algorithm: 'ec-secp256k1', size: 256, curve: 'secp256k1' })).toBe('EC secp256k1');
  });

  it('pages', () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(25, 25)).toBe(1);
    expect(pageCount(26, 25)).toBe(2);
    expect(rangeLabel(0, 0, 0)).toBe('No keys');
    expect(rangeLabel(25, 10, 35)).toBe('26–35 of 35');
  });

  it('picks the screen from the vault status', () => {
    const alice = { name: 'alice', role: 'administrator' as const };
    expect(phaseFor({ exists: false, unlocked: false, user: null })).toBe('first-run');
    expect(phaseFor({ exists: true, unlocked: false, user: null })).toBe('locked');
    expect(phaseFor({ exists: true, unlocked: true, user: null })).toBe('login');
    expect(phaseFor({ exists: true, unlocked: true, user: alice })).toBe('unlocked');
  });

  it('checks a new passphrase like the core does', () => {
    expect(checkNewPassphrase('short', 'short').passphrase).toMatch(/at least 10/);
    expect(checkNewPassphrase('long enough passphrase', 'different one').confirm).toMatch(/do not match/);
    expect(checkNewPassphrase('long enough passphrase', 'long enough passphrase')).toEqual({});
  });

  it('formats audit details and hex', () => {
    expect(formatDetails({ b: 1, a: 'x', c: null, d: true, e: '' })).toBe('a=x, b=1, d=true');
    expect(groupHex('abcdef0123')).toBe('abcd ef01 23');
  });
});
