import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { UnlockedVault } from '../vault/vault.js';
import { createCore, type CustosCore } from './core.js';

let root: string;
let core: CustosCore;
let t = Date.parse('2026-06-01T08:00:00Z');
const DAY = 86_400_000;

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function code(channel: ChannelName, input: unknown): Promise<string> {
  const r = await dispatch(core.handlers, channel, input);
  return r.ok ? 'ok' : r.error.code;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeEach(async () => {
  t = Date.parse('2026-06-01T08:00:00Z');
  root = mkdtempSync(join(tmpdir(), 'custos-lifecycle-'));
  core = createCore({ vaultDir: join(root, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, now: () => new Date(t) });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
  await call('users.add', { name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase' });
});
afterEach(async () => {
  await core.close();
  rmSync(root, { recursive: true, force: true });
});

const relock = async () => {
  await call('vault.lock', {});
  await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
};

describe('rotation, dates, limits and destruction', () => {
  it('rotates: version 2 signs, version 1 only verifies what it signed, until its process-stop date', async () => {
    const k = await call('keys.generate', { name: 'invoices', algorithm: 'ec-p256' });
    await call('keys.transition', { id: k.id, action: 'activate' });
    const sig1 = await call('keys.sign', { id: k.id, data: b64('old invoice') });
    const rotated = await call('keys.rotate', { id: k.id, processDays: 30 });
    expect(rotated).toMatchObject({ version: 2, state: 'active' });
    expect(rotated.fingerprint).not.toBe(k.fingerprint);
    const versions = await call('keys.versions', { id: k.id });
    expect(versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'deactivated'],
      [2, 'active'],
    ]);
    expect(versions[0]!.processStopAt).toBe(new Date(t + 30 * DAY).toISOString());
    // The new version signs; the old signature verifies only against version 1.
    const sig2 = await call('keys.sign', { id: k.id, data: b64('new invoice') });
    expect((await call('keys.verify', { id: k.id, data: b64('new invoice'), signature: sig2.signature })).valid).toBe(true);
    expect((await call('keys.verify', { id: k.id, data: b64('old invoice'), signature: sig1.signature })).valid).toBe(false);
    expect((await call('keys.verify', { id: k.id, data: b64('old invoice'), signature: sig1.signature, version: 1 })).valid).toBe(true);
    t += 31 * DAY;
    expect(await code('keys.verify', { id: k.id, data: b64('old invoice'), signature: sig1.signature, version: 1 })).toBe('E_PERMISSION');
    const rot = (await call('audit.list', { keyId: k.id, operation: 'key.rotate' })).items[0]!;
    expect(rot.details).toMatchObject({ fromVersion: 1, toVersion: 2 });
  });

  it('activates a key by itself when its activation date comes (checked at unlock)', async () => {
    const k = await call('keys.generate', { name: 'next-quarter', algorithm: 'aes-256' });
    await call('keys.schedule', { id: k.id, activationAt: new Date(t + 2 * DAY).toISOString() });
    await relock();
    expect((await call('keys.get', { id: k.id })).state).toBe('pre-active');
    t += 3 * DAY;
    await relock();
    expect((await call('keys.get', { id: k.id })).state).toBe('active');
    const ev = (await call('audit.list', { keyId: k.id, operation: 'key.activate' })).items[0]!;
    expect(ev).toMatchObject({ actor: null, details: { automatic: true } });
  });

  it('deactivates a key by itself on its deactivation date, and rotates an auto-rotating key when its cryptoperiod ends', async () => {
    const k = await call('keys.generate', { name: 'quarterly', algorithm: 'ec-p256' });
    await call('keys.transition', { id: k.id, action: 'activate' });
    await call('keys.schedule', { id: k.id, deactivationAt: new Date(t + DAY).toISOString() });
    await call('keys.sign', { id: k.id, data: b64('before') });
    expect((await call('tasks.list', { horizonDays: 7 })).expiring).toEqual([expect.objectContaining({ keyId: k.id, what: 'deactivation' })]);
    const auto = await call('keys.generate', { name: 'self-rotating', algorithm: 'ed25519', purpose: 'document-signing' });
    await call('keys.transition', { id: auto.id, action: 'activate' });
    await call('keys.schedule', { id: auto.id, rotation: 'auto' });
    t += 2 * DAY;
    await relock();
    expect((await call('keys.get', { id: k.id })).state).toBe('deactivated');
    expect(await code('keys.sign', { id: k.id, data: b64('after') })).toBe('E_PERMISSION');
    expect((await call('keys.get', { id: auto.id })).version).toBe(1);
    t += 4 * 365 * DAY;
    await relock();
    const rotated = await call('keys.get', { id: auto.id });
    expect(rotated).toMatchObject({ version: 2, state: 'active', rotation: 'auto' });
    const ev = (await call('audit.list', { keyId: auto.id, operation: 'key.rotate' })).items[0]!;
    expect(ev).toMatchObject({ actor: null, details: { automatic: true } });
  });

  it('enforces a usage limit', async () => {
    const k = await call('keys.generate', { name: 'limited', algorithm: 'ed25519' });
    await call('keys.transition', { id: k.id, action: 'activate' });
    await call('keys.schedule', { id: k.id, maxUses: 2 });
    await call('keys.sign', { id: k.id, data: b64('1') });
    await call('keys.sign', { id: k.id, data: b64('2') });
    expect(await code('keys.sign', { id: k.id, data: b64('3') })).toBe('E_PERMISSION');
    expect((await call('keys.get', { id: k.id })).useCount).toBe(2);
  });

  it('destroys only after dual control and the waiting period, can be cancelled until then, and keeps a tombstone', async () => {
    const k = await call('keys.generate', { name: 'retired', algorithm: 'rsa-2048' });
    await call('keys.transition', { id: k.id, action: 'activate' });
    expect(await code('keys.destroy', { id: k.id })).toBe('E_CONFLICT');
    await call('keys.transition', { id: k.id, action: 'revoke', reason: 'key-compromise' });
    const r = await call('keys.destroy', { id: k.id, afterDays: 3 });
    expect(r.status).toBe('pending');
    expect(await code('approvals.approve', { id: r.requestId })).toBe('E_PERMISSION');
    await call('approvals.approve', { id: r.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    expect((await call('keys.get', { id: k.id })).destroyAt).toBe(new Date(t + 3 * DAY).toISOString());

    // Cancel, then schedule again and let the waiting period pass.
    await call('keys.cancelDestruction', { id: k.id });
    expect((await call('keys.get', { id: k.id })).destroyAt).toBeNull();
    const again = await call('keys.destroy', { id: k.id, afterDays: 1 });
    await call('approvals.approve', { id: again.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    t += 2 * DAY;
    expect(await code('keys.cancelDestruction', { id: k.id })).toBe('E_CONFLICT');
    await relock();
    const tomb = await call('keys.get', { id: k.id });
    expect(tomb).toMatchObject({ state: 'destroyed-compromised', name: 'retired', destroyAt: null });
    expect(tomb.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    await call('vault.lock', {});
    const v = await UnlockedVault.unlock(join(root, 'vault'), { user: 'alice', passphrase: 'alice long passphrase', now: () => new Date(t) });
    try {
      expect(() => v.openMaterial(k.id, 1)).toThrow(/no material/);
      expect(v.db.prepare('SELECT count(*) AS n FROM key_material WHERE key_id = ?').get(k.id)).toEqual({ n: 0 });
    } finally {
      v.close();
    }
  });
});

describe('token keys through rotation and destruction', () => {
  it('rotates a token key to a new object on the same token, and destroys both objects with C_DestroyObject', async () => {
    const { createSoftHsm, pkcs11Tool } = await import('../testing/softhsm.js');
    const { buildPkcs11WorkerForTests } = await import('../pkcs11/test-support.js');
    const hsm = createSoftHsm({ labels: ['rotation-card'] });
    const worker = await buildPkcs11WorkerForTests();
    await core.close();
    core = createCore({ vaultDir: join(root, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, now: () => new Date(t), pkcs11: { allowlist: [hsm.modulePath], workerScript: worker.script } });
    try {
      const token = hsm.tokens[0]!;
      const objects = () => pkcs11Tool(hsm, ['--token-label', token.label, '--login', '--pin', token.userPin, '--list-objects', '--type', 'privkey']);
      await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
      await call('tokens.login', { serial: token.serial, pin: token.userPin });
      const k = await call('keys.generate', { name: 'card-signing', algorithm: 'ec-p256', tokenSerial: token.serial });
      await call('keys.transition', { id: k.id, action: 'activate' });
      const r = await call('keys.rotate', { id: k.id });
      expect(r.token!.ckaId).not.toBe(k.token!.ckaId);
      expect(objects().match(/label:\s+card-signing/g)).toHaveLength(2);
      await call('keys.transition', { id: k.id, action: 'deactivate' });
      const d = await call('keys.destroy', { id: k.id, afterDays: 1 });
      await call('approvals.approve', { id: d.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
      t += 2 * DAY;
      // At unlock the token is logged out, so the destruction waits; logging in to it runs it.
      await call('vault.lock', {});
      await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
      expect((await call('keys.get', { id: k.id })).state).toBe('deactivated');
      expect(objects()).toContain('card-signing');
      await call('tokens.login', { serial: token.serial, pin: token.userPin });
      expect((await call('keys.get', { id: k.id })).state).toBe('destroyed');
      expect(objects()).not.toContain('card-signing');
      expect((await call('audit.list', { keyId: k.id, operation: 'key.destroy' })).items[0]).toMatchObject({ actor: null, outcome: 'success' });
    } finally {
      await core.close();
      worker.cleanup();
      hsm.cleanup();
    }
  });
});

describe('the policy engine in the core', () => {
  it('shows a finding that only applies from 2036, blocks a CA key outside a token, and lists due rotations', async () => {
    const rsa = await call('keys.generate', { name: 'edge-tls', algorithm: 'rsa-3072', purpose: 'tls-server' });
    await call('keys.transition', { id: rsa.id, action: 'activate' });
    const ids = async (asOf: string) => new Set((await call('policy.evaluate', { asOf, keyId: rsa.id })).findings.map((f) => f.ruleId));
    const today = await ids('2026-11-28');
    const in2036 = await ids('2036-01-01');
    const only2036 = [...in2036].filter((r) => !today.has(r));
    expect(only2036.some((r) => r.startsWith('ir8547.') && r.includes('disallowed'))).toBe(true);
    const summary = await call('policy.evaluate', { asOf: '2036-01-01' });
    expect(summary.total).toBeGreaterThan(0);
    expect(summary.byRule.length).toBeGreaterThan(0);

    expect(await code('keys.generate', { name: 'root', algorithm: 'ec-p384', purpose: 'ca-root', usage: 0x1 | 0x2 | 0x1000 | 0x2000 })).toBe('E_PERMISSION');
    const refused = (await call('audit.list', { operation: 'key.generate', outcome: 'refused' })).items[0]!;
    expect(String(refused.details.reason)).toMatch(/policy forbids/);

    const tasks = await call('tasks.list', { horizonDays: 3650 });
    expect(tasks.rotations.map((r) => r.keyId)).toContain(rsa.id);
    expect((await call('policy.view', {})).packs.map((p) => p.id)).toContain('nist-ir-8547');
  });

  it('changes the active policy only after a second person approves', async () => {
    const rsa = await call('keys.generate', { name: 'legacy-rsa', algorithm: 'rsa-2048', purpose: 'tls-server' });
    await call('keys.transition', { id: rsa.id, action: 'activate' });
    const before = await call('policy.evaluate', { asOf: '2036-01-01', keyId: rsa.id });
    expect(before.findings.some((f) => f.packId === 'nist-ir-8547')).toBe(true);
    const r = await call('policy.setComposition', { packs: ['nist-sp800-57-cryptoperiods', 'nist-sp800-131a-r2', 'custos-baseline'] });
    expect(r.status).toBe('pending');
    expect((await call('policy.evaluate', { asOf: '2036-01-01', keyId: rsa.id })).findings.some((f) => f.packId === 'nist-ir-8547')).toBe(true);
    await call('approvals.approve', { id: r.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    expect((await call('policy.evaluate', { asOf: '2036-01-01', keyId: rsa.id })).findings.some((f) => f.packId === 'nist-ir-8547')).toBe(false);
    expect(await code('policy.setComposition', { packs: ['no-such-pack'] })).toBe('E_INPUT');
  });
});
