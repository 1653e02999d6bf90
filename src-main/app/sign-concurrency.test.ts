import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { AuditLog } from '../audit/log.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { tempDir } from '../testing/temp.js';
import { createCore, type CustosCore } from './core.js';

let dir: { path: string; cleanup: () => void };
let core: CustosCore;

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}

beforeEach(async () => {
  dir = tempDir();
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0 });
  await call('vault.create', { adminName: 'alice', passphrase: 'correct horse battery staple' });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await core.close();
  dir.cleanup();
});

describe('keys.sign through the core runs beside the serial queue', () => {
  it('32 signatures asked at once over IPC commit together, each with its own audit event, each valid', async () => {
    const k = await call('keys.generate', { name: 'ipc-batch', algorithm: 'ec-p256' });
    await call('keys.transition', { id: k.id, action: 'activate' });
    const appends = vi.spyOn(AuditLog.prototype, 'appendMany');
    const data = Array.from({ length: 32 }, (_, i) => Buffer.from(`document ${i}`));
    const sigs = await Promise.all(data.map((d) => call('keys.sign', { id: k.id, data: d.toString('base64') })));
    // Through the serial queue every call waited for the one before: 32 commits. Now they batch.
    expect(appends.mock.calls.length).toBeLessThanOrEqual(2);
    const pub = createPublicKey((await call('keys.get', { id: k.id })).publicKeyPem!);
    sigs.forEach((s, i) => expect(nodeVerify('sha256', data[i]!, pub, Buffer.from(s.signature, 'base64'))).toBe(true));
    const events = (await call('audit.list', { keyId: k.id, operation: 'key.sign', limit: 100 })).items;
    expect(events.filter((e) => e.outcome === 'success')).toHaveLength(32);
    expect((await call('audit.verify', {})).ok).toBe(true);
  });

  it('a signature whose record could not commit before a lock is withheld', async () => {
    const k = await call('keys.generate', { name: 'ipc-lock', algorithm: 'ed25519' });
    await call('keys.transition', { id: k.id, action: 'activate' });
    const signed = dispatch(core.handlers, 'keys.sign', { id: k.id, data: Buffer.from('late').toString('base64') });
    const locked = call('vault.lock', {});
    const r = await signed;
    await locked;
    expect(r).toMatchObject({ ok: false, error: { code: 'E_VAULT_LOCKED' } });
    expect(await dispatch(core.handlers, 'keys.sign', { id: k.id, data: 'AA==' })).toMatchObject({ ok: false, error: { code: 'E_VAULT_LOCKED' } });
  });
});
