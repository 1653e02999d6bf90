// `npm run bench`: figures in tables with their goals beside them. Not tests: nothing here asserts.
import { printTable } from './table.js';
import { vaultBench } from './vault-bench.js';
import { pkcs11Bench } from './pkcs11-bench.js';
import { importBench } from '../import/import-bench.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const events = quick ? 100_000 : 1_000_000;
console.log(`Custos benchmarks (${quick ? 'quick' : 'full'}; node ${process.version}, ${process.arch})`);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
if (!only || only === 'vault') {
  const v = await vaultBench(events);
  printTable('Unlock', v.unlock);
  printTable('Audit trail', v.audit);
}

const here = dirname(fileURLToPath(import.meta.url));
if (!only || only === 'pkcs11') printTable('PKCS#11 signatures (SoftHSM2, same token and key, one session each side)', await pkcs11Bench({ rawChild: join(here, 'raw-pkcs11-child.mjs'), workerScript: join(here, 'pkcs11-worker.js'), seconds: quick ? 1 : 2, rounds: quick ? 3 : 5 }));
// Issue 8: seed, inventory pages, search and dashboard aggregates per vault size (the 2-core machine is shared: figures are noisy).
if (!only || only === 'inventory') for (const n of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) printTable(`Inventory (issue 8), ${n.toLocaleString('en')} keys`, await (await import('./inventory-bench.js')).inventoryBench(n));
if (!only || only === 'import') printTable('Import: a folder of PEM certificates, each with its own key, into a fresh vault', await importBench(quick ? 2_000 : 10_000));
if (!only || only === 'analysis') for (const n of quick ? [10_000] : [10_000, 100_000]) printTable(`Analysis run (issue 7), demo vault of ${n.toLocaleString('en')} keys`, await (await import('./analysis-bench.js')).analysisBench(n));
// Issue 7: the analysis run at 100,000 and 1,000,000 keys, seeded and with a public key on every key; only when asked (the million takes long).
if (only === 'analysis-inventory') for (const n of quick ? [100_000] : [100_000, 1_000_000]) printTable(`Analysis over the inventory (issue 7), ${n.toLocaleString('en')} keys`, await (await import('./analysis-inventory-bench.js')).analysisInventoryBench(n));
