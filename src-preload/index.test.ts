import { beforeEach, describe, expect, it, vi } from 'vitest';

// The real 'electron' module cannot load under Node (it would try to download the runtime), so the
// preload runs here against a recording stand-in for contextBridge and ipcRenderer.
const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: 'from main' }));
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, l: (...args: unknown[]) => void) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(l);
      listeners.set(channel, set);
    },
    removeListener: (channel: string, l: (...args: unknown[]) => void) => listeners.get(channel)?.delete(l),
  },
}));

interface Exposed {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  host: string;
}

let custos: Exposed;
beforeEach(async () => {
  await import('./index');
  custos = exposed.get('custos') as Exposed;
  invoke.mockClear();
});

describe('preload', () => {
  it('exposes exactly window.custos = { invoke, on, host: "electron" }', () => {
    expect([...exposed.keys()]).toEqual(['custos']);
    expect(Object.keys(custos).sort()).toEqual(['host', 'invoke', 'on']);
    expect(custos.host).toBe('electron');
  });

  it('forwards contract channels to ipcRenderer.invoke', async () => {
    await expect(custos.invoke('app.info', {})).resolves.toEqual({ ok: true, value: 'from main' });
    expect(invoke).toHaveBeenCalledWith('app.info', {});
  });

  it('refuses other channel names without sending anything', async () => {
    for (const name of ['fs.readFile', '__proto__', 'constructor', '', 42]) {
      await expect(custos.invoke(name as string, {})).resolves.toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_CHANNEL' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('turns a failed IPC call into a typed result', async () => {
    invoke.mockRejectedValueOnce(new Error('no handler'));
    await expect(custos.invoke('app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
  });

  it('subscribes only to contract events, hands over the payload alone, and unsubscribes', () => {
    const seen: unknown[] = [];
    const off = custos.on('vault.locked', (p) => seen.push(p));
    const fakeEvent = { sender: 'ipcRenderer itself' };
    for (const l of listeners.get('vault.locked') ?? []) l(fakeEvent, { reason: 'idle' });
    expect(seen).toEqual([{ reason: 'idle' }]);
    off();
    expect(listeners.get('vault.locked')?.size ?? 0).toBe(0);

    const noop = custos.on('app.info', () => seen.push('never'));
    expect(listeners.has('app.info')).toBe(false);
    noop();
  });
});
