import { fetchChains } from '../../tls/fetch-chain.js';
import { recordScan } from '../../tls/record-scan.js';
import { parseTargets } from '../../tls/targets.js';
import { requirePermission } from '../../users/permissions.js';
import { only, print, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/** scan-tls HOST:PORT… [--json]: records the chain each listed endpoint presents; nothing else is contacted. */
export async function scanTls(cli: Cli): Promise<number> {
  only(cli, [], 256);
  if (cli.args.length === 0) throw new UsageError('give at least one HOST:PORT target');
  const targets = parseTargets(cli.args);
  const outcomes = await withVault(cli, async (v) => {
    requirePermission(v.user.role, 'keys.generate');
    const results = await fetchChains(targets);
    const o = recordScan(v, results);
    v.record({ actor: v.user.name, operation: 'tls.scan', outcome: 'success', details: { targets: targets.map((t) => t.label).join(',').slice(0, 1000), recorded: o.filter((x) => x.outcome === 'recorded').length, failed: o.filter((x) => x.outcome === 'failed').length } });
    return o;
  });
  const rows = outcomes.map((o) => [o.target, o.outcome, o.certificates[0]?.subject ?? '—', String(o.certificates.length), o.leafKeyId ?? '—', o.message ?? '']);
  print(cli, outcomes, table(['TARGET', 'OUTCOME', 'LEAF', 'CHAIN', 'KEY', 'NOTE'], rows));
  return outcomes.every((o) => o.outcome === 'recorded') ? 0 : 1;
}
