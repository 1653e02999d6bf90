import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONNECTION_LOST_MESSAGE, connectWebBridge, WebBridgeError } from './web-bridge';

// The real bridge runs against the real browser host in the Playwright specs; here a scripted fake
// WebSocket plays the host so every branch of the client can be driven deterministically.

const LAUNCH = 'a'.repeat(64);
const SESSION = 'b'.repeat(64);
const SESSION2 = 'c'.repeat(64);

type Handler = (ev: unknown) => void;

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: unknown[] = [];
  private handlers = new Map<string, Handler[]>();
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  addEventListener(type: string, h: Handler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), h]);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(): void {
    this.serverClose(1000, '');
  }
  // --- the "host" side
  get token(): string | undefined {
    return this.protocols.find((p) => p.startsWith('custos.token.'))?.slice('custos.token.'.length);
  }
  private fire(type: string, ev: unknown): void {
    for (const h of this.handlers.get(type) ?? []) h(ev);
  }
  accept(session: string): void {
    this.readyState = FakeSocket.OPEN;
    this.fire('open', {});
    this.push({ hello: { session } });
  }
  push(message: unknown): void {
    this.fire('message', { data: JSON.stringify(message) });
  }
  serverClose(code: number, reason: string): void {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    this.fire('close', { code, reason });
  }
}

const store = new Map<string, string>();
let replaced: string[] = [];

function setHash(hash: string): void {
  vi.stubGlobal('location', { hash, host: '127.0.0.1:4321', pathname: '/', search: '' });
}

beforeEach(() => {
  FakeSocket.all = [];
  store.clear();
  replaced = [];
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('history', { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) });
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => store.set(k, v),
    removeItem: (k: string) => store.delete(k),
  });
  setHash(`#token=${LAUNCH}`);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function connected(): Promise<{ bridge: Awaited<ReturnType<typeof connectWebBridge>>; socket: FakeSocket }> {
  const p = connectWebBridge();
  const socket = FakeSocket.all.at(-1)!;
  socket.accept(SESSION);
  return { bridge: await p, socket };
}

describe('connectWebBridge', () => {
  it('presents the launch token as a subprotocol, removes it from the URL and keeps the session', async () => {
    const { bridge, socket } = await connected();
    expect(socket.url).toBe('ws://127.0.0.1:4321/bridge');
    expect(socket.protocols).toEqual(['custos.v1', `custos.token.${LAUNCH}`]);
    expect(socket.url).not.toContain(LAUNCH);
    expect(replaced).toEqual(['/']);
    expect([...store.values()]).toEqual([SESSION]);
    expect(bridge.host).toBe('browser');
  });

  it('refuses without any token, without opening a socket', async () => {
    setHash('');
    await expect(connectWebBridge()).rejects.toMatchObject({ code: 'E_FORBIDDEN_SENDER', message: expect.stringMatching(/without its access token/) });
    expect(FakeSocket.all).toEqual([]);
  });

  it('removes a malformed token from the URL and refuses', async () => {
    setHash('#token=nothex');
    await expect(connectWebBridge()).rejects.toBeInstanceOf(WebBridgeError);
    expect(replaced).toEqual(['/']);
  });

  it('explains a refused launch token (4401)', async () => {
    const p = connectWebBridge();
    FakeSocket.all[0]!.serverClose(4401, 'token already used');
    await expect(p).rejects.toMatchObject({ code: 'E_FORBIDDEN_SENDER', message: expect.stringMatching(/already used/) });
  });

  it('falls back to the stored session when the launch token was already used', async () => {
    store.set('custos.bridge.session', SESSION);
    const p = connectWebBridge();
    FakeSocket.all[0]!.serverClose(4401, 'token already used');
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(2));
    expect(FakeSocket.all[1]!.token).toBe(SESSION);
    FakeSocket.all[1]!.accept(SESSION);
    await expect(p).resolves.toMatchObject({ host: 'browser' });
  });

  it('reconnects with the stored session token after a reload', async () => {
    store.set('custos.bridge.session', SESSION);
    setHash('');
    const p = connectWebBridge();
    expect(FakeSocket.all[0]!.token).toBe(SESSION);
    FakeSocket.all[0]!.accept(SESSION);
    await p;
  });

  it('forgets a stored session the host refuses', async () => {
    store.set('custos.bridge.session', SESSION);
    setHash('');
    const p = connectWebBridge();
    FakeSocket.all[0]!.serverClose(4401, 'token invalid');
    await expect(p).rejects.toMatchObject({ code: 'E_FORBIDDEN_SENDER' });
    expect(store.size).toBe(0);
  });

  it('reports an unreachable host', async () => {
    const p = connectWebBridge();
    FakeSocket.all[0]!.serverClose(1006, '');
    await expect(p).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });

  it('times out when the host never answers', async () => {
    const p = connectWebBridge();
    const check = expect(p).rejects.toMatchObject({ code: 'E_INTERNAL', message: expect.stringMatching(/did not answer/) });
    await vi.advanceTimersByTimeAsync(10_000);
    await check;
  });
});

