// `npm run bench`: figures in tables with their goals beside them. Not tests: nothing here asserts.
import { printTable } from './table.js';
import { vaultBench } from './vault-bench.js';

const quick = process.argv.includes('--quick');
const events = quick ? 100_000 : 1_000_000;
console.log(`Custos benchmarks (${quick ? 'quick' : 'full'}; node ${process.version}, ${process.arch})`);
const v = await vaultBench(events);
printTable('Unlock', v.unlock);
printTable('Audit trail', v.audit);
