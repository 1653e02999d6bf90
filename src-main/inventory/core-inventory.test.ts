import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { createCore, type CustosCore } from '../app/core.js';

/** The issue 8 channels through the core: contract parsing both ways, roles, audit, all-or-nothing. */

let root: string;
let core: CustosCore;
const t = Date.parse('2026-06-01T08:00:00Z');

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function code(channel: ChannelName, input: unknown): Promise<string> {
  const r = await dispatch(core.handlers, channel, input);
  return r.ok ? 'ok' : r.error.code;
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'custos-inv-core-'));
  core = createCore({ vaultDir: join(root, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, now: () => new Date(t), exportDir: join(root, 'exports') });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
  await call('users.add', { name: 'audrey', role: 'auditor', passphrase: 'audrey long passphrase' });
});
afterEach(async () => {
  await core.close();
  rmSync(root, { recursive: true, force: true });
});

describe('inventory channels', () => {
  it('lists generated keys, keeps the group counts and due dates current as keys change', async () => {
    const a = await call('keys.generate', { name: 'api-tls', algorithm: 'ec-p256', purpose: 'tls-server' });
    const b = await call('keys.generate', { name: 'backup-kek', algorithm: 'aes-256', purpose: 'key-wrapping' });
    let agg = await call('inventory.aggregates', {});
    expect(Object.fromEntries(agg.byState.map((s) => [s.state, s.count]))).toEqual({ 'pre-active': 2 });
    await call('keys.transition', { id: a.id, action: 'activate' });
    agg = await call('inventory.aggregates', { compareAsOf: '2036-01-01' });
    expect(Object.fromEntries(agg.byState.map((s) => [s.state, s.count]))).toEqual({ 'pre-active': 1, active: 1 });
    const page = await call('inventory.query', { filter: { states: ['active'] } });
    expect(page.rows.map((r) => r.id)).toEqual([a.id]);
    // Activated now: private authentication key, two years.
    expect(page.rows[0]!.dueAt).toBe('2028-06-01T08:00:00.000Z');
    expect(agg.compliance.compare!.compliant).toBeLessThan(agg.compliance.today.compliant);
    await call('keys.schedule', { id: a.id, deactivationAt: '2026-09-01T00:00:00.000Z' });
    expect((await call('inventory.query', { filter: { due: { to: '2026-10-01' } } })).rows.map((r) => r.name)).toEqual(['api-tls']);
    expect((await call('inventory.query', { filter: { states: ['pre-active'] }, sort: { field: 'name', direction: 'asc' } })).rows.map((r) => r.id)).toEqual([b.id]);
  });

  it('applies bulk actions with one audit event per changed key, all or nothing, by role', async () => {
    const ids = [];
    for (const n of ['k1', 'k2', 'k3']) ids.push((await call('keys.generate', { name: n, algorithm: 'ed25519' })).id);
    expect(await call('inventory.bulk', { target: { ids: ids.slice(0, 2) }, action: { kind: 'tag', tags: ['PCI', 'prod'] } })).toEqual({ matched: 2, changed: 2 });
    expect((await call('inventory.query', { filter: { tags: ['pci'] } })).total).toBe(2);
    // Again: nothing new to add, so no change and no event.
    expect(await call('inventory.bulk', { target: { ids: ids.slice(0, 2) }, action: { kind: 'tag', tags: ['pci'] } })).toEqual({ matched: 2, changed: 0 });
    expect(await call('inventory.bulk', { target: { filter: { tags: ['pci'] } }, action: { kind: 'setOwner', owner: 'team-payments' } })).toEqual({ matched: 2, changed: 2 });
    expect(await call('inventory.bulk', { target: { filter: {} }, action: { kind: 'untag', tags: ['prod'] } })).toEqual({ matched: 3, changed: 2 });
    const rows = (await call('inventory.query', { sort: { field: 'name', direction: 'asc' } })).rows;
    expect(rows.map((r) => [r.name, r.tags, r.owner])).toEqual([
      ['k1', ['pci'], 'team-payments'],
      ['k2', ['pci'], 'team-payments'],
      ['k3', [], null],
    ]);
    const events = (await call('audit.list', { limit: 50 })).items;
    expect(events.filter((e) => e.operation === 'key.tag').map((e) => e.keyId).sort()).toEqual(ids.slice(0, 2).sort());
    expect(events.filter((e) => e.operation === 'key.owner')).toHaveLength(2);
    expect(events.filter((e) => e.operation === 'key.untag')).toHaveLength(2);
    // One unknown id: refused as a whole.
    const before = (await call('audit.list', { limit: 1000 })).items.length;
    expect(await code('inventory.bulk', { target: { ids: [ids[2], 'f'.repeat(32)] }, action: { kind: 'tag', tags: ['x'] } })).toBe('E_NOT_FOUND');
    expect((await call('inventory.query', { filter: { tags: ['x'] } })).total).toBe(0);
    expect((await call('audit.list', { limit: 1000 })).items.length).toBe(before);
    expect(await code('inventory.bulk', { target: { ids }, action: { kind: 'scheduleRotation', at: '2020-01-01T00:00:00Z' } })).toBe('E_INPUT');
    // Pre-active keys can be scheduled.
    expect(await call('inventory.bulk', { target: { ids }, action: { kind: 'scheduleRotation', at: '2026-12-01T00:00:00Z', mode: 'auto' } })).toEqual({ matched: 3, changed: 3 });
    expect((await call('keys.get', { id: ids[0] })).rotation).toBe('auto');
    // An auditor reads but changes nothing; the refusal is recorded.
    await call('session.login', { user: 'audrey', passphrase: 'audrey long passphrase' });
    expect((await call('inventory.query', {})).total).toBe(3);
    expect(await code('inventory.bulk', { target: { ids }, action: { kind: 'tag', tags: ['y'] } })).toBe('E_PERMISSION');
    expect(await code('inventory.views.save', { name: 'mine', filter: {} })).toBe('E_PERMISSION');
    expect((await call('audit.list', { operation: 'key.tag', outcome: 'refused' })).items).toHaveLength(1);
  });

  it('saves, replaces, lists and deletes named views, audited', async () => {
    const v1 = await call('inventory.views.save', { name: 'PCI keys', filter: { tags: ['pci'] } });
    const v2 = await call('inventory.views.save', { name: 'pci KEYS', filter: { tags: ['pci'], states: ['active'] }, sort: { field: 'dueAt', direction: 'asc' } });
    expect(v2.id).toBe(v1.id);
    await call('inventory.views.save', { name: 'Overdue', filter: { due: { to: '2026-06-01' } } });
    const list = await call('inventory.views.list', {});
    expect(list.map((v) => [v.name, v.filter])).toEqual([
      ['Overdue', { due: { to: '2026-06-01' } }],
      ['pci KEYS', { tags: ['pci'], states: ['active'] }],
    ]);
    expect(list[1]!.sort).toEqual({ field: 'dueAt', direction: 'asc' });
    expect(await call('inventory.views.delete', { id: v1.id })).toEqual({ deleted: true });
    expect(await call('inventory.views.delete', { id: v1.id })).toEqual({ deleted: false });
    expect((await call('audit.list', { operation: 'inventory.view.save' })).items).toHaveLength(3);
    expect((await call('audit.list', { operation: 'inventory.view.delete' })).items).toHaveLength(1);
  });

  it('writes the compliance report as JSON into the export folder and records it', async () => {
    await call('keys.generate', { name: 'web', algorithm: 'rsa-2048', purpose: 'tls-server' });
    await call('keys.generate', { name: 'data', algorithm: 'aes-256', purpose: 'data-encryption' });
    const r = await call('report.compliance', { format: 'json', asOf: '2031-01-01' });
    expect(r.path.startsWith(join(root, 'exports'))).toBe(true);
    const report = JSON.parse(readFileSync(r.path, 'utf8'));
    expect(report).toMatchObject({ format: 'custos.compliance-report/v1', asOf: '2031-01-01T00:00:00.000Z', inventory: { total: expect.any(Number) } });
    expect(report.compliance.judged).toBe(report.inventory.total);
    expect((await call('audit.list', { operation: 'report.compliance' })).items[0]!.details).toMatchObject({ asOf: '2031-01-01', format: 'json' });
  });

  it('writes the evidence pack through the core (PDF by the host printer)', async () => {
    await call('keys.generate', { name: 'data', algorithm: 'aes-256', purpose: 'data-encryption' });
    const r = await call('report.evidence', { asOf: '2026-06-01' });
    expect(r.dir.startsWith(join(root, 'exports'))).toBe(true);
    expect(r.files.map((f) => f.name)).toEqual(['compliance-report.json', 'compliance-report.pdf', 'policy.json', 'cbom.json', 'audit-bundle.tar', 'manifest.json']);
    expect(readFileSync(join(r.dir, 'compliance-report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });
});
