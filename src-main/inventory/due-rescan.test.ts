import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { createCore, type CustosCore } from '../app/core.js';
import { activePolicy, policyKeys } from '../app/policy-service.js';
import { builtinPolicyDir, loadComposition } from '../policy/index.js';
import { seedDemo } from '../demo/seed.js';
import { UnlockedVault } from '../vault/vault.js';
import type { Db } from '../vault/database.js';
import { computeDue, RESCAN_SLICE, refreshDue, rescanSlice, rescanState, setSlicedRescan } from './due.js';
import { rotationTasks } from '../app/policy-service.js';
import { insertFixture } from './test-fixture.js';
import { inventoryQueryInputSchema } from '../../src-shared/contract-inventory.js';
import { queryInventory } from './query.js';

/**
 * The whole-inventory due recompute after a policy change runs in slices on the core's queue
 * (due.ts rescanSlice, due-job.ts): consistent at every commit, continued after a crash, and
 * other calls are answered between the slices.
 */

const t = new Date('2026-06-01T08:00:00Z');
const KEYS = 6_000;
/** Slices of RESCAN_SLICE keys a whole recompute takes (the last one finds fewer and ends it). */
const SLICES = Math.ceil((KEYS + 1) / RESCAN_SLICE);
/** A policy change that moves due dates: private authentication keys lose their cryptoperiod. */
const DISABLED = ['sp800-57.private-authentication'];
const changedComposition = () => ({ ...loadComposition(join(builtinPolicyDir(), 'compositions', 'default.json')), disabledRules: DISABLED });

let root: string;
let core: CustosCore | null = null;
const vaultDir = () => join(root, 'vault');

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core!.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}

function openCore(): CustosCore {
  core = createCore({ vaultDir: vaultDir(), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, now: () => t, exportDir: join(root, 'exports') });
  return core;
}

/** The vault with alice and bob (two people for dual control) and KEYS demo keys, closed. */
async function seededVault(): Promise<void> {
  openCore();
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
  await call('users.add', { name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase' });
  await core!.close();
  core = null;
  const v = await UnlockedVault.unlock(vaultDir(), { user: 'alice', passphrase: 'alice long passphrase', now: () => t });
  seedDemo(v, { keys: KEYS, actor: 'alice', now: t });
  v.close();
}

/** What a full recompute under the active policy gives: id → [due_at, due_rule] for every key (nulls for keys without one). */
function expectedDue(db: Db): Map<string, [string | null, string | null]> {
  const active = [...policyKeys(db)].filter((k) => k.state === 'active');
  const due = computeDue(active, activePolicy(db), t);
  const out = new Map<string, [string | null, string | null]>();
  for (const id of db.prepare('SELECT id FROM keys').pluck().all() as string[]) {
    const d = due.get(id);
    out.set(id, [d?.dueAt ?? null, d?.rule ?? null]);
  }
  return out;
}

const stored = (db: Db, where = '1') =>
  new Map((db.prepare(`SELECT id, due_at, due_rule FROM keys WHERE ${where}`).all() as Array<{ id: string; due_at: string | null; due_rule: string | null }>).map((r) => [r.id, [r.due_at, r.due_rule]]));

/** The per-day counts (kept by triggers) against the keys themselves. */
function dayCountsMatchKeys(db: Db): boolean {
  const fromKeys = db.prepare("SELECT coalesce(due_rule, '') AS rule, substr(due_at, 1, 10) AS day, count(*) AS n FROM keys WHERE due_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2").all();
  const fromTable = db.prepare('SELECT rule, day, n FROM inventory_due_days WHERE n > 0 ORDER BY 1, 2').all();
  return JSON.stringify(fromKeys) === JSON.stringify(fromTable);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'custos-due-rescan-'));
});
afterEach(async () => {
  await core?.close();
  core = null;
  rmSync(root, { recursive: true, force: true });
});

