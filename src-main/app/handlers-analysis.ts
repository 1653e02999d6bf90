import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { analysisChannels } from '../../src-shared/contract-analysis.js';
import type { Blocklist } from '../analysis/blocklist.js';
import { readBlocklistFile } from '../analysis/blocklist-file.js';
import { findingsBySeverityAndRule, listFindings } from '../analysis/findings-store.js';
import { analyzeInventory, inventorySource, matchBlocklist, persistAnalysis, streamedInventory } from '../analysis/inventory-run.js';
import { writeCbom } from '../cbom/export.js';
import { importCbomFile } from '../cbom/import.js';
import { CustosError } from '../errors.js';
import { fetchChains } from '../tls/fetch-chain.js';
import { recordTlsScan } from '../tls/record-scan.js';
import { parseTargets } from '../tls/targets.js';
import { requirePermission } from '../users/permissions.js';
import type { CoreContext, HandlersFor } from './core-context.js';

const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';

/**
 * Handlers for the channels of contract-analysis.ts. A run reads the inventory and writes its
 * findings inside the serial queue, but computes outside it: the console stays usable, and
 * 'analysis.cancel' (which does not queue) can stop it between keys or batch-GCD chunks.
 */
export function analysisHandlers(ctx: CoreContext): HandlersFor<typeof analysisChannels> {
  let running: AbortController | null = null;
  let blocklist: (Blocklist & { path: string }) | null = null;
  const now = () => ctx.options.now?.() ?? new Date();

  return {
    'analysis.run': async (input) => {
      if (running) throw new CustosError('E_CONFLICT', 'An analysis is already running. Wait for it or cancel it.');
      const controller = new AbortController();
      running = controller;
      const jobId = input.jobId ?? `analysis-${Date.now()}`;
      try {
        // The inventory is read a chunk at a time, each chunk one short turn of the serial queue
        // (with the permission of whoever is logged in re-checked), so a million keys are never
        // held at once and the console answers between chunks.
        const source = inventorySource((read) =>
          ctx.run((v) => {
            requirePermission(v.user.role, 'keys.generate');
            return read(v.db);
          }),
        );
        let last = -1;
        const result = await analyzeInventory(source, {
          now: now(),
          blocklist,
          expiryHorizonDays: input.expiryHorizonDays,
          signal: controller.signal,
          onProgress: (fraction, label) => {
            // At most one event per percent: a million keys must not flood the renderer.
            const pct = Math.floor(fraction * 100);
            if (pct === last) return;
            last = pct;
            ctx.emit('job.progress', { jobId, label, fraction });
          },
        });
        controller.signal.throwIfAborted();
        // Whoever is logged in when the results are written must still be allowed to write them.
        return await ctx.run((v) => {
          requirePermission(v.user.role, 'keys.generate');
          return persistAnalysis(v, result, v.user.name, blocklist ? { blocklistRecords: blocklist.records } : {});
        });
      } catch (e) {
        if (isAbort(e)) {
          await ctx.run((v) => v.record({ actor: v.sessionUser?.name ?? null, operation: 'inventory.analyze', outcome: 'failed', details: { reason: 'cancelled' } })).catch(() => undefined);
          throw new CustosError('E_CONFLICT', 'The analysis was cancelled; the previous findings are kept.');
        }
        throw e;
      } finally {
        if (running === controller) running = null;
      }
    },
    'analysis.cancel': async () => {
      if (!running) return { cancelled: false };
      running.abort();
      return { cancelled: true };
    },
    'analysis.findings': (input) =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return listFindings(v.db, input);
      }),
    'analysis.summary': () =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return { ...findingsBySeverityAndRule(v.db), blocklist: blocklist ? { records: blocklist.records, path: blocklist.path } : null };
      }),
    'analysis.scanTls': async (input) => {
      const targets = parseTargets(input.targets);
      await ctx.run((v) => requirePermission(v.user.role, 'keys.generate'));
      const jobId = `tls-${Date.now()}`;
      const results = await fetchChains(targets, { timeoutMs: input.timeoutMs, onResult: (_r, done) => ctx.emit('job.progress', { jobId, label: 'Scanning TLS endpoints', fraction: done / targets.length }) });
      return ctx.run((v) => {
        requirePermission(v.user.role, 'keys.generate');
        return recordTlsScan(v, results, v.user.name);
      });
    },
    'analysis.exportCbom': () =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.read');
        mkdirSync(ctx.exportDir, { recursive: true });
        return writeCbom(v, join(ctx.exportDir, `cbom-${now().toISOString().replace(/[:.]/g, '-')}.cdx.json`), { now: now(), toolVersion: ctx.options.version });
      }),
    'analysis.importCbom': (input) =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.generate');
        return importCbomFile(v, input.content, input.name);
      }),
    'analysis.loadBlocklist': async (input) => {
      await ctx.run((v) => requirePermission(v.user.role, 'keys.generate'));
      const list = readBlocklistFile(input.path, input.metadataPath);
      return ctx.run((v) => {
        requirePermission(v.user.role, 'keys.generate');
        const result = matchBlocklist(streamedInventory(v.db), list);
        persistAnalysis(v, result, v.user.name, { blocklistRecords: list.records });
        blocklist = list;
        return { records: list.records, matches: result.findings.blocklist!.length };
      });
    },
  };
}
