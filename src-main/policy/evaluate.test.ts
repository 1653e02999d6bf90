import { describe, expect, it } from 'vitest';
import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';
import { addDuration, dayOf, isoOf, parseDuration } from './dates.js';
import { dualControlFor, dueRotations, evaluate, forEachFinding, summarizeFindings, FindingSummaryBuilder } from './evaluate.js';
import { classifyKeyTypes, keyTypeNames, securityStrength } from './key-facts.js';
import { loadPolicy } from './load.js';
import type { Finding } from './model.js';
import { INVENTORY, key } from './test-fixtures.js';

const policy = loadPolicy();

/** keyId ruleId severity appliesFrom-day, sorted: compact and exact. */
function lines(findings: Finding[]): string[] {
  return findings.map((f) => `${f.keyId} ${f.ruleId} ${f.severity} ${f.appliesFrom.slice(0, 10)}`).sort();
}

describe('evaluate as of a date (default composition)', () => {
  it('2026-11-28: notices of the quantum transition, the CA key stored in the vault, a legacy RSA-1024 verifier', () => {
    expect(lines(evaluate(INVENTORY, policy, new Date('2026-11-28T12:00:00Z')))).toEqual([
      'ca-root-vault baseline.storage.ca critical 2012-07-01',
      'ca-root-vault ir8547.notice.128-bit info 2024-11-12',
      'p256-tls ir8547.notice.128-bit info 2024-11-12',
      'rsa-sign ir8547.notice.112-bit info 2024-11-12',
      'rsa1024-legacy sp800-131a.rsa-signature-verification-below-2048 info 2014-01-01',
    ]);
  });

  it('2031-01-01: RSA-2048 deprecated (IR 8547), P-256 still only noticed, cryptoperiods ended', () => {
    expect(lines(evaluate(INVENTORY, policy, new Date('2031-01-01T00:00:00Z')))).toEqual([
      'aes-data sp800-57.symmetric-data-encryption.recipient warning 2029-12-31',
      'ca-root-vault baseline.storage.ca critical 2012-07-01',
      'ca-root-vault ir8547.notice.128-bit info 2024-11-12',
      'ca-root-vault sp800-57.private-signature.ca warning 2029-06-01',
      'hmac sp800-57.symmetric-authentication warning 2028-03-01',
      'p256-tls ir8547.notice.128-bit info 2024-11-12',
      'p256-tls sp800-57.private-authentication warning 2028-01-15',
      'rsa-sign ir8547.signature.112-bit.deprecated warning 2031-01-01',
      'rsa-sign sp800-57.private-signature warning 2028-06-01',
      'rsa1024-legacy sp800-131a.rsa-signature-verification-below-2048 info 2014-01-01',
    ]);
  });

  it('2036-01-01: every quantum-vulnerable signature key disallowed, at any strength', () => {
    expect(lines(evaluate(INVENTORY, policy, new Date('2036-01-01T00:00:00Z')))).toEqual([
      'aes-data sp800-57.symmetric-data-encryption.recipient warning 2029-12-31',
      'ca-root-vault baseline.storage.ca critical 2012-07-01',
      'ca-root-vault ir8547.signature.disallowed error 2036-01-01',
      'ca-root-vault sp800-57.private-signature.ca warning 2029-06-01',
      'hmac sp800-57.symmetric-authentication warning 2028-03-01',
      'hmac sp800-57.symmetric-authentication.recipient warning 2031-03-01',
      'p256-tls ir8547.signature.disallowed error 2036-01-01',
      'p256-tls sp800-57.private-authentication warning 2028-01-15',
      'rsa-sign ir8547.signature.disallowed error 2036-01-01',
      'rsa-sign sp800-57.private-signature warning 2028-06-01',
      'rsa1024-legacy sp800-131a.rsa-signature-verification-below-2048 info 2014-01-01',
    ]);
  });

  it('a finding carries the rule text, enforcement, status and what about the key made it fire', () => {
    const f = evaluate(INVENTORY, policy, new Date('2036-01-01T00:00:00Z')).find((x) => x.keyId === 'ca-root-vault' && x.ruleId === 'baseline.storage.ca');
    expect(f).toMatchObject({
      packId: 'custos-baseline',
      keyName: 'ca-root-vault',
      kind: 'storage',
      severity: 'critical',
      enforcement: 'block',
      status: null,
      appliesFrom: '2012-07-01T00:00:00.000Z',
      detail: 'stored in vault, required: token; extractable',
    });
    expect(f?.explanation).toMatch(/hardware cryptographic module/);
    expect(f?.remediation).toMatch(/token/);
    expect(f?.citation).toMatch(/6\.2\.7/);
    const d = evaluate(INVENTORY, policy, new Date('2036-01-01T00:00:00Z')).find((x) => x.keyId === 'rsa-sign' && x.kind === 'algorithm-status');
    expect(d).toMatchObject({ ruleId: 'ir8547.signature.disallowed', status: 'disallowed', enforcement: 'block', packId: 'nist-ir-8547' });
  });

  it('cryptoperiods respect the protect-stop and process-stop dates the key already has', () => {
    const base = { id: 'k', algorithm: 'aes-256', family: 'aes', size: 256, usageMask: U.Encrypt | U.Decrypt, purpose: 'data-encryption', activationDate: '2020-01-01T00:00:00.000Z' };
    const at = new Date('2027-06-01T00:00:00Z');
    // No stop dates: past the 2-year originator limit (2022) and the 3 more years of recipient use (2025).
    expect(lines(evaluate([key(base)], policy, at))).toEqual([
      'k sp800-57.symmetric-data-encryption warning 2022-01-01',
      'k sp800-57.symmetric-data-encryption.recipient warning 2025-01-01',
    ]);
    // Protect-stop passed: it no longer encrypts, so only the recipient period is judged (from the protect-stop).
    expect(lines(evaluate([key({ ...base, protectStopAt: '2021-01-01T00:00:00.000Z' })], policy, at))).toEqual(['k sp800-57.symmetric-data-encryption.recipient warning 2024-01-01']);
    // Process-stop passed as well: nothing left to judge.
    expect(evaluate([key({ ...base, protectStopAt: '2021-01-01T00:00:00.000Z', processStopAt: '2023-01-01T00:00:00.000Z' })], policy, at)).toEqual([]);
    // Never activated: counted from creation.
    const f = evaluate([key({ ...base, activationDate: null, createdAt: '2024-01-10T08:00:00.000Z', state: 'pre-active' })], policy, new Date('2026-02-01T00:00:00Z'));
    expect(lines(f)).toEqual(['k sp800-57.symmetric-data-encryption warning 2026-01-10']);
    expect(f[0]?.appliesFrom).toBe('2026-01-10T08:00:00.000Z');
    expect(f[0]?.detail).toMatch(/counted from creation on 2024-01-10/);
  });

  it('SP 800-131A distinguishes protecting from processing', () => {
    const rsa1024 = { algorithm: 'rsa-1024', size: 1024, activationDate: '2026-01-01T00:00:00.000Z' };
    const tdes = { algorithm: 'tdes-168', family: 'tdes', size: 168, usageMask: U.Encrypt | U.Decrypt, activationDate: '2026-06-01T00:00:00.000Z' };
    const keys = [
      key({ id: 'sign', ...rsa1024 }),
      key({ id: 'verify-only', ...rsa1024, usageMask: U.Verify }),
      key({ id: 'transport', ...rsa1024, usageMask: U.Decrypt }),
      key({ id: 'tdes-enc', ...tdes }),
      key({ id: 'tdes-dec', ...tdes, usageMask: U.Decrypt }),
      key({ id: 'hmac64', algorithm: 'hmac-sha256', family: 'hmac', size: 64, usageMask: U.MACGenerate | U.MACVerify, activationDate: '2026-06-01T00:00:00.000Z' }),
      key({ id: 'p192', algorithm: 'ec-p192', family: 'ec', size: 192, curve: 'P-192', activationDate: '2026-06-01T00:00:00.000Z' }),
      key({ id: 'sha1', algorithm: 'rsa-3072', size: 3072, digest: 'sha-1', activationDate: '2026-06-01T00:00:00.000Z' }),
    ];
    const only131a = evaluate(keys, policy, new Date('2026-11-28T00:00:00Z')).filter((f) => f.packId === 'nist-sp800-131a-r2');
    expect(lines(only131a)).toEqual([
      'hmac64 sp800-131a.hmac-key-below-112 error 2014-01-01',
      'p192 sp800-131a.ecdsa-signature-generation-below-224 error 2014-01-01',
      'sha1 sp800-131a.sha1-signature-generation error 2014-01-01',
      'sign sp800-131a.rsa-signature-generation-below-2048 error 2014-01-01',
      'tdes-dec sp800-131a.tdea-three-key-process info 2024-01-01',
      'tdes-enc sp800-131a.tdea-three-key-protect.disallowed error 2024-01-01',
      'transport sp800-131a.rsa-key-transport-below-2048 error 2014-01-01',
      'verify-only sp800-131a.rsa-signature-verification-below-2048 info 2014-01-01',
    ]);
    // Three-key TDEA was only deprecated before 2024.
    const in2022 = evaluate(keys.filter((k) => k.id === 'tdes-enc'), policy, new Date('2022-06-01T00:00:00Z'));
    expect(lines(in2022.filter((f) => f.packId === 'nist-sp800-131a-r2'))).toEqual(['tdes-enc sp800-131a.tdea-three-key-protect.deprecated warning 2019-03-21']);
  });

  it('IR 8547 deprecates only the 112-bit parameters after 2030', () => {
    const keys = [
      key({ id: 'rsa2048' }),
      key({ id: 'rsa3072', algorithm: 'rsa-3072', size: 3072 }),
      key({ id: 'p224', algorithm: 'ec-p224', family: 'ec', size: 224, curve: 'P-224' }),
      key({ id: 'p384', algorithm: 'ec-p384', family: 'ec', size: 384, curve: 'P-384' }),
      key({ id: 'ed', algorithm: 'ed25519', family: 'eddsa', size: 255, curve: 'Ed25519' }),
      key({ id: 'ecdh', algorithm: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', usageMask: U.KeyAgreement }),
      key({ id: 'aes', algorithm: 'aes-256', family: 'aes', size: 256, usageMask: U.Encrypt | U.Decrypt }),
    ];
    const ir = (d: string) => lines(evaluate(keys, policy, new Date(d)).filter((f) => f.packId === 'nist-ir-8547')).map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(ir('2031-01-01T00:00:00Z')).toEqual([
      'ecdh ir8547.notice.128-bit',
      'ed ir8547.notice.128-bit',
      'p224 ir8547.signature.112-bit.deprecated',
      'p384 ir8547.notice.128-bit',
      'rsa2048 ir8547.signature.112-bit.deprecated',
      'rsa3072 ir8547.notice.128-bit',
    ]);
    expect(ir('2035-12-31T23:59:59Z')).toEqual(ir('2031-01-01T00:00:00Z'));
    expect(ir('2036-01-01T00:00:00Z')).toEqual([
      'ecdh ir8547.key-establishment.disallowed',
      'ed ir8547.signature.disallowed',
      'p224 ir8547.signature.disallowed',
      'p384 ir8547.signature.disallowed',
      'rsa2048 ir8547.signature.disallowed',
      'rsa3072 ir8547.signature.disallowed',
    ]);
  });

  it('the baseline checks usage against purpose', () => {
    const keys = [
      key({ id: 'kw-with-sign', algorithm: 'aes-256', family: 'aes', size: 256, purpose: 'key-wrapping', usageMask: U.WrapKey | U.UnwrapKey | U.Sign }),
      key({ id: 'kw-default-aes-mask', algorithm: 'aes-256', family: 'aes', size: 256, purpose: 'key-wrapping', usageMask: U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey }),
      key({ id: 'kw-good', algorithm: 'aes-256', family: 'aes', size: 256, purpose: 'key-wrapping', usageMask: U.WrapKey | U.UnwrapKey }),
      key({ id: 'tls-certsign', algorithm: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', purpose: 'tls-server', usageMask: U.Sign | U.CertificateSign }),
    ];
    const fs = evaluate(keys, policy, new Date('2026-11-28T00:00:00Z')).filter((f) => f.kind === 'usage');
    expect(fs.map((f) => `${f.keyId} ${f.ruleId} ${f.detail}`).sort()).toEqual([
      'kw-default-aes-mask baseline.usage.key-wrapping.single-purpose usage Encrypt, Decrypt, WrapKey, UnwrapKey: must not have Encrypt, Decrypt',
      'kw-with-sign baseline.usage.key-wrapping usage Sign, WrapKey, UnwrapKey: must not have Sign',
      'tls-certsign baseline.usage.authentication usage Sign, CertificateSign: must not have CertificateSign',
    ]);
  });

  it('forEachFinding and the summary agree with evaluate', () => {
    const at = new Date('2036-01-01T00:00:00Z');
    const all = evaluate(INVENTORY, policy, at);
    const b = new FindingSummaryBuilder();
    forEachFinding(INVENTORY, policy, at, b.add);
    const s = b.result();
    expect(s).toEqual(summarizeFindings(all));
    expect(s.total).toBe(all.length);
    expect(s.bySeverity).toEqual({ info: 1, warning: 6, error: 3, critical: 1 });
    expect(s.byRule[0]).toMatchObject({ ruleId: 'baseline.storage.ca', severity: 'critical', count: 1 });
    expect(s.byRule[1]).toMatchObject({ ruleId: 'ir8547.signature.disallowed', severity: 'error', count: 3 });
  });

  it('refuses an invalid as-of date', () => {
    expect(() => evaluate(INVENTORY, policy, new Date('not a date'))).toThrow(RangeError);
  });
});

describe('due rotations', () => {
  it('lists active keys whose cryptoperiod or protect-stop ends within the horizon, overdue ones first', () => {
    const keys = [...INVENTORY, key({ id: 'old', activationDate: '2020-02-01T00:00:00.000Z' })];
    const due = dueRotations(keys, policy, new Date('2026-11-28T00:00:00Z'), 800);
    expect(due.map((d) => `${d.keyId} ${d.dueAt.slice(0, 10)} ${d.reason} ${d.ruleId ?? '-'} ${d.overdue ? 'overdue' : d.daysLeft}`)).toEqual([
      'old 2023-02-01 cryptoperiod sp800-57.private-signature overdue',
      'aes-data 2026-12-31 protect-stop - 33',
      'p256-tls 2028-01-15 cryptoperiod sp800-57.private-authentication 413',
      'hmac 2028-03-01 cryptoperiod sp800-57.symmetric-authentication 459',
      'rsa-sign 2028-06-01 cryptoperiod sp800-57.private-signature 551',
    ]);
    expect(due.every((d) => d.rotation === 'manual')).toBe(true);
    expect(dueRotations(keys, policy, new Date('2026-11-28T00:00:00Z'), 0).map((d) => d.keyId)).toEqual(['old']);
  });
});

describe('dual control carried by the policy', () => {
  it('gives the baseline requirements, stricter ones for CA keys', () => {
    const at = new Date('2026-11-28T00:00:00Z');
    expect(dualControlFor(policy, at)).toEqual({
      'key.destroy': { approvals: 1, roles: ['administrator', 'security-officer'], ruleId: 'baseline.dual-control' },
      'key.export': { approvals: 1, roles: ['administrator', 'security-officer'], ruleId: 'baseline.dual-control' },
      'backup.recover': { approvals: 1, roles: ['administrator', 'security-officer', 'key-custodian'], ruleId: 'baseline.dual-control' },
      'policy.change': { approvals: 1, roles: ['administrator', 'security-officer'], ruleId: 'baseline.dual-control' },
    });
    const ca = INVENTORY.find((k) => k.id === 'ca-root-vault');
    expect(dualControlFor(policy, at, ca)['key.destroy']).toEqual({ approvals: 2, roles: ['administrator', 'security-officer'], ruleId: 'baseline.dual-control.ca' });
  });
});

describe('key facts', () => {
  it('classifies SP 800-57 key types by purpose, then usage', () => {
    expect(keyTypeNames(classifyKeyTypes('rsa', U.Sign | U.Verify, 'general'))).toEqual(['private-signature']);
    expect(keyTypeNames(classifyKeyTypes('ec', U.Sign | U.Verify, 'tls-server'))).toEqual(['private-authentication']);
    expect(keyTypeNames(classifyKeyTypes('rsa', U.Decrypt | U.UnwrapKey, 'general'))).toEqual(['private-key-transport']);
    expect(keyTypeNames(classifyKeyTypes('ec', U.KeyAgreement, 'general'))).toEqual(['private-static-key-agreement']);
    expect(keyTypeNames(classifyKeyTypes('aes', U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey, 'general'))).toEqual(['symmetric-data-encryption', 'symmetric-key-wrapping']);
    expect(keyTypeNames(classifyKeyTypes('aes', U.Encrypt | U.Decrypt | U.WrapKey | U.UnwrapKey, 'key-wrapping'))).toEqual(['symmetric-key-wrapping']);
    expect(keyTypeNames(classifyKeyTypes('hmac', U.MACGenerate | U.MACVerify, 'general'))).toEqual(['symmetric-authentication']);
    expect(keyTypeNames(classifyKeyTypes('aes', U.DeriveKey, 'general'))).toEqual(['symmetric-master']);
    expect(keyTypeNames(classifyKeyTypes('rsa', U.Sign | U.Decrypt, 'ca-root'))).toEqual(['private-signature']);
  });

  it('gives security strengths per SP 800-57 Table 2', () => {
    expect([1024, 2048, 3072, 4096, 7680, 15360].map((n) => securityStrength('rsa', n, null))).toEqual([80, 112, 128, 128, 192, 256]);
    expect([192, 224, 256, 384, 521].map((n) => securityStrength('ec', n, null))).toEqual([80, 112, 128, 192, 256]);
    expect(securityStrength('eddsa', 255, 'Ed25519')).toBe(128);
    expect(securityStrength('tdes', 112, null)).toBe(80);
    expect(securityStrength('tdes', 168, null)).toBe(112);
  });

  it('adds calendar durations in UTC, clamping to the end of shorter months', () => {
    const t = (s: string) => Date.parse(s);
    expect(new Date(addDuration(t('2024-02-29T10:00:00Z'), parseDuration('P1Y'))).toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(new Date(addDuration(t('2025-01-31T00:00:00Z'), parseDuration('P1M'))).toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(new Date(addDuration(t('2025-12-31T00:00:00Z'), parseDuration('P1Y2M10D'))).toISOString()).toBe('2027-03-10T00:00:00.000Z');
    expect(new Date(addDuration(t('2025-01-01T00:00:00Z'), parseDuration('P90D'))).toISOString()).toBe('2025-04-01T00:00:00.000Z');
  });

  it('formats and moves dates exactly as Date does, without allocating one', () => {
    // A deterministic spread of instants from 1901 to 2199, including leap days and month ends.
    let x = 12345;
    const durations = ['P1Y', 'P2Y', 'P3Y', 'P1M', 'P13M', 'P1Y6M10D', 'P5Y'].map(parseDuration);
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const ms = Date.UTC(1901, 0, 1) + Math.floor((x / 2147483648) * (Date.UTC(2199, 11, 31) - Date.UTC(1901, 0, 1)));
      const ref = new Date(ms);
      expect(isoOf(ms)).toBe(ref.toISOString());
      expect(dayOf(ms)).toBe(ref.toISOString().slice(0, 10));
      const d = durations[i % durations.length]!;
      const r = new Date(ms);
      const day = r.getUTCDate();
      r.setUTCDate(1);
      r.setUTCFullYear(r.getUTCFullYear() + d.years, r.getUTCMonth() + d.months);
      const last = new Date(Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 1, 0)).getUTCDate();
      r.setUTCDate(Math.min(day, last) + d.days);
      expect(addDuration(ms, d)).toBe(r.getTime());
    }
  });
});
