import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src-shared/contract';
import {
  ANALYSIS_PACK,
  KNOWN_PACKS,
  appliesFromLabel,
  compositionRequest,
  firedRules,
  groupBySeverity,
  isIsoDate,
  kindLabel,
  packChoices,
  packOfRule,
  packTitle,
  sameSelection,
  severityBars,
  severityRank,
  todayUtc,
} from './policy-view';

const finding = (ruleId: string, keyName: string, severity: Finding['severity'] = 'warning'): Finding => ({
  ruleId,
  packId: 'nist-ir-8547',
  keyId: 'a'.repeat(32),
  keyName,
  kind: 'algorithm-status',
  severity,
  title: ruleId,
  explanation: 'e',
  remediation: 'r',
  appliesFrom: '2036-01-01T00:00:00.000Z',
  enforcement: 'warn',
  status: null,
  detail: null,
  citation: null,
});

describe('policy view helpers', () => {
  it('checks calendar dates and gives today in UTC', () => {
    expect(isIsoDate('2036-01-01')).toBe(true);
    expect(isIsoDate('2031-02-29')).toBe(false);
    expect(isIsoDate('2031-1-1')).toBe(false);
    expect(isIsoDate('')).toBe(false);
    expect(todayUtc(new Date('2026-11-28T23:59:59+00:00'))).toBe('2026-11-28');
    expect(todayUtc(new Date('2026-11-29T00:30:00+02:00'))).toBe('2026-11-28');
  });

  it('orders severities and fills every bar', () => {
    expect(severityRank('critical')).toBeLessThan(severityRank('info'));
    expect(severityRank('unheard-of')).toBe(4);
    expect(severityBars({ error: 2, info: 5 })).toEqual([
      { severity: 'critical', label: 'Critical', count: 0 },
      { severity: 'error', label: 'Error', count: 2 },
      { severity: 'warning', label: 'Warning', count: 0 },
      { severity: 'info', label: 'Info', count: 5 },
    ]);
  });

  it('groups findings under the rules that fired, most severe first', () => {
    const rules = firedRules({
      byRule: [
        { ruleId: 'ir8547.notice.128-bit', packId: 'nist-ir-8547', title: 'notice', severity: 'info', count: 7 },
        { ruleId: 'ir8547.signature.disallowed', packId: 'nist-ir-8547', title: 'disallowed', severity: 'error', count: 2 },
        { ruleId: 'sp800-57.x', packId: 'nist-sp800-57-cryptoperiods', title: 'period', severity: 'warning', count: 3 },
      ],
      findings: [finding('ir8547.signature.disallowed', 'zeta', 'error'), finding('ir8547.signature.disallowed', 'alpha', 'error'), finding('sp800-57.x', 'k')],
    });
    expect(rules.map((r) => r.ruleId)).toEqual(['ir8547.signature.disallowed', 'sp800-57.x', 'ir8547.notice.128-bit']);
    expect(rules[0]!.findings.map((f) => f.keyName)).toEqual(['alpha', 'zeta']);
    expect(rules[2]!.findings).toEqual([]);
    expect(groupBySeverity([finding('a', 'k', 'info'), finding('b', 'k', 'critical'), finding('c', 'k', 'info')]).map((g) => [g.severity, g.findings.length])).toEqual([
      ['critical', 1],
      ['info', 2],
    ]);
  });

  it('offers the shipped packs and any other active one', () => {
    expect(packChoices([{ id: 'nist-ir-8547' }, { id: 'acme-extra' }])).toEqual([...KNOWN_PACKS, 'acme-extra']);
    expect(packTitle('cnsa-2.0', [])).toBe('NSA CNSA 2.0');
    expect(packTitle('cnsa-2.0', [{ id: 'cnsa-2.0', title: 'CNSA 2.0 (from the core)' }])).toBe('CNSA 2.0 (from the core)');
    expect(packTitle('mystery', [])).toBe('mystery');
    expect(sameSelection(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameSelection(['a'], ['a', 'b'])).toBe(false);
  });

  it('builds the composition request: pack order, disabled rules of removed packs dropped', () => {
    expect(packOfRule('ir8547.notice.112-bit')).toBe('nist-ir-8547');
    expect(packOfRule('baseline.storage.code-signing')).toBe('custos-baseline');
    expect(packOfRule('acme.tls')).toBeNull();
    const r = compositionRequest(['custos-baseline', 'cnsa-2.0', 'nist-sp800-57-cryptoperiods'], packChoices([]), [
      'ir8547.notice.112-bit',
      'baseline.storage.code-signing',
      'acme.tls',
    ]);
    expect(r).toEqual({
      ok: true,
      packs: ['nist-sp800-57-cryptoperiods', 'cnsa-2.0', 'custos-baseline'],
      disabledRules: ['baseline.storage.code-signing', 'acme.tls'],
      dropped: ['ir8547.notice.112-bit'],
    });
    expect(compositionRequest([], packChoices([]), []).ok).toBe(false);
  });
});

describe('analysis findings on the Policies page', () => {
  it('name their pack and date them from the run that found them', () => {
    expect(packTitle(ANALYSIS_PACK, [])).toMatch(/analysis/i);
    expect(appliesFromLabel({ kind: 'analysis' })).toBe('found');
    expect(appliesFromLabel({ kind: 'cryptoperiod' })).toBe('applies from');
    expect(kindLabel('analysis')).toBe('Weak-key analysis');
  });
});
