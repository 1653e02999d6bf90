import { describe, expect, it } from 'vitest';
import type { InventoryAggregates } from '../../src-shared/contract-inventory';
import {
  ageHistogram,
  byAlgorithm,
  byState,
  certificatesWithin,
  chartSummary,
  dueWithinMonths,
  complianceRules,
  findingsBySeverity,
  mergeFilters,
  monthLabel,
  rotationsDue,
  scoreColor,
  scoreSentence,
  scoreText,
  topSlices,
  type Datum,
} from './dashboard';

const d = (id: string, count: number, filter: Datum['filter'] = { algorithms: [id] }): Datum => ({ id, label: id, count, filter });

describe('dashboard chart data', () => {
  it('merges single-field filters into one, and refuses mixed shapes', () => {
    expect(mergeFilters([{ algorithms: ['a'] }, { algorithms: ['b', 'a'] }])).toEqual({ algorithms: ['a', 'b'] });
    expect(mergeFilters([{ algorithms: ['a'] }, { states: ['active'] }])).toBeNull();
    // The algorithm chart's elements narrow algorithm and size together: each list is united.
    expect(mergeFilters([{ algorithms: ['rsa-2048'], sizes: [2048] }, { sizes: [256], algorithms: ['ec-p256'] }])).toEqual({ algorithms: ['rsa-2048', 'ec-p256'], sizes: [2048, 256] });
    expect(mergeFilters([{ algorithms: ['a'], sizes: [1] }, { algorithms: ['b'] }])).toBeNull();
    expect(mergeFilters([{ due: { to: '2027-01-01' } }, { due: { to: '2028-01-01' } }])).toBeNull();
    expect(mergeFilters([])).toBeNull();
  });

  it('keeps the largest slices and folds the rest into an "Other" that still drills down', () => {
    const data = [d('a', 1), d('b', 50), d('c', 0), d('d', 7), d('e', 3), d('f', 2)];
    const top = topSlices(data, 3);
    expect(top.map((x) => [x.id, x.count])).toEqual([
      ['b', 50],
      ['d', 7],
      ['other', 6],
    ]);
    expect(top[2]!.label).toBe('Other (3)');
    expect(top[2]!.filter).toEqual({ algorithms: ['e', 'f', 'a'] });
    // Small sets stay whole; zero counts go.
    expect(topSlices([d('a', 1), d('c', 0)]).map((x) => x.id)).toEqual(['a']);
  });

  it('labels states and algorithms, keeping the core filter of each element', () => {
    const agg = {
      byState: [{ state: 'active' as const, count: 4, filter: { states: ['active' as const] } }],
      byAlgorithm: [{ algorithm: 'rsa-2048', family: 'rsa', size: 2048, count: 9, filter: { algorithms: ['rsa-2048'] } }],
    };
    expect(byState(agg)).toEqual([{ id: 'active', label: 'Active', count: 4, filter: { states: ['active'] }, color: 'green' }]);
    expect(byAlgorithm(agg)[0]).toMatchObject({ label: 'RSA 2048', count: 9, filter: { algorithms: ['rsa-2048'] } });
    expect(chartSummary(byState(agg))).toBe('Active 4');
  });

  it('gives imported keys of inventory-only algorithms their own slices, one per size where the size varies', () => {
    const agg = {
      byAlgorithm: [
        { algorithm: 'rsa-1024', family: 'rsa', size: 1024, count: 3, filter: { algorithms: ['rsa-1024'], sizes: [1024] } },
        { algorithm: 'rsa-other', family: 'rsa', size: 1536, count: 2, filter: { algorithms: ['rsa-other'], sizes: [1536] } },
        { algorithm: 'rsa-other', family: 'rsa', size: 8192, count: 1, filter: { algorithms: ['rsa-other'], sizes: [8192] } },
        { algorithm: 'ec-secp256k1', family: 'ec', size: 256, count: 1, filter: { algorithms: ['ec-secp256k1'], sizes: [256] } },
      ],
    };
    expect(byAlgorithm(agg).map((x) => [x.id, x.label])).toEqual([
      ['rsa-1024', 'RSA 1024'],
      ['rsa-other:1536', 'RSA 1536'],
      ['rsa-other:8192', 'RSA 8192'],
      ['ec-secp256k1', 'EC secp256k1'],
    ]);
  });

  it('puts overdue rotations before the months, with month names', () => {
    const rows = rotationsDue({
      rotationsDue: {
        overdue: { count: 3, filter: { due: { to: '2026-11-28' } } },
        months: [{ month: '2026-12', count: 5, filter: { due: { from: '2026-12-01', to: '2027-01-01' } } }],
      },
    });
    expect(rows.map((r) => [r.label, r.count])).toEqual([
      ['Overdue', 3],
      ['Dec 2026', 5],
    ]);
    expect(monthLabel('2027-03')).toBe('Mar 2027');
    expect(monthLabel('soon')).toBe('soon');
  });

  it('drills from a severity to keys with such a finding', () => {
    const s = findingsBySeverity({ warning: 2, critical: 1 });
    expect(s.map((x) => [x.id, x.count])).toEqual([
      ['critical', 1],
      ['error', 0],
      ['warning', 2],
      ['info', 0],
    ]);
    expect(s[0]!.filter).toEqual({ finding: { severities: ['critical'] } });
  });

  it('lays the age histogram out per cryptoperiod rule, dropping rules without keys', () => {
    const bucket = (label: string, count: number) => ({ label, fromPct: 0, toPct: 25, count, filter: { dueRules: ['r'], ageDays: { min: count } } });
    const h = ageHistogram({
      ageHistogram: [
        { ruleId: 'sig', title: 'Signing keys', period: 'P2Y', buckets: [bucket('0–25 %', 2), bucket('> 150 %', 1)] },
        { ruleId: 'empty', title: 'Nothing', period: 'P1Y', buckets: [bucket('0–25 %', 0), bucket('> 150 %', 0)] },
      ] as InventoryAggregates['ageHistogram'],
    });
    expect(h.buckets).toEqual(['0–25 %', '> 150 %']);
    expect(h.rows).toEqual([{ ruleId: 'sig', title: 'Signing keys', period: 'P2Y', total: 3, b0: 2, b1: 1 }]);
    expect(h.filterOf(0, 1)).toEqual({ dueRules: ['r'], ageDays: { min: 1 } });
    expect(h.filterOf(5, 0)).toBeNull();
  });

  it('words the compliance score', () => {
    expect(scoreText(87.54)).toBe('87.5 %');
    expect(scoreText(100)).toBe('100 %');
    expect(scoreColor(95)).toBe('green');
    expect(scoreColor(75)).toBe('yellow');
    expect(scoreColor(10)).toBe('red');
    expect(scoreSentence({ judged: 1000, compliant: 900, pastCryptoperiod: 12 })).toBe(
      '900 of 1,000 live keys have no error or critical finding; 100 do; 12 past their cryptoperiod.',
    );
    expect(scoreSentence({ judged: 0, compliant: 0, pastCryptoperiod: 0 })).toBe('No live keys to judge.');
    const rules = complianceRules({
      byRule: [
        { ruleId: 'w', packId: 'p', title: 'Warn', severity: 'warning', count: 9, filter: { finding: { rules: ['w'], present: true } } },
        { ruleId: 'c', packId: 'p', title: 'Crit', severity: 'critical', count: 1, filter: { finding: { rules: ['c'], present: true } } },
      ],
    });
    expect(rules.map((r) => r.id)).toEqual(['c', 'w']);
  });
});

describe('dashboard numbers that drill down', () => {
  it('spans the rotation months and the certificate window', () => {
    const months = ['2026-12', '2027-01'].map((month, i) => ({
      month,
      count: i,
      filter: { due: { from: i ? '2027-01-01' : '2026-12-01', to: i ? '2027-02-01' : '2027-01-01' } },
    }));
    expect(dueWithinMonths({ rotationsDue: { overdue: { count: 0, filter: {} }, months } })).toEqual({ due: { from: '2026-12-01', to: '2027-02-01' } });
    expect(dueWithinMonths({ rotationsDue: { overdue: { count: 0, filter: {} }, months: [] } })).toBeNull();
    expect(certificatesWithin('2026-11-28T00:00:00Z', 30)).toEqual({ certificateNotAfter: { from: '2026-11-28', to: '2026-12-28' } });
  });
});
