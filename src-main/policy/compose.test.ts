import { describe, expect, it } from 'vitest';
import { composePolicy, policyView } from './compose.js';
import { PolicyFileError } from './errors.js';
import { dueRotations, evaluate } from './evaluate.js';
import { builtinPolicyDir, loadPackDirectory, parseComposition } from './load.js';
import type { CompositionInput, Finding } from './model.js';
import { INVENTORY, key } from './test-fixtures.js';

const packs = loadPackDirectory(builtinPolicyDir());
const DEFAULT_PACKS = ['nist-sp800-57-cryptoperiods', 'nist-sp800-131a-r2', 'nist-ir-8547', 'custos-baseline'];

function compose(c: Omit<CompositionInput, 'format'>) {
  return composePolicy(packs, parseComposition({ format: 'custos.policy-composition/v1', ...c }, 'acme.json'), 'acme.json');
}

function lines(findings: Finding[]): string[] {
  return findings.map((f) => `${f.keyId} ${f.packId} ${f.ruleId} ${f.severity}`).sort();
}

const AS_OF = new Date('2026-11-28T00:00:00Z');

describe('composition', () => {
  it('a disabled rule produces no findings; the rest are unchanged', () => {
    const base = evaluate(INVENTORY, compose({ packs: DEFAULT_PACKS }), AS_OF);
    const p = compose({ packs: DEFAULT_PACKS, disabledRules: ['baseline.storage.ca', 'ir8547.notice.128-bit'] });
    expect(p.disabledRules).toEqual(['baseline.storage.ca', 'ir8547.notice.128-bit']);
    expect(p.rules.some((r) => r.rule.id === 'baseline.storage.ca')).toBe(false);
    expect(lines(evaluate(INVENTORY, p, AS_OF))).toEqual(lines(base.filter((f) => f.ruleId !== 'baseline.storage.ca' && f.ruleId !== 'ir8547.notice.128-bit')));
    expect(lines(evaluate(INVENTORY, p, AS_OF))).toEqual([
      'rsa-sign nist-ir-8547 ir8547.notice.112-bit info',
      'rsa1024-legacy nist-sp800-131a-r2 sp800-131a.rsa-signature-verification-below-2048 info',
    ]);
  });

  it("an organisation's own rule is evaluated and carries the composition's id", () => {
    const p = compose({
      id: 'acme',
      packs: DEFAULT_PACKS,
      overrides: [
        {
          id: 'acme.tls-one-year',
          kind: 'cryptoperiod',
          period: 'originator',
          title: 'TLS keys rotate every year',
          match: { purposes: ['tls-server', 'tls-client'], states: ['pre-active', 'active', 'suspended'] },
          maxOriginatorUsage: 'P1Y',
          rotation: 'auto',
          severity: 'error',
          enforcement: 'block',
          effectiveFrom: '2026-01-01',
          explanation: 'Our certificates are valid for a year; keys follow.',
          remediation: 'Rotate the key.',
        },
        {
          id: 'acme.no-vault-rsa',
          kind: 'storage',
          title: 'RSA signing keys live on tokens',
          match: { families: ['rsa'], usageAny: ['Sign'] },
          stores: ['token'],
          severity: 'warning',
          enforcement: 'warn',
          effectiveFrom: '2026-01-01',
          explanation: 'House rule.',
          remediation: 'Move it to a token.',
        },
      ],
    });
    const own = evaluate(INVENTORY, p, new Date('2027-02-01T00:00:00Z')).filter((f) => f.packId === 'acme');
    expect(lines(own)).toEqual([
      'ca-root-vault acme acme.no-vault-rsa warning',
      'p256-tls acme acme.tls-one-year error',
      'rsa-sign acme acme.no-vault-rsa warning',
      // Deactivated keys are judged too unless a rule narrows its states.
      'rsa1024-legacy acme acme.no-vault-rsa warning',
    ]);
    expect(own.find((f) => f.ruleId === 'acme.tls-one-year')?.appliesFrom).toBe('2027-01-15T00:00:00.000Z');
    // The organisation's rule is the earliest end for the TLS key, and it rotates by itself.
    const due = dueRotations(INVENTORY, p, AS_OF, 60);
    expect(due.find((d) => d.keyId === 'p256-tls')).toMatchObject({ ruleId: 'acme.tls-one-year', packId: 'acme', rotation: 'auto', dueAt: '2027-01-15T00:00:00.000Z' });
  });

  it('an own rule with the id of a pack rule replaces it in place', () => {
    const p = compose({
      id: 'acme',
      packs: DEFAULT_PACKS,
      overrides: [
        {
          id: 'sp800-57.private-signature.ca',
          kind: 'cryptoperiod',
          period: 'originator',
          title: 'Root CA keys: 10 years under our CP/CPS',
          match: { keyTypes: ['private-signature'], purposes: ['ca-root'], states: ['pre-active', 'active', 'suspended'] },
          maxOriginatorUsage: 'P10Y',
          severity: 'warning',
          enforcement: 'warn',
          effectiveFrom: '2020-01-01',
          explanation: 'Our CP/CPS sets a 10-year root key life.',
          remediation: 'Roll the root over.',
        },
      ],
    });
    expect(p.replacedRules).toEqual(['sp800-57.private-signature.ca']);
    const idx = p.rules.findIndex((r) => r.rule.id === 'sp800-57.private-signature.ca');
    expect(p.rules[idx - 1]?.rule.id).toBe('sp800-57.private-signature');
    expect(p.rules[idx]?.packId).toBe('acme');
    const at2031 = evaluate(INVENTORY, p, new Date('2031-01-01T00:00:00Z'));
    expect(at2031.some((f) => f.keyId === 'ca-root-vault' && f.kind === 'cryptoperiod')).toBe(false);
    const at2037 = evaluate(INVENTORY, p, new Date('2037-01-01T00:00:00Z')).filter((f) => f.keyId === 'ca-root-vault' && f.kind === 'cryptoperiod');
    expect(at2037.map((f) => `${f.packId} ${f.appliesFrom}`)).toEqual(['acme 2036-06-01T00:00:00.000Z']);
    expect(policyView(p).rules.find((r) => r.id === 'sp800-57.private-signature.ca')?.packId).toBe('acme');
  });

  it('the order of packs is the order of rules, and a pinned version must match', () => {
    const p = compose({ packs: ['custos-baseline', 'nist-ir-8547@1.0.0'] });
    expect(p.packs.map((x) => x.id)).toEqual(['custos-baseline', 'nist-ir-8547']);
    expect(p.rules[0]?.packId).toBe('custos-baseline');
    expect(p.settings).toEqual({ destructionWaitDays: 7 });
  });

  it('names the composition file and the path of every mistake', () => {
    let e: unknown;
    try {
      compose({
        packs: ['nist-ir-8547@2.0.0', 'nist-sp800-90'],
        disabledRules: ['sp800-57.private-signature'],
        overrides: [
          {
            id: 'acme.vpn',
            kind: 'algorithm-status',
            status: 'disallowed',
            title: 'x',
            match: { purposes: ['vpn'] },
            severity: 'error',
            enforcement: 'block',
            effectiveFrom: '2026-01-01',
            explanation: 'x',
            remediation: 'x',
          },
        ],
      });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(PolicyFileError);
    const err = e as PolicyFileError;
    expect(err.file).toBe('acme.json');
    expect(err.issues.map((i) => `${i.path} | ${i.message.split('.')[0]}`)).toEqual([
      '$.packs[0] | Pack "nist-ir-8547" is pinned to version 2',
      '$.packs[1] | No policy pack "nist-sp800-90"',
      '$.overrides[0].match.purposes[0] (rule "acme.vpn") | Unknown purpose "vpn"',
      '$.disabledRules[0] | No rule "sp800-57',
    ]);
  });

  it('an organisation declares purposes of its own', () => {
    const p = compose({
      packs: [],
      purposes: ['vpn'],
      overrides: [
        {
          id: 'acme.vpn-cnsa',
          kind: 'allowed-algorithms',
          title: 'VPN keys are P-384',
          match: { purposes: ['vpn'] },
          allow: [{ curves: ['P-384'] }],
          severity: 'error',
          enforcement: 'block',
          effectiveFrom: '2026-01-01',
          explanation: 'x',
          remediation: 'x',
        },
      ],
    });
    const fs = evaluate([key({ id: 'vpn1', algorithm: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', purpose: 'vpn' })], p, AS_OF);
    expect(fs.map((f) => `${f.ruleId} ${f.detail}`)).toEqual(['acme.vpn-cnsa ec-p256 is not among: curve P-384']);
  });

  it('rejects a malformed composition with its path', () => {
    expect(() => parseComposition({ format: 'custos.policy-composition/v1', packs: ['a', 'a'], disabledRules: ['Bad Id'], settings: { destructionWaitDays: 120 } }, 'c.json')).toThrow(
      /c\.json is not valid:\n {2}\$\.disabledRules\[0\]: .*\n {2}\$\.settings\.destructionWaitDays: .*\n {2}\$\.packs\[1\]: Pack "a" is listed twice/,
    );
  });

  it('CNSA 2.0, composed in, is strict today and tightens by category', () => {
    const p = compose({ packs: [...DEFAULT_PACKS, 'cnsa-2.0'] });
    const cnsa = (d: string) => lines(evaluate(INVENTORY, p, new Date(d)).filter((f) => f.packId === 'cnsa-2.0'));
    expect(cnsa('2026-11-28T00:00:00Z')).toEqual([
      'hmac cnsa-2.0 cnsa2.hash.hmac error',
      'p256-tls cnsa-2.0 cnsa2.public-key.cnsa-1.0-parameters error',
      'p256-tls cnsa-2.0 cnsa2.web-cloud.prefer warning',
      'rsa-sign cnsa-2.0 cnsa2.public-key.cnsa-1.0-parameters error',
      'rsa1024-legacy cnsa-2.0 cnsa2.public-key.cnsa-1.0-parameters error',
    ]);
    expect(cnsa('2034-01-01T00:00:00Z')).toEqual([
      'ca-root-vault cnsa-2.0 cnsa2.niche-equipment.exclusive error',
      'hmac cnsa-2.0 cnsa2.hash.hmac error',
      'p256-tls cnsa-2.0 cnsa2.public-key.cnsa-1.0-parameters error',
      'p256-tls cnsa-2.0 cnsa2.web-cloud.exclusive error',
      'rsa-sign cnsa-2.0 cnsa2.custom-legacy.exclusive error',
      'rsa-sign cnsa-2.0 cnsa2.public-key.cnsa-1.0-parameters error',
      'rsa1024-legacy cnsa-2.0 cnsa2.custom-legacy.exclusive error',
      'rsa1024-legacy cnsa-2.0 cnsa2.public-key.cnsa-1.0-parameters error',
    ]);
  });
});
