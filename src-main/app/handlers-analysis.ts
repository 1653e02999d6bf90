import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { analysisChannels } from '../../src-shared/contract-analysis.js';
import type { Blocklist } from '../analysis/blocklist.js';
import { readBlocklistFile } from '../analysis/blocklist-file.js';
import { findingsBySeverityAndRule, listFindings } from '../analysis/findings-store.js';
import { analyzeInventory, inventorySource, matchBlocklistInChunks, persistAnalysis } from '../analysis/inventory-run.js';
import { streamCbom } from '../cbom/export.js';
import { importCbomInChunks } from '../cbom/import.js';
import { CustosError } from '../errors.js';
import { fetchChains } from '../tls/fetch-chain.js';
import { recordTlsScan } from '../tls/record-scan.js';
import { parseTargets } from '../tls/targets.js';
import { requirePermission } from '../users/permissions.js';
import type { Db } from '../vault/database.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { CoreContext, HandlersFor } from './core-context.js';

const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';
/** Keys per turn of the queue when a blocklist is matched (a hash and a binary search each: a few ms per page). */
const BLOCKLIST_KEY_CHUNK = 1024;

/**
 * Handlers for the channels of contract-analysis.ts. A run reads the inventory and writes its
 * findings inside the serial queue, but computes outside it: the console stays usable, and
 * 'analysis.cancel' (which does not queue) can stop it between keys or batch-GCD chunks.
 * The other long jobs (blocklist load, CBOM export and import) work the same way: a chunk per
 * turn of the queue (permission re-checked each turn), progress on 'job.progress', cancelled by
 * 'analysis.cancel' between chunks.
 */
export function analysisHandlers(ctx: CoreContext): HandlersFor<typeof analysisChannels> {
  let running: AbortController | null = null;
  /** Long jobs in flight other than the analysis run (blocklist load, CBOM export and import). */
  const jobs = new Set<AbortController>();
  let blocklist: (Blocklist & { path: string }) | null = null;
  const now = () => ctx.options.now?.() ?? new Date();
  /** One short turn of the serial queue, as whoever is logged in now, who must hold `permission`. */
  const turn =
    (permission: 'keys.read' | 'keys.generate') =>
    <T>(fn: (v: UnlockedVault) => T): Promise<T> =>
      ctx.run((v) => {
        requirePermission(v.user.role, permission);
        return fn(v);
      });
  const reading =
    (permission: 'keys.read' | 'keys.generate') =>
    <T>(fn: (db: Db) => T): Promise<T> =>
      turn(permission)((v) => fn(v.db));
  /** 'job.progress' at most once per percent: a million keys must not flood the renderer. */
  const progress = (jobId: string, label: string) => {
    let last = -1;
    return (done: number, total: number) => {
      const fraction = Math.min(1, done / Math.max(1, total));
      const pct = Math.floor(fraction * 100);
      if (pct === last) return;
      last = pct;
      ctx.emit('job.progress', { jobId, label, fraction });
    };
  };
  /** Runs a long job that 'analysis.cancel' can stop; a cancel becomes E_CONFLICT with `cancelled` as its message. */
  const job = async <T>(cancelled: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    jobs.add(controller);
    try {
      return await fn(controller.signal);
    } catch (e) {
      if (isAbort(e)) throw new CustosError('E_CONFLICT', cancelled);
      throw e;
    } finally {
      jobs.delete(controller);
    }
  };

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
        const source = inventorySource(reading('keys.generate'));
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
        return await turn('keys.generate')((v) => persistAnalysis(v, result, v.user.name, blocklist ? { blocklistRecords: blocklist.records } : {}));
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
      if (!running && jobs.size === 0) return { cancelled: false };
      running?.abort();
      for (const j of jobs) j.abort();
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
    // Written a page of keys per turn of the queue (../cbom/export.ts streamCbom), then audited.
    'analysis.exportCbom': (input) =>
      job('The CBOM export was cancelled; no file was written.', async (signal) => {
        await turn('keys.read')(() => undefined);
        mkdirSync(ctx.exportDir, { recursive: true });
        const at = now();
        const path = join(ctx.exportDir, `cbom-${at.toISOString().replace(/[:.]/g, '-')}.cdx.json`);
        const r = await streamCbom(reading('keys.read'), path, { now: at, toolVersion: ctx.options.version, signal, onProgress: progress(input.jobId ?? `cbom-export-${Date.now()}`, 'Exporting the CBOM') });
        await turn('keys.read')((v) => v.record({ actor: v.user.name, operation: 'cbom.export', outcome: 'success', details: { path, components: r.components } }));
        return { path: r.path, components: r.components, bytes: r.bytes };
      }),
    // Parsed outside the queue, imported a slice per turn (../cbom/import.ts importCbomInChunks).
    'analysis.importCbom': (input) =>
      job('The CBOM import was cancelled; the components imported before the cancel are kept.', async (signal) => {
        await turn('keys.generate')(() => undefined);
        return importCbomInChunks(turn('keys.generate'), input.content, input.name, { signal, onProgress: progress(input.jobId ?? `cbom-import-${Date.now()}`, 'Importing the CBOM') });
      }),
    // Matched a page of keys per turn; stored (and kept in memory) only once every key was matched.
    'analysis.loadBlocklist': (input) =>
      job('Loading the blocklist was cancelled; the previous blocklist and its findings are kept.', async (signal) => {
        await turn('keys.generate')(() => undefined);
        const list = readBlocklistFile(input.path, input.metadataPath);
        const result = await matchBlocklistInChunks(inventorySource(reading('keys.generate')), list, {
          chunkSize: BLOCKLIST_KEY_CHUNK,
          signal,
          onProgress: progress(input.jobId ?? `blocklist-${Date.now()}`, 'Matching the blocklist'),
        });
        signal.throwIfAborted();
        return turn('keys.generate')((v) => {
          persistAnalysis(v, result, v.user.name, { blocklistRecords: list.records });
          blocklist = list;
          return { records: list.records, matches: result.findings.blocklist!.length };
        });
      }),
  };
}
