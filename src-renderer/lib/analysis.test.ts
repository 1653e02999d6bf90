import { describe, expect, it } from 'vitest';
import { newJobId, parseTargetsText, progressText, runSummary } from './analysis';

describe('analysis presentation', () => {
  it('splits targets on lines, commas and spaces, once each', () => {
    expect(parseTargetsText('a.example:443\n b.example:8443, a.example:443  [::1]:443\n')).toEqual(['a.example:443', 'b.example:8443', '[::1]:443']);
    expect(parseTargetsText('  \n ')).toEqual([]);
  });

  it('writes the progress line and the run summary', () => {
    expect(progressText(null)).toBe('Starting…');
    expect(progressText({ label: 'Checking keys', fraction: 0.426 })).toBe('Checking keys · 43 %');
    expect(progressText({ label: 'Done', fraction: 1.2 })).toBe('Done · 100 %');
    expect(runSummary({ keysAnalyzed: 1, certificatesAnalyzed: 0, findings: 0, bySeverity: { critical: 0, error: 0, warning: 0, info: 0 } })).toBe('1 key and 0 certificates analysed: no findings.');
    expect(runSummary({ keysAnalyzed: 3, certificatesAnalyzed: 2, findings: 3, bySeverity: { critical: 1, error: 2, warning: 0, info: 0 } })).toBe('3 keys and 2 certificates analysed: 3 findings (1 critical, 2 error).');
  });

  it('makes job ids the contract accepts', () => {
    expect(newJobId()).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});
