import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readAppVersion } from '../../platform/app-version.js';
import { chromiumPdfRenderer } from '../../pdf/chromium-pdf.js';
import { writeComplianceReport } from '../../report/write.js';
import { writeEvidencePack } from '../../report/evidence.js';
import { only, parseWith, print, UsageError, withVault, type Cli } from '../context.js';

const asOfOf = (cli: Cli, now: Date) => (cli.values['as-of'] === undefined ? now.toISOString().slice(0, 10) : parseWith(z.iso.date(), cli.values['as-of'], '--as-of'));

/** report compliance --as-of DATE --out FILE.pdf|FILE.json */
export async function reportCompliance(cli: Cli): Promise<number> {
  only(cli, ['as-of', 'out']);
  const out = cli.values.out;
  if (!out) throw new UsageError('--out FILE.pdf or FILE.json is required');
  const format = out.toLowerCase().endsWith('.pdf') ? 'pdf' : out.toLowerCase().endsWith('.json') ? 'json' : null;
  if (!format) throw new UsageError('--out must end in .pdf or .json');
  const asOf = asOfOf(cli, new Date());
  const pdf = format === 'pdf' ? chromiumPdfRenderer() : undefined;
  try {
    const r = await withVault(cli, (v) => writeComplianceReport(v, { path: resolve(out), asOf, format, pdf }));
    print(cli, r, `Wrote the compliance report as of ${asOf} (${format.toUpperCase()}, ${r.bytes.toLocaleString('en')} bytes) to ${r.path}.\n`);
  } finally {
    await pdf?.close();
  }
  return 0;
}

/** report evidence --out DIR [--as-of DATE]: the auditor evidence pack in a new folder below DIR. */
export async function reportEvidence(cli: Cli): Promise<number> {
  only(cli, ['as-of', 'out']);
  if (!cli.values.out) throw new UsageError('--out DIR is required');
  const dir = resolve(cli.values.out);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const asOf = asOfOf(cli, new Date());
  const pdf = chromiumPdfRenderer();
  try {
    const r = await withVault(cli, (v) => writeEvidencePack(v, { exportDir: dir, asOf, pdf, toolVersion: readAppVersion(dirname(fileURLToPath(import.meta.url))) }));
    print(cli, r, `Wrote the evidence pack to ${r.dir}:\n${r.files.map((f) => `  ${f.name.padEnd(24)} ${String(f.bytes).padStart(10)} bytes  sha256 ${f.sha256}`).join('\n')}\n`);
  } finally {
    await pdf.close();
  }
  return 0;
}