describe('due-date recompute after a policy change, in slices', () => {
  it('is consistent at every commit: keys up to the cursor hold the new date, the rest the old, day counts match', async () => {
    await seededVault();
    const v = await UnlockedVault.unlock(vaultDir(), { user: 'alice', passphrase: 'alice long passphrase', now: () => t });
    try {
      const before = stored(v.db);
      v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', ?)").run(JSON.stringify(changedComposition()));
      expect(rescanState(v.db)).toEqual({ pending: true, after: 0 });
      const expected = expectedDue(v.db);
      // The change matters: some keys get another date.
      expect([...expected].filter(([id, d]) => JSON.stringify(d) !== JSON.stringify(before.get(id))).length).toBeGreaterThan(50);
      const rowid = new Map((v.db.prepare('SELECT id, rowid AS r FROM keys').all() as Array<{ id: string; r: number }>).map((r) => [r.id, r.r]));
      let slices = 0;
      for (;;) {
        const r = rescanSlice(v.db, t, 2_000);
        slices++;
        expect(dayCountsMatchKeys(v.db)).toBe(true);
        const state = rescanState(v.db);
        expect(state.pending).toBe(!r.finished);
        const want = new Map([...before.keys()].map((id) => [id, r.finished || rowid.get(id)! <= state.after ? expected.get(id) : before.get(id)]));
        expect(stored(v.db)).toEqual(want);
        if (r.finished) break;
      }
      expect(slices).toBe(Math.ceil((KEYS + 1) / 2_000));
    } finally {
      v.close();
    }
  });

  it('starts on an approved policy change, answers other calls between slices and reports progress', async () => {
    await seededVault();
    openCore();
    await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
    const order: string[] = [];
    const fractions: number[] = [];
    let page: Promise<ChannelOutput<'inventory.query'>> | null = null;
    const done = new Promise<void>((resolve) =>
      core!.subscribe((event, payload) => {
        if (event !== 'job.progress') return;
        const p = payload as { jobId: string; fraction: number };
        if (!p.jobId.startsWith('due-rescan')) return;
        order.push('slice');
        fractions.push(p.fraction);
        // A call made after the first slice is answered before the second.
        page ??= call('inventory.query', { filter: { states: ['active'] }, limit: 5 }).then((r) => {
          order.push('query');
          return r;
        });
        if (p.fraction === 1) resolve();
      }),
    );
    const request = await call('policy.setComposition', { packs: changedComposition().packs, disabledRules: DISABLED });
    expect(request.status).toBe('pending');
    expect(fractions).toEqual([]);
    await call('approvals.approve', { id: request.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    await done;
    expect((await page!)?.rows).toHaveLength(5);
    expect(order).toEqual(['slice', 'query', ...new Array<string>(SLICES - 1).fill('slice')]);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    await core!.close();
    core = null;
    const v = await UnlockedVault.unlock(vaultDir(), { user: 'alice', passphrase: 'alice long passphrase', now: () => t });
    try {
      expect(rescanState(v.db).pending).toBe(false);
      expect(stored(v.db)).toEqual(expectedDue(v.db));
    } finally {
      v.close();
    }
  });

  it('leaves the whole recompute to the slices on the inventory screens, but finishes it before automatic rotation reads due dates', async () => {
    const v = await UnlockedVault.create(vaultDir(), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => t });
    try {
      insertFixture(v);
      refreshDue(v.db, t);
      setSlicedRescan(v.db, true);
      v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', ?)").run(JSON.stringify(changedComposition()));
      queryInventory(v.db, inventoryQueryInputSchema.parse({ filter: { due: { to: '2030-01-01' } } }), t);
      expect(rescanState(v.db).pending).toBe(true);
      const tasks = rotationTasks(v.db, t, 365_000);
      expect(rescanState(v.db).pending).toBe(false);
      const expected = expectedDue(v.db);
      expect(stored(v.db)).toEqual(expected);
      expect(new Map(tasks.map((r) => [r.keyId, r.dueAt]))).toEqual(new Map([...expected].filter(([, d]) => d[0] !== null).map(([id, d]) => [id, d[0]])));
    } finally {
      setSlicedRescan(v.db, false);
      v.close();
    }
  });

  it('stops after a failing slice, and the next inventory call reports the error instead of stalling', async () => {
    openCore();
    await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
    await core!.close();
    const v = await UnlockedVault.unlock(vaultDir(), { user: 'alice', passphrase: 'alice long passphrase', now: () => t });
    v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', '{ not json')").run();
    v.close();
    openCore();
    await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
    // Answered: the recompute is the job's, whose first slice runs after this call and fails.
    expect((await call('inventory.query', {})).total).toBe(0);
    const second = await dispatch(core!.handlers, 'inventory.query', {});
    expect(second.ok).toBe(false);
  });

  it('continues after a crash mid-way from the stored cursor when the vault is next opened', async () => {
    await seededVault();
    let v = await UnlockedVault.unlock(vaultDir(), { user: 'alice', passphrase: 'alice long passphrase', now: () => t });
    v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', ?)").run(JSON.stringify(changedComposition()));
    const first = rescanSlice(v.db, t, 2_500);
    // The process dies here: the slice and its cursor are committed, nothing else.
    v.close();
    expect(first.finished).toBe(false);
    openCore();
    await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
    const fractions: number[] = [];
    const done = new Promise<void>((resolve) =>
      core!.subscribe((event, payload) => {
        const p = payload as { jobId: string; fraction: number };
        if (event !== 'job.progress' || !p.jobId.startsWith('due-rescan')) return;
        fractions.push(p.fraction);
        if (p.fraction === 1) resolve();
      }),
    );
    const agg = await call('inventory.aggregates', {});
    expect(agg.total).toBe(KEYS);
    await done;
    // The job went on from key 2,500: it did not start over.
    expect(fractions.length).toBe(Math.ceil((KEYS - 2_500 + 1) / RESCAN_SLICE));
    expect(fractions[0]).toBeCloseTo((2_500 + RESCAN_SLICE) / KEYS, 5);
    await core!.close();
    core = null;
    v = await UnlockedVault.unlock(vaultDir(), { user: 'alice', passphrase: 'alice long passphrase', now: () => t });
    try {
      expect(rescanState(v.db)).toEqual({ pending: false, after: 0 });
      expect(stored(v.db)).toEqual(expectedDue(v.db));
      expect(dayCountsMatchKeys(v.db)).toBe(true);
    } finally {
      v.close();
    }
  });
});
