import { readBlocklistFile } from '../../analysis/blocklist-file.js';
import { listFindings } from '../../analysis/findings-store.js';
import { analyzeInventory, inventorySource, persistAnalysis } from '../../analysis/inventory-run.js';
import { requirePermission } from '../../users/permissions.js';
import { only, print, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/**
 * analyze [--json] [--blocklist FILE] [--days N]: every check over the whole inventory (weak keys, shared
 * primes, symmetric keys, certificates expiring within N days (30), the blocklist when given); the findings are stored
 * (replacing the previous run's) and printed. Factors are reported only as "factored".
 */
export async function analyze(cli: Cli): Promise<number> {
  only(cli, ['blocklist', 'days']);
  const days = cli.values.days === undefined ? undefined : Number(cli.values.days);
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650)) throw new UsageError('--days is the certificate expiry horizon: a whole number of days from 1 to 3650');
  const blocklist = cli.values.blocklist ? readBlocklistFile(cli.values.blocklist) : null;
  const out = await withVault(cli, async (v) => {
    requirePermission(v.user.role, 'keys.generate');
    const result = await analyzeInventory(inventorySource((read) => read(v.db)), {
      now: v.now(),
      blocklist,
      expiryHorizonDays: days,
      onProgress: cli.values.json ? undefined : (f, label) => cli.io.stderr(`\r${label}… ${Math.floor(f * 100)}%   ${f === 1 ? '\n' : ''}`),
    });
    const summary = persistAnalysis(v, result, v.user.name, blocklist ? { blocklistRecords: blocklist.records } : {});
    return { summary, findings: listFindings(v.db, { limit: 100_000 }).items };
  });
  const rows = out.findings.map((f) => [f.severity, f.keyId ?? '—', f.keyName ?? f.certificateSubject ?? '—', f.rule, f.detail ?? f.title]);
  const s = out.summary;
  const kept = out.findings.length - s.findings;
  const head =
    `${s.keysAnalyzed} keys, ${s.certificatesAnalyzed} certificates analysed: ${s.findings} findings (${s.bySeverity.critical} critical, ${s.bySeverity.error} errors, ${s.bySeverity.warning} warnings).\n` +
    (kept > 0 ? `${kept} more stored from an earlier blocklist match are kept (run with --blocklist to refresh them).\n` : '');
  // --json prints the stored findings (an array, empty when the inventory is clean); the summary goes to stderr.
  if (cli.values.json) cli.io.stderr(head);
  print(cli, out.findings, head + (rows.length ? table(['SEVERITY', 'KEY', 'NAME', 'RULE', 'FINDING'], rows) : 'No findings.\n'));
  return 0;
}
