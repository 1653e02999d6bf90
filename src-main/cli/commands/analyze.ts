import { analyzeInventory } from '../../analysis/inventory-analysis.js';
import { requirePermission } from '../../users/permissions.js';
import { only, print, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/** analyze [--json]: weak-key checks on every public key, and shared primes across RSA keys. */
export async function analyze(cli: Cli): Promise<number> {
  only(cli, []);
  const results = await withVault(cli, async (v) => {
    requirePermission(v.user.role, 'keys.read');
    const r = await analyzeInventory(v.db);
    v.record({ actor: v.user.name, operation: 'inventory.analyze', outcome: 'success', details: { keysWithFindings: r.length, findings: r.reduce((n, k) => n + k.findings.length, 0) } });
    return r;
  });
  const rows = results.flatMap((k) => k.findings.map((f) => [f.severity, k.keyId, k.keyName, f.check, f.message]));
  print(cli, results, results.length ? table(['SEVERITY', 'KEY', 'NAME', 'CHECK', 'FINDING'], rows) : 'No weak keys found.\n');
  return 0;
}
