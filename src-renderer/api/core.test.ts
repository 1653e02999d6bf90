import { describe, expect, it, vi } from 'vitest';
import type { CustosBridge } from '../../src-shared/contract';
import { ApiError, createApi } from './core';

function fakeBridge(invoke: (channel: string, input: unknown) => unknown): CustosBridge {
  return {
    host: 'browser',
    invoke: vi.fn(async (channel: string, input: unknown) => invoke(channel, input)) as unknown as CustosBridge['invoke'],
    on: vi.fn(() => () => undefined) as unknown as CustosBridge['on'],
  };
}

const status = {
  exists: true,
  unlocked: true,
  user: { name: 'alice', role: 'administrator' },
  vaultId: 'v1',
  unlockMethods: { passphrase: true, quorumThreshold: null, tokens: [] },
};

describe('api client', () => {
  it('returns the value of a successful call', async () => {
    const api = createApi(async () => fakeBridge(() => ({ ok: true, value: status })));
    await expect(api.call('vault.status')).resolves.toEqual(status);
    await expect(api.connect()).resolves.toBe('browser');
  });

  it('throws an ApiError with the code and message of the core', async () => {
    const api = createApi(async () =>
      fakeBridge(() => ({ ok: false, error: { code: 'E_AUTH_FAILED', message: 'Wrong user name or passphrase.' } })),
    );
    const err = await api.call('vault.unlock', { user: 'alice', passphrase: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'E_AUTH_FAILED', message: 'Wrong user name or passphrase.' });
  });

  it('refuses input the contract refuses, before calling the core', async () => {
    const bridge = fakeBridge(() => ({ ok: true, value: status }));
    const api = createApi(async () => bridge);
    await expect(api.call('vault.create', { adminName: 'alice', passphrase: 'short' })).rejects.toMatchObject({
      code: 'E_INPUT',
    });
    expect(bridge.invoke).not.toHaveBeenCalled();
  });

  it('rejects a reply that does not match the contract', async () => {
    const api = createApi(async () => fakeBridge(() => ({ ok: true, value: { exists: 'yes' } })));
    await expect(api.call('vault.status')).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });

  it('maps unknown error codes to E_INTERNAL and keeps retrying a failed connection', async () => {
    let attempts = 0;
    const api = createApi(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('no bridge');
      return fakeBridge(() => ({ ok: false, error: { code: 'E_WHATEVER', message: 'odd' } }));
    });
    await expect(api.call('vault.status')).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await expect(api.call('vault.status')).rejects.toMatchObject({ code: 'E_INTERNAL', message: 'odd' });
    expect(attempts).toBe(2);
  });

  it('subscribes to events once connected and unsubscribes', async () => {
    const off = vi.fn();
    const bridge = fakeBridge(() => ({ ok: true, value: status }));
    bridge.on = vi.fn(() => off) as unknown as CustosBridge['on'];
    const api = createApi(async () => bridge);
    const unsubscribe = api.on('vault.locked', () => undefined);
    await api.connect();
    expect(bridge.on).toHaveBeenCalledWith('vault.locked', expect.any(Function));
    unsubscribe();
    expect(off).toHaveBeenCalled();
  });
});
