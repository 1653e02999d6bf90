// The long analysis jobs (CBOM import and export, blocklist load) hold the core's serial queue for
// one chunk at a time, not for their whole run: a call made while one is running is answered
// before it ends. They report progress on 'job.progress' and stop on 'analysis.cancel'.
// 1,500 X25519 keys: several chunks of each job, cheap to make and to judge.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { blocklistValue, buildBlocklist } from '../analysis/blocklist.js';
import { bomSchema, componentSchema } from '../cbom/model.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { tempDir } from '../testing/temp.js';
import { createCore, type CustosCore } from './core.js';

const KEYS = 1500;
let dir: { path: string; cleanup: () => void };
let core: CustosCore;
let spkis: Buffer[];
let cbom: string;

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
const keyCount = async () => (await call('keys.list', { limit: 1 })).total;

/**
 * Starts `start` and, at the job's first progress event, another call; returns the order in which
 * they finished and both results. The other call is queued behind the job's current chunk only.
 */
async function whileRunning<T>(jobId: string, start: () => Promise<T>): Promise<{ order: string[]; result: T; fractions: number[]; other: number }> {
  const order: string[] = [];
  const fractions: number[] = [];
  let other: Promise<number> | null = null;
  const off = core.subscribe((event, payload) => {
    if (event !== 'job.progress') return;
    const p = payload as { jobId: string; fraction: number };
    if (p.jobId !== jobId) return;
    fractions.push(p.fraction);
    other ??= keyCount().then((n) => {
      order.push('other call');
      return n;
    });
  });
  try {
    const result = await start();
    order.push('job');
    return { order, result, fractions, other: await other! };
  } finally {
    off?.();
  }
}

beforeAll(async () => {
  dir = tempDir();
  spkis = Array.from({ length: KEYS }, () => generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' }));
  cbom = JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: spkis.map((s, i) => ({ type: 'cryptographic-asset', 'bom-ref': `k${i}`, name: `agreement-${i}`, cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', format: 'DER', value: s.toString('base64') } } })),
  });
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, exportDir: join(dir.path, 'exports') });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
});
afterAll(async () => {
  await core.close();
  dir.cleanup();
});

describe('long analysis jobs share the serial queue', () => {
  it('a cancelled CBOM import keeps the slices it committed and says how far it got', async () => {
    let cancel: Promise<unknown> | null = null;
    const off = core.subscribe((event, payload) => {
      if (event === 'job.progress' && (payload as { jobId: string }).jobId === 'cancel-me') cancel ??= call('analysis.cancel', {});
    });
    const r = await dispatch(core.handlers, 'analysis.importCbom', { name: 'big.cdx.json', content: cbom, jobId: 'cancel-me' });
    off?.();
    expect(await cancel).toEqual({ cancelled: true });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining('imported before the cancel are kept') });
    const kept = await keyCount();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(KEYS);
    expect((await call('audit.list', { operation: 'cbom.import' })).items[0]).toMatchObject({ outcome: 'failed', details: { reason: 'cancelled', processed: kept, imported: kept } });
  });

  it('a CBOM import answers another call before it ends, with progress', async () => {
    const before = await keyCount();
    const { order, result, fractions, other } = await whileRunning('import', () => call('analysis.importCbom', { name: 'big.cdx.json', content: cbom, jobId: 'import' }));
    expect(order).toEqual(['other call', 'job']);
    expect(other).toBeGreaterThanOrEqual(before);
    expect(other).toBeLessThan(KEYS); // answered while the import was half-way
    expect(fractions.at(-1)).toBe(1);
    expect(result.components.filter((c) => c.outcome === 'duplicate')).toHaveLength(before);
    expect(result.components.filter((c) => c.outcome === 'imported')).toHaveLength(KEYS - before);
    expect(await keyCount()).toBe(KEYS);
    expect((await call('audit.list', { operation: 'cbom.import' })).items[0]).toMatchObject({ outcome: 'success', details: { components: KEYS, imported: KEYS - before } });
  });

  it('a blocklist load answers another call before it ends, and finds the listed key', async () => {
    const path = join(dir.path, 'blocklist.dat');
    writeFileSync(path, buildBlocklist([{ value: blocklistValue(spkis[1234]!)!, listId: 3 }]));
    const { order, result } = await whileRunning('blocklist', () => call('analysis.loadBlocklist', { path, jobId: 'blocklist' }));
    expect(order).toEqual(['other call', 'job']);
    expect(result).toEqual({ records: 1, matches: 1 });
    expect((await call('analysis.findings', { rule: 'blocklist' })).items.map((f) => f.keyName)).toEqual(['agreement-1234']);
  });

  it('a CBOM export answers another call before it ends, and writes every key', async () => {
    const { order, result } = await whileRunning('export', () => call('analysis.exportCbom', { jobId: 'export' }));
    expect(order).toEqual(['other call', 'job']);
    const bom = JSON.parse(readFileSync(result.path, 'utf8')) as { components: Array<{ cryptoProperties: { assetType: string; relatedCryptoMaterialProperties?: { value?: string } } }> };
    expect(bomSchema.safeParse(bom).success).toBe(true);
    expect(result.components).toBe(bom.components.length);
    const keys = bom.components.filter((c) => c.cryptoProperties.assetType === 'related-crypto-material');
    expect(keys).toHaveLength(KEYS);
    expect(new Set(keys.map((k) => k.cryptoProperties.relatedCryptoMaterialProperties!.value))).toEqual(new Set(spkis.map((s) => s.toString('base64'))));
    for (const c of bom.components.slice(0, 3)) expect(componentSchema.safeParse(c).success).toBe(true);
    expect((await call('audit.list', { operation: 'cbom.export' })).items[0]).toMatchObject({ outcome: 'success', details: { path: result.path, components: result.components } });
  });
});
