import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { inventoryChannels } from '../../src-shared/contract-inventory.js';
import { requirePermission } from '../users/permissions.js';
import { queryInventory } from '../inventory/query.js';
import { inventoryAggregates } from '../inventory/aggregates.js';
import { deleteView, listViews, saveView } from '../inventory/views.js';
import { bulkApply } from '../inventory/bulk.js';
import { writeSelectionCbom } from '../inventory/export-cbom.js';
import { ensureDueRescan, startDueRescanOnPolicyChange } from '../inventory/due-job.js';
import type { UnlockedVault } from '../vault/vault.js';
import { writeComplianceReport } from '../report/write.js';
import { writeEvidencePack } from '../report/evidence.js';
import type { CoreContext, HandlersFor } from './core-context.js';

/** Handlers for the channels of contract-inventory.ts: thin — the work is in src-main/inventory and src-main/report. */
export function inventoryHandlers(ctx: CoreContext): HandlersFor<typeof inventoryChannels> {
  const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
  startDueRescanOnPolicyChange(ctx);
  /**
   * A queue turn for an inventory screen: a whole-inventory due recompute still pending (a policy
   * change, or one cut short by a crash or a lock) goes on in slices between calls rather than
   * inside this one.
   */
  const run = <T>(fn: (v: UnlockedVault) => T | Promise<T>) =>
    ctx.run((v) => {
      void ensureDueRescan(ctx, v.db);
      return fn(v);
    });
  return {
    'inventory.query': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return queryInventory(v.db, input, v.now());
      }),
    'inventory.aggregates': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return inventoryAggregates(v.db, { now: v.now(), asOf: input.asOf, compareAsOf: input.compareAsOf });
      }),
    'inventory.views.list': () => ctx.run((v) => listViews(v)),
    'inventory.views.save': (input) => ctx.run((v) => saveView(v, input, v.now())),
    'inventory.views.delete': (input) => ctx.run((v) => ({ deleted: deleteView(v, input.id) })),
    'inventory.bulk': (input) => run((v) => bulkApply(v, input.target, input.action, v.now())),
    'inventory.exportCbom': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'keys.read');
        mkdirSync(ctx.exportDir, { recursive: true, mode: 0o700 });
        const path = join(ctx.exportDir, `custos-cbom-selection-${v.vaultId.slice(0, 8)}-${stamp(v.now())}.cdx.json`);
        const target = input.ids ? { ids: input.ids } : { filter: input.filter ?? {} };
        const r = writeSelectionCbom(v, target, path, { now: v.now(), toolVersion: ctx.options.version });
        return { path: r.path, count: r.count, bytes: r.bytes };
      }),
    'report.compliance': (input) =>
      ctx.run(async (v) => {
        requirePermission(v.user.role, 'audit.export');
        mkdirSync(ctx.exportDir, { recursive: true, mode: 0o700 });
        const asOf = input.asOf ?? v.now().toISOString().slice(0, 10);
        const path = join(ctx.exportDir, `custos-compliance-${v.vaultId.slice(0, 8)}-${asOf}-${stamp(v.now())}.${input.format}`);
        const r = await writeComplianceReport(v, { path, asOf, format: input.format, pdf: input.format === 'pdf' ? ctx.pdf() : undefined });
        return { path: r.path, format: r.format, bytes: r.bytes, asOf: r.asOf };
      }),
    'report.evidence': (input) =>
      ctx.run(async (v) => {
        mkdirSync(ctx.exportDir, { recursive: true, mode: 0o700 });
        const asOf = input.asOf ?? v.now().toISOString().slice(0, 10);
        return writeEvidencePack(v, { exportDir: ctx.exportDir, asOf, pdf: ctx.pdf(), toolVersion: ctx.options.version });
      }),
  };
}