describe('the bridge', () => {
  it('sends {id, channel, input} and resolves with the result for that id', async () => {
    const { bridge, socket } = await connected();
    const a = bridge.invoke('app.info', {});
    const b = bridge.invoke('keys.list', { limit: 5 });
    expect(socket.sent).toEqual([
      { id: 1, channel: 'app.info', input: {} },
      { id: 2, channel: 'keys.list', input: { limit: 5 } },
    ]);
    socket.push({ id: 2, result: { ok: true, value: { items: [], total: 0 } } });
    socket.push({ id: 1, result: { ok: false, error: { code: 'E_VAULT_LOCKED', message: 'locked' } } });
    await expect(b).resolves.toEqual({ ok: true, value: { items: [], total: 0 } });
    await expect(a).resolves.toEqual({ ok: false, error: { code: 'E_VAULT_LOCKED', message: 'locked' } });
  });

  it('turns a malformed answer into a typed error', async () => {
    const { bridge, socket } = await connected();
    const a = bridge.invoke('app.info', {});
    socket.push({ id: 1, result: { ok: 'yes' } });
    await expect(a).resolves.toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
  });

  it('delivers events to subscribers until they unsubscribe, and ignores unknown events', async () => {
    const { bridge, socket } = await connected();
    const seen: unknown[] = [];
    const off = bridge.on('vault.locked', (p) => seen.push(p));
    socket.push({ event: 'vault.locked', payload: { reason: 'idle' } });
    socket.push({ event: 'not.an.event', payload: {} });
    off();
    socket.push({ event: 'vault.locked', payload: { reason: 'manual' } });
    expect(seen).toEqual([{ reason: 'idle' }]);
  });

  it('fails pending calls when the connection drops, then reconnects with the session token', async () => {
    const { bridge, socket } = await connected();
    const pending = bridge.invoke('vault.status', {});
    socket.serverClose(1006, '');
    await expect(pending).resolves.toEqual({ ok: false, error: { code: 'E_INTERNAL', message: CONNECTION_LOST_MESSAGE } });
    expect(CONNECTION_LOST_MESSAGE).toMatch(/^Connection to the Custos core was lost/);
    // While disconnected, calls fail at once instead of hanging.
    await expect(bridge.invoke('app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
    await vi.advanceTimersByTimeAsync(250);
    const again = FakeSocket.all.at(-1)!;
    expect(again).not.toBe(socket);
    expect(again.token).toBe(SESSION);
    again.accept(SESSION2);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.get('custos.bridge.session')).toBe(SESSION2);
    const next = bridge.invoke('app.info', {});
    expect(again.sent).toEqual([{ id: 2, channel: 'app.info', input: {} }]);
    again.push({ id: 2, result: { ok: true, value: 1 } });
    await expect(next).resolves.toEqual({ ok: true, value: 1 });
  });

  it('keeps retrying with backoff while the host is down', async () => {
    const { socket } = await connected();
    socket.serverClose(1001, 'shutting down');
    await vi.advanceTimersByTimeAsync(250);
    FakeSocket.all.at(-1)!.serverClose(1006, '');
    await vi.advanceTimersByTimeAsync(499);
    const count = FakeSocket.all.length;
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all.length).toBe(count + 1);
  });

  it('stops for good when the host refuses the session', async () => {
    const { bridge, socket } = await connected();
    socket.serverClose(4401, 'token invalid');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(store.size).toBe(0);
    await expect(bridge.invoke('app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN_SENDER' } });
  });
});
