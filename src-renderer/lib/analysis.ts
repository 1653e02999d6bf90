/*
 * Presentation of analysis findings: severity order and colours, the progress line of a run,
 * and the targets text box of the TLS scan.
 */
import type { AnalysisSeverity } from '../../src-shared/contract-analysis';

export const SEVERITY_ORDER: readonly AnalysisSeverity[] = ['critical', 'error', 'warning', 'info'];

export const SEVERITY_COLORS: Record<AnalysisSeverity, string> = { critical: 'grape', error: 'red', warning: 'yellow', info: 'gray' };

export const SEVERITY_LABELS: Record<AnalysisSeverity, string> = { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' };

/** "42 %" with the phase, for the progress line. */
export function progressText(p: { label: string; fraction: number } | null): string {
  if (!p) return 'Starting…';
  return `${p.label} · ${Math.round(Math.min(1, Math.max(0, p.fraction)) * 100)} %`;
}

/** Targets typed one per line, or separated by commas or spaces; empty entries dropped, duplicates kept once. */
export function parseTargetsText(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[\s,]+/)) {
    const s = t.trim();
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

/** A short sentence for a run's result. */
export function runSummary(r: { keysAnalyzed: number; certificatesAnalyzed: number; findings: number; bySeverity: Record<AnalysisSeverity, number> }): string {
  const parts = SEVERITY_ORDER.filter((s) => r.bySeverity[s] > 0).map((s) => `${r.bySeverity[s]} ${s}`);
  const what = `${r.keysAnalyzed} key${r.keysAnalyzed === 1 ? '' : 's'} and ${r.certificatesAnalyzed} certificate${r.certificatesAnalyzed === 1 ? '' : 's'} analysed`;
  return r.findings === 0 ? `${what}: no findings.` : `${what}: ${r.findings} finding${r.findings === 1 ? '' : 's'} (${parts.join(', ')}).`;
}

/** A random job id so the screen follows only its own run's progress events. */
export function newJobId(): string {
  return `analysis-${Math.random().toString(36).slice(2, 12)}`;
}
