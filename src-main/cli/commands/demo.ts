import { z } from 'zod';
import { requirePermission } from '../../users/permissions.js';
import { seedDemo } from '../../demo/seed.js';
import { only, parseWith, print, withVault, type Cli } from '../context.js';

/** demo seed --keys N: a synthetic estate for newcomers and benchmarks (see src-main/demo/seed.ts). */
export async function demoSeed(cli: Cli): Promise<number> {
  only(cli, ['keys']);
  const keys = parseWith(z.coerce.number().int().min(1).max(10_000_000), cli.values.keys ?? '10000', '--keys');
  const t0 = performance.now();
  const r = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'keys.generate');
    let shown = 0;
    return seedDemo(v, {
      keys,
      actor: v.user.name,
      onProgress: (done, total) => {
        if (!cli.values.json && total >= 200_000 && done - shown >= total / 10) {
          shown = done;
          cli.io.stderr(`custos: seeded ${done.toLocaleString('en')} of ${total.toLocaleString('en')} keys\n`);
        }
      },
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  print(
    cli,
    { ...r, seconds },
    `Seeded ${r.keys.toLocaleString('en')} demo keys (${r.certificates.toLocaleString('en')} certificates, ${r.findings.toLocaleString('en')} findings) in ${seconds.toFixed(1)} s; ${r.auditEvents} audit event(s) 'demo.seed'.\n`,
  );
  return 0;
}
