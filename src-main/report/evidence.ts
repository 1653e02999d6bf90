import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UnlockedVault } from '../vault/vault.js';
import { exportAudit } from '../audit/export.js';
import { exportCbom } from '../cbom/export.js';
import { storedComposition, viewActivePolicy } from '../app/policy-service.js';
import type { PdfRenderer } from '../pdf/renderer.js';
import { requirePermission } from '../users/permissions.js';
import { buildComplianceReport } from './compliance.js';
import { writeComplianceReport } from './write.js';

/**
 * The auditor evidence pack: one new folder holding the compliance report (JSON and PDF), the
 * signed audit export bundle (verifiable with `custos audit verify FILE`), the CBOM of the
 * inventory, the active policy, and a manifest with the SHA-256 of every file. Writing it is
 * audited (the report and the audit export record their own events).
 */

export const EVIDENCE_FORMAT = 'custos.evidence-pack/v1';

export interface EvidenceFile {
  name: string;
  bytes: number;
  sha256: string;
}

function describe(dir: string, name: string): EvidenceFile {
  const path = join(dir, name);
  return { name, bytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

export async function writeEvidencePack(
  vault: UnlockedVault,
  o: { exportDir: string; asOf: string; pdf: PdfRenderer; toolVersion: string },
): Promise<{ dir: string; files: EvidenceFile[] }> {
  requirePermission(vault.user.role, 'audit.export');
  const now = vault.now();
  const dir = join(o.exportDir, `custos-evidence-${vault.vaultId.slice(0, 8)}-${now.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const notes: string[] = [];
  // Built once (a pass over the whole inventory) and written twice, so the JSON and the PDF agree.
  const report = buildComplianceReport(vault.db, { now, asOf: o.asOf, vaultId: vault.vaultId, user: vault.user.name });
  await writeComplianceReport(vault, { path: join(dir, 'compliance-report.json'), asOf: o.asOf, format: 'json', report });
  await writeComplianceReport(vault, { path: join(dir, 'compliance-report.pdf'), asOf: o.asOf, format: 'pdf', pdf: o.pdf, report });
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ active: viewActivePolicy(vault.db), composition: storedComposition(vault.db) ?? 'shipped default composition' }, null, 2) + '\n', { mode: 0o600 });
  try {
    writeFileSync(join(dir, 'cbom.json'), JSON.stringify(exportCbom(vault.db, { now, toolVersion: o.toolVersion })) + '\n', { mode: 0o600 });
  } catch (e) {
    notes.push(`The CBOM could not be written: ${(e as Error).message}`);
  }
  // Last, so that the bundle's head covers the events of this pack's report.
  await exportAudit(vault, join(dir, 'audit-bundle.tar'));
  const names = ['compliance-report.json', 'compliance-report.pdf', 'policy.json', ...(notes.length ? [] : ['cbom.json']), 'audit-bundle.tar'];
  const files = names.map((n) => describe(dir, n));
  const manifest = {
    format: EVIDENCE_FORMAT,
    vaultId: vault.vaultId,
    generatedAt: now.toISOString(),
    generatedBy: vault.user.name,
    asOf: o.asOf,
    files: files.map((f) => ({
      ...f,
      what: {
        'compliance-report.json': 'Compliance report (custos.compliance-report/v1), machine-readable',
        'compliance-report.pdf': 'Compliance report, printable',
        'policy.json': 'The active policy: packs, rules and the composition in force',
        'cbom.json': 'CycloneDX 1.6 CBOM of the inventory (public metadata only)',
        'audit-bundle.tar': 'Signed audit export bundle; verify with `custos audit verify audit-bundle.tar`',
      }[f.name],
    })),
    notes,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  return { dir, files: [...files, describe(dir, 'manifest.json')] };
}
