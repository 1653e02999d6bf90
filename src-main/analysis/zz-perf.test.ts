import { generatePrimeSync } from 'node:crypto';
import { it } from 'vitest';
import { analyzeRsaPublicKey, findSharedFactors } from './index.js';
it('perf', async () => {
  const keys = Array.from({ length: 20 }, () => generatePrimeSync(1024, { bigint: true }) * generatePrimeSync(1024, { bigint: true }));
  let t = performance.now();
  for (let r = 0; r < 10; r++) for (const n of keys) analyzeRsaPublicKey(n, 65537n);
  console.log('per-key checks/s', (200 / ((performance.now() - t) / 1000)).toFixed(0));
  const mods = Array.from({ length: 2000 }, (_, i) => keys[i % 20]! + BigInt(i) * 2n);
  t = performance.now();
  await findSharedFactors(mods, { chunkSize: 512 });
  console.log('batch gcd 2000 x 2048-bit in-process, chunks of 512: ms', (performance.now() - t).toFixed(0));
  t = performance.now();
  await findSharedFactors(mods, { chunkSize: 4096 });
  console.log('batch gcd 2000 one chunk: ms', (performance.now() - t).toFixed(0));
});
