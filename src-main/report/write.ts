import { writeFileSync } from 'node:fs';
import type { UnlockedVault } from '../vault/vault.js';
import { CustosError } from '../errors.js';
import type { PdfRenderer } from '../pdf/renderer.js';
import { looksLikePdf } from '../pdf/renderer.js';
import { requirePermission } from '../users/permissions.js';
import { buildComplianceReport, type ComplianceReport } from './compliance.js';
import { complianceReportHtml } from './html.js';

/**
 * Writes the compliance report as JSON or PDF. Reading the inventory changes nothing, but the
 * report leaves the vault as a file, so it is recorded ('report.compliance') like an audit export.
 * `report`: one already built (the evidence pack writes the same report as JSON and as PDF).
 */
export async function writeComplianceReport(
  vault: UnlockedVault,
  o: { path: string; asOf: string; format: 'json' | 'pdf'; pdf?: PdfRenderer; report?: ComplianceReport },
): Promise<{ path: string; bytes: number; asOf: string; format: 'json' | 'pdf' }> {
  requirePermission(vault.user.role, 'audit.export');
  const report = o.report ?? buildComplianceReport(vault.db, { now: vault.now(), asOf: o.asOf, vaultId: vault.vaultId, user: vault.user.name });
  let bytes: Buffer;
  if (o.format === 'json') bytes = Buffer.from(JSON.stringify(report, null, 2) + '\n');
  else {
    if (!o.pdf) throw new CustosError('E_UNSUPPORTED', 'No PDF printer is available here; write the report as JSON instead.');
    bytes = await o.pdf.render(complianceReportHtml(report));
    if (!looksLikePdf(bytes)) throw new CustosError('E_INTERNAL', 'The PDF printer returned something that is not a PDF; nothing was written.');
  }
  writeFileSync(o.path, bytes, { mode: 0o600 });
  vault.record({ actor: vault.user.name, operation: 'report.compliance', outcome: 'success', details: { asOf: o.asOf, format: o.format, bytes: bytes.length, score: report.compliance.score } });
  return { path: o.path, bytes: bytes.length, asOf: report.asOf, format: o.format };
}
