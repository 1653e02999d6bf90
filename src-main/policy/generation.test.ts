import { describe, expect, it } from 'vitest';
import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';
import { composePolicy } from './compose.js';
import { checkGeneration, type GenerationCandidate } from './evaluate.js';
import { builtinPolicyDir, loadPackDirectory, loadPolicy, parseComposition } from './load.js';
import type { Finding } from './model.js';

const policy = loadPolicy();
const NOW = new Date('2026-11-28T12:00:00Z');

function candidate(over: Partial<GenerationCandidate> = {}): GenerationCandidate {
  return { algorithm: 'rsa-2048', family: 'rsa', size: 2048, curve: null, store: 'vault', extractable: false, usageMask: U.Sign | U.Verify, purpose: null, ...over };
}

const ids = (fs: Finding[]) => fs.map((f) => f.ruleId).sort();

describe('generation and import gate', () => {
  it('blocks an RSA key shorter than 2048 bits (by its size)', () => {
    const v = checkGeneration(candidate({ algorithm: 'rsa-1024', size: 1024 }), policy, NOW);
    expect(ids(v.blocked)).toEqual(['sp800-131a.rsa-signature-generation-below-2048']);
    expect(v.blocked[0]).toMatchObject({ keyId: '(new key)', enforcement: 'block', severity: 'error', status: 'disallowed' });
    // Any algorithm id: the size decides.
    expect(ids(checkGeneration(candidate({ algorithm: 'imported-rsa', size: 1536, usageMask: U.Decrypt }), policy, NOW).blocked)).toEqual(['sp800-131a.rsa-key-transport-below-2048']);
  });

  it('lets RSA-2048 through with a warning (IR 8547 notice, enforcement warn)', () => {
    const v = checkGeneration(candidate(), policy, NOW);
    expect(v.blocked).toEqual([]);
    expect(ids(v.warnings)).toEqual(['ir8547.notice.112-bit']);
    expect(v.warnings[0]?.severity).toBe('info');
  });

  it('warns or blocks as each rule says', () => {
    // A CA key in the vault: the storage rule blocks, the strength rule blocks RSA-2048 for a CA.
    const ca = checkGeneration(candidate({ purpose: 'ca-root', usageMask: U.Sign | U.CertificateSign | U.CRLSign }), policy, NOW);
    expect(ids(ca.blocked)).toEqual(['baseline.algorithms.ca-strength', 'baseline.storage.ca']);
    expect(ids(ca.warnings)).toEqual(['ir8547.notice.112-bit']);
    // On a token, not extractable, RSA-3072: allowed.
    const good = checkGeneration(candidate({ algorithm: 'rsa-3072', size: 3072, store: 'token', purpose: 'ca-root', usageMask: U.Sign | U.CertificateSign | U.CRLSign }), policy, NOW);
    expect(good.blocked).toEqual([]);
    // A code-signing key in the vault: the storage rule only warns.
    const cs = checkGeneration(candidate({ algorithm: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', purpose: 'code-signing' }), policy, NOW);
    expect(cs.blocked).toEqual([]);
    expect(ids(cs.warnings)).toEqual(['baseline.storage.code-signing', 'ir8547.notice.128-bit']);
    // An AES key for data encryption with the default AES mask: a warning about wrapping.
    const aes = checkGeneration(candidate({ algorithm: 'aes-256', family: 'aes', size: 256, purpose: 'data-encryption', usageMask: U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey }), policy, NOW);
    expect(aes.blocked).toEqual([]);
    expect(ids(aes.warnings)).toEqual(['baseline.usage.data-encryption.single-purpose']);
    // A key-wrapping key that can sign: blocked.
    const kw = checkGeneration(candidate({ algorithm: 'aes-256', family: 'aes', size: 256, purpose: 'key-wrapping', usageMask: U.WrapKey | U.UnwrapKey | U.Sign }), policy, NOW);
    expect(ids(kw.blocked)).toEqual(['baseline.usage.key-wrapping']);
  });

  it("an organisation can turn a warning into a block by replacing the rule", () => {
    const packs = loadPackDirectory(builtinPolicyDir());
    const notice = packs.find((p) => p.id === 'nist-ir-8547')?.rules.find((r) => r.id === 'ir8547.notice.112-bit');
    if (!notice || notice.kind === 'dual-control') throw new Error('rule missing');
    const strict = composePolicy(
      packs,
      parseComposition({ format: 'custos.policy-composition/v1', id: 'strict', packs: ['nist-ir-8547'], overrides: [{ ...notice, enforcement: 'block', severity: 'error' }] }, 'strict.json'),
    );
    const v = checkGeneration(candidate(), strict, NOW);
    expect(ids(v.blocked)).toEqual(['ir8547.notice.112-bit']);
    expect(v.blocked[0]?.packId).toBe('strict');
    expect(v.warnings).toEqual([]);
  });

  it('looks ahead to rules that start before the new key is due for rotation', () => {
    // Generated mid-2029, an RSA-2048 signing key is due in mid-2032 (3 years): the 2031 deprecation is upcoming.
    const v = checkGeneration(candidate(), policy, new Date('2029-06-01T00:00:00Z'));
    expect(ids(v.upcoming)).toEqual(['ir8547.signature.112-bit.deprecated']);
    expect(v.upcoming[0]?.appliesFrom).toBe('2031-01-01T00:00:00.000Z');
    // With a longer horizon the 2036 disallowance shows too.
    expect(ids(checkGeneration(candidate(), policy, new Date('2029-06-01T00:00:00Z'), { until: new Date('2037-01-01T00:00:00Z') }).upcoming)).toEqual([
      'ir8547.signature.112-bit.deprecated',
      'ir8547.signature.disallowed',
    ]);
    // In 2026 the cryptoperiod ends in 2029: nothing upcoming for RSA-2048.
    expect(checkGeneration(candidate(), policy, NOW).upcoming).toEqual([]);
  });

  it('judges an imported key by its own dates', () => {
    const v = checkGeneration(candidate({ state: 'active', createdAt: '2021-01-01T00:00:00.000Z', activationDate: '2021-02-01T00:00:00.000Z' }), policy, NOW);
    expect(ids(v.warnings)).toEqual(['ir8547.notice.112-bit', 'sp800-57.private-signature']);
    expect(v.warnings.find((f) => f.kind === 'cryptoperiod')?.appliesFrom).toBe('2024-02-01T00:00:00.000Z');
  });
});
