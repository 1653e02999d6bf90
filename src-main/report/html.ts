import { escapeHtml as e, printableDocument } from '../pdf/html.js';
import type { ComplianceReport } from './compliance.js';

/** The compliance report as a printable HTML document (for ctx.pdf().render). Text only, no scripts, nothing loaded. */

const n = (x: number) => x.toLocaleString('en');
const day = (iso: string) => iso.slice(0, 10);

function table(headers: string[], rows: Array<Array<string | number>>, empty = 'None.'): string {
  if (rows.length === 0) return `<p class="muted">${e(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? n(c) : e(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function complianceReportHtml(r: ComplianceReport): string {
  const c = r.compliance;
  const body = `
<h1>Compliance report as of ${e(day(r.asOf))}</h1>
<p>Vault <span class="mono">${e(r.vaultId)}</span> · generated ${e(r.generatedAt)} by ${e(r.generatedBy)} · policy ${e(r.policy.title)} (${e(r.policy.packs.map((p) => `${p.id}@${p.version}`).join(', '))})</p>

<h2>Compliance score</h2>
<p><b>${c.score.toFixed(1)} %</b> of ${n(c.judged)} live keys have no error or critical finding as of ${e(day(c.asOf))} (${n(c.compliant)} compliant).
Keys by worst finding: critical ${n(c.keysBySeverity.critical ?? 0)}, error ${n(c.keysBySeverity.error ?? 0)}, warning ${n(c.keysBySeverity.warning ?? 0)}, info ${n(c.keysBySeverity.info ?? 0)}.
Active keys past their cryptoperiod: ${n(c.pastCryptoperiod)}.</p>

<h2>Inventory summary</h2>
<p>${n(r.inventory.total)} keys in total.</p>
${table(['State', 'Keys'], r.inventory.byState.map((s) => [s.state, s.count]))}
${table(['Algorithm', 'Size', 'Keys'], r.inventory.byAlgorithm.map((a) => [a.algorithm, a.size, a.count]))}
${table(['Store', 'Keys'], r.inventory.byStore.map((s) => [s.label, s.count]))}
${table(['Purpose', 'Keys'], r.inventory.byPurpose.map((p) => [p.purpose ?? '(none)', p.count]))}

<h2>Policy findings and remediation</h2>
${table(
  ['Severity', 'Rule', 'Keys', 'Remediation'],
  r.policyFindings.map((f) => [f.severity, `${f.title} (${f.ruleId})`, f.keys, f.remediation]),
  'No policy findings.',
)}

<h2>Analysis findings and remediation</h2>
${table(
  ['Severity', 'Finding', 'Count', 'Remediation'],
  r.analysisFindings.map((f) => [f.severity, `${f.title} (${f.rule})`, f.count, f.remediation]),
  'No analysis findings.',
)}

<h2>Cryptoperiod status</h2>
<p>${n(r.cryptoperiods.pastCryptoperiod)} active keys are past the end of their originator cryptoperiod (or protect-stop date).</p>
${table(
  ['Cryptoperiod rule', 'Period', ...(r.cryptoperiods.histogram[0]?.buckets.map((b) => b.label) ?? [])],
  r.cryptoperiods.histogram.map((h) => [h.title, h.period, ...h.buckets.map((b) => b.count)]),
  'No active key falls under a cryptoperiod rule.',
)}

<h2>Upcoming rotations</h2>
${table(['Month', 'Rotations due'], r.upcoming.rotationsByMonth.map((m) => [m.month, m.count]))}
${table(
  ['Key', 'Algorithm', 'Owner', 'Due', 'Status'],
  r.upcoming.rotations.map((k) => [k.name, k.algorithm, k.owner ?? '', day(k.dueAt), k.overdue ? 'overdue' : 'due']),
  'No rotation due within 90 days.',
)}

<h2>Certificate expiries</h2>
${table(['Month', 'Certificates expiring'], r.upcoming.certificatesByMonth.map((m) => [m.month, m.count]))}
${table(
  ['Subject', 'Issuer', 'Serial', 'Not after', 'Status'],
  r.upcoming.certificates.map((x) => [x.subject, x.issuer, x.serial, day(x.notAfter), x.expired ? 'expired' : 'expiring']),
  'No certificate expired or expiring within 90 days.',
)}
`;
  return printableDocument(`Custos compliance report ${day(r.asOf)}`, body);
}
