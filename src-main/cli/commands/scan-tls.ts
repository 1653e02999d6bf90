import { fetchChains } from '../../tls/fetch-chain.js';
import { recordTlsScan } from '../../tls/record-scan.js';
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
    return recordTlsScan(v, results, v.user.name);
  });
  const rows = outcomes.map((o) => [o.target, o.outcome, o.certificates[0]?.subject ?? '—', String(o.certificates.length), o.certificates[0]?.trust ?? '—', o.leafKeyId ?? '—', o.message ?? '']);
  print(cli, outcomes, table(['TARGET', 'OUTCOME', 'LEAF', 'CHAIN', 'TRUST', 'KEY', 'NOTE'], rows));
  return outcomes.every((o) => o.outcome === 'recorded') ? 0 : 1;
}
