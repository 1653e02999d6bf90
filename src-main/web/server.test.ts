import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { CHANNEL_NAMES } from '../../src-shared/contract.js';
import type { CoreEventListener, CustosCore } from '../app/core-types.js';
import { CustosError } from '../errors.js';
import type { Handlers } from '../ipc/dispatch.js';
import { startWebHost, type WebHost } from './server.js';

// ---------------------------------------------------------------------------------------------
// A fake core (tests only): the real dispatch() runs in front of it, so inputs and outputs are
// still parsed against the contract.

interface FakeCore extends CustosCore {
  emit: CoreEventListener;
  calls: { channel: string; input: unknown }[];
  closed: boolean;
}

function fakeCore(): FakeCore {
  const listeners = new Set<CoreEventListener>();
  const calls: { channel: string; input: unknown }[] = [];
  const handlers = Object.fromEntries(
    CHANNEL_NAMES.map((c) => [
      c,
      async (input: unknown) => {
        calls.push({ channel: c, input });
        throw new CustosError('E_UNSUPPORTED', `${c} is not in the fake core.`);
      },
    ]),
  ) as unknown as Handlers;
  handlers['app.info'] = async (input) => {
    calls.push({ channel: 'app.info', input });
    return { name: 'Custos', version: '9.9.9-test', host: 'browser', vaultPath: '/tmp/fake-vault' };
  };
  handlers['keys.list'] = async (input) => {
    calls.push({ channel: 'keys.list', input });
    // Echo the parsed limit through `total` to prove the bridge hands dispatch's parsed input on.
    return { items: [], total: input.limit };
  };
  handlers['vault.status'] = async () => {
    throw new Error('sqlite said something about /home/secret/path');
  };
  const core: FakeCore = {
    handlers,
    calls,
    closed: false,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      core.closed = true;
    },
    emit: (event, payload) => {
      for (const l of listeners) l(event, payload);
    },
  };
  return core;
}

// ---------------------------------------------------------------------------------------------
// A WebSocket client that records what happens to it.

interface Conn {
  ws: WebSocket;
  /** Resolves with the HTTP status when the upgrade is refused, or 101 when it succeeded. */
  handshake: Promise<number>;
  closed: Promise<{ code: number; reason: string }>;
  next(): Promise<Record<string, unknown>>;
  messages: Record<string, unknown>[];
}

function connect(
  host: WebHost,
  opts: { token?: string; origin?: string | null; protocols?: string[]; headers?: Record<string, string>; path?: string } = {},
): Conn {
  const protocols = opts.protocols ?? (opts.token === undefined ? [] : ['custos.v1', `custos.token.${opts.token}`]);
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${opts.path ?? '/bridge'}`, protocols, {
    ...(opts.origin === null ? {} : { origin: opts.origin ?? host.origin }),
    headers: opts.headers ?? {},
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(m);
    else messages.push(m);
  });
  ws.on('error', () => {});
  const handshake = new Promise<number>((res) => {
    ws.on('open', () => res(101));
    ws.on('unexpected-response', (_req, response) => {
      res(response.statusCode ?? 0);
      response.resume();
      ws.terminate();
    });
  });
  const closed = new Promise<{ code: number; reason: string }>((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
  return {
    ws,
    handshake,
    closed,
    messages,
    next: () => {
      const m = messages.shift();
      if (m) return Promise.resolve(m);
      return new Promise((res) => waiters.push(res));
    },
  };
}

function launchToken(host: WebHost): string {
  const m = /#token=([0-9a-f]{64})$/.exec(host.url);
  if (!m) throw new Error(`no token in ${host.url}`);
  return m[1]!;
}

async function authed(host: WebHost, token: string): Promise<{ conn: Conn; session: string }> {
  const conn = connect(host, { token });
  expect(await conn.handshake).toBe(101);
  const hello = await conn.next();
  const session = (hello.hello as { session: string }).session;
  expect(session).toMatch(/^[0-9a-f]{64}$/);
  return { conn, session };
}

function call(conn: Conn, id: number | string, channel: string, input: unknown): Promise<Record<string, unknown>> {
  conn.ws.send(JSON.stringify({ id, channel, input }));
  return conn.next();
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function rawGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', rej);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------

let dir: string;
let rendererDir: string;
const SECRET = 'TOP-SECRET-OUTSIDE-THE-RENDERER';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custos-web-test-'));
  rendererDir = join(dir, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'package.json'), `{"secret": "${SECRET}"}`);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Custos</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  await writeFile(join(rendererDir, 'assets', 'style.css'), 'body{}');
  await symlink(dir, join(rendererDir, 'escape'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let host: WebHost;
let core: FakeCore;
const unexpected: unknown[] = [];

async function start(): Promise<void> {
  core = fakeCore();
  host = await startWebHost({ core, rendererDir, port: 0, logUnexpected: (_c, e) => unexpected.push(e) });
}

afterEach(async () => {
  await host?.close();
});

describe('startWebHost', () => {
  it('listens on 127.0.0.1 and puts a 256-bit token in the fragment only', async () => {
    await start();
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.port).toBeGreaterThan(0);
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#token=[0-9a-f]{64}$`));
  });

  it('gives every start a different launch token', async () => {
    await start();
    const first = launchToken(host);
    await host.close();
    await start();
    expect(launchToken(host)).not.toBe(first);
  });
});

describe('static files', () => {
  it('serves index.html with the strict CSP and hardening headers', async () => {
    await start();
    const r = await rawGet(host.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('<title>Custos</title>');
    expect(r.headers['content-security-policy']).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; ` +
        `connect-src ws://127.0.0.1:${host.port}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });

  it('serves assets with their content types', async () => {
    await start();
    const js = await rawGet(host.port, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const css = await rawGet(host.port, '/assets/style.css?v=1');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    await start();
    const head = await rawGet(host.port, '/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await rawGet(host.port, '/', {}, 'POST');
    expect(post.status).toBe(405);
  });

  it('answers 404 for missing files, with the security headers too', async () => {
    await start();
    const r = await rawGet(host.port, '/nope.js');
    expect(r.status).toBe(404);
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it.each([
    '/../package.json',
    '/../../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/package.json',
    '/..%2fpackage.json',
    '/..%2Fpackage.json',
    '/%2e%2e%2fpackage.json',
    '/..%5cpackage.json',
    '/assets/../../package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/%252e%252e/package.json',
    '/escape/package.json',
    '//package.json',
    '/.%2e/package.json',
    '/index.html%00.js',
    '/%',
    '/%2Fetc%2Fpasswd',
    '/C:%5cWindows%5cwin.ini',
    'package.json',
  ])('refuses the traversal %s', async (path) => {
    await start();
    // A request line Node cannot parse is dropped (socket hang up): refused as well.
    const r = await rawGet(host.port, path).catch(() => ({ status: 400, body: '', headers: {} }));
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body).not.toContain(SECRET);
  });

  it('refuses requests whose Host is not 127.0.0.1:PORT (DNS rebinding)', async () => {
    await start();
    for (const hostHeader of ['evil.example', `evil.example:${host.port}`, `localhost:${host.port}`, '127.0.0.1', `127.0.0.1:${host.port + 1}`]) {
      const r = await rawGet(host.port, '/', { Host: hostHeader });
      expect(r.status, hostHeader).toBe(421);
      expect(r.body).not.toContain('<title>');
    }
  });

  it('answers plain HTTP on /bridge with 426', async () => {
    await start();
    expect((await rawGet(host.port, '/bridge')).status).toBe(426);
  });
});

describe('bridge authentication', () => {
  it('accepts the launch token and hands out a session token', async () => {
    await start();
    const { conn, session } = await authed(host, launchToken(host));
    expect(conn.ws.protocol).toBe('custos.v1');
    expect(session).not.toBe(launchToken(host));
    conn.ws.close();
  });

  it('refuses a connection without a token with 4401, and never runs a call on it', async () => {
    await start();
    const conn = connect(host, { protocols: [] });
    conn.ws.on('open', () => conn.ws.send(JSON.stringify({ id: 1, channel: 'app.info', input: {} })));
    expect(await conn.handshake).toBe(101);
    const closed = await conn.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toBe('token missing');
    expect(conn.messages).toEqual([]);
    expect(core.calls).toEqual([]);
  });

  it('refuses the subprotocol without a token', async () => {
    await start();
    const conn = connect(host, { protocols: ['custos.v1'] });
    expect((await conn.closed).code).toBe(4401);
  });

  it('refuses a wrong token, and a malformed one', async () => {
    await start();
    for (const token of ['0'.repeat(64), launchToken(host).slice(0, 63) + (launchToken(host).endsWith('0') ? '1' : '0'), 'abc', launchToken(host).toUpperCase()]) {
      const conn = connect(host, { token });
      conn.ws.on('open', () => conn.ws.send(JSON.stringify({ id: 1, channel: 'app.info', input: {} })));
      const closed = await conn.closed;
      expect(closed.code, token).toBe(4401);
      expect(conn.messages).toEqual([]);
    }
    expect(core.calls).toEqual([]);
    // The wrong tokens did not burn the real one.
    const { conn } = await authed(host, launchToken(host));
    conn.ws.close();
  });

  it('refuses a second use of the launch token, even while the first connection is open', async () => {
    await start();
    const token = launchToken(host);
    const first = await authed(host, token);
    const second = connect(host, { token });
    const closed = await second.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toBe('token already used');
    // And after the first one is gone.
    first.conn.ws.close();
    await first.conn.closed;
    const third = connect(host, { token });
    expect((await third.closed).code).toBe(4401);
  });

  it('lets the session token reconnect, several times', async () => {
    await start();
    const first = await authed(host, launchToken(host));
    first.conn.ws.close();
    await first.conn.closed;
    for (let i = 0; i < 2; i++) {
      const again = await authed(host, first.session);
      expect(again.session).toBe(first.session);
      expect(await call(again.conn, 7, 'app.info', {})).toMatchObject({ id: 7, result: { ok: true } });
      again.conn.ws.close();
      await again.conn.closed;
    }
  });

  it('refuses a wrong Origin, and a missing one, at the HTTP level', async () => {
    await start();
    const token = launchToken(host);
    for (const origin of ['http://evil.example', `http://localhost:${host.port}`, `http://127.0.0.1:${host.port + 1}`, 'null', `https://127.0.0.1:${host.port}`, `${host.origin}/`]) {
      const conn = connect(host, { token, origin });
      expect(await conn.handshake, origin).toBe(403);
    }
    const none = connect(host, { token, origin: null });
    expect(await none.handshake).toBe(403);
    // None of that consumed the launch token.
    const { conn } = await authed(host, token);
    conn.ws.close();
  });

  it('refuses an upgrade whose Host is wrong, on another path, or with a query string', async () => {
    await start();
    const token = launchToken(host);
    expect(await connect(host, { token, headers: { Host: `localhost:${host.port}` } }).handshake).toBe(421);
    expect(await connect(host, { token, path: '/other' }).handshake).toBe(404);
    expect(await connect(host, { token, path: `/bridge?token=${token}` }).handshake).toBe(400);
    const { conn } = await authed(host, token);
    conn.ws.close();
  });

  it('refuses an offer without the custos.v1 subprotocol', async () => {
    await start();
    const conn = connect(host, { protocols: [`custos.token.${launchToken(host)}`] });
    // The server picks no subprotocol, so the client aborts the handshake.
    const closed = await conn.closed;
    expect(closed.code).not.toBe(1000);
    expect(core.calls).toEqual([]);
  });
});

describe('bridge calls', () => {
  it('round-trips a channel call exactly as dispatch() answers it', async () => {
    await start();
    const { conn } = await authed(host, launchToken(host));
    expect(await call(conn, 1, 'app.info', {})).toEqual({
      id: 1,
      result: { ok: true, value: { name: 'Custos', version: '9.9.9-test', host: 'browser', vaultPath: '/tmp/fake-vault' } },
    });
    // Defaults from the contract are applied before the handler runs.
    expect(await call(conn, 'two', 'keys.list', {})).toEqual({ id: 'two', result: { ok: true, value: { items: [], total: 100 } } });
    conn.ws.close();
  });

  it('answers contract errors with typed results', async () => {
    await start();
    const { conn } = await authed(host, launchToken(host));
    const unknown = await call(conn, 1, 'fs.readFile', { path: '/etc/passwd' });
    expect(unknown).toMatchObject({ id: 1, result: { ok: false, error: { code: 'E_UNKNOWN_CHANNEL' } } });
    const badInput = await call(conn, 2, 'keys.list', { limit: 'all' });
    expect(badInput).toMatchObject({ id: 2, result: { ok: false, error: { code: 'E_INPUT' } } });
    const proto = await call(conn, 3, '__proto__', {});
    expect(proto).toMatchObject({ id: 3, result: { ok: false, error: { code: 'E_UNKNOWN_CHANNEL' } } });
    const unsupported = await call(conn, 4, 'keys.generate', { name: 'k', algorithm: 'aes-256' });
    expect(unsupported).toMatchObject({ id: 4, result: { ok: false, error: { code: 'E_UNSUPPORTED' } } });
    const internal = await call(conn, 5, 'vault.status', {});
    expect(internal).toMatchObject({ id: 5, result: { ok: false, error: { code: 'E_INTERNAL' } } });
    expect(JSON.stringify(internal)).not.toContain('/home/secret');
    expect(unexpected.length).toBeGreaterThan(0);
    conn.ws.close();
  });

  it('answers malformed messages with a typed error and keeps the connection', async () => {
    await start();
    const { conn } = await authed(host, launchToken(host));
    for (const bad of ['not json', '{"id": 1, "channel": ', '[1,2,3]', 'null', '42', '{"channel":"app.info"}', '{"id":{},"channel":"app.info"}', `{"id":"${'x'.repeat(65)}","channel":"app.info"}`, '{"id":1.5,"channel":"app.info"}']) {
      conn.ws.send(bad);
      const answer = await conn.next();
      expect(answer, bad).toMatchObject({ id: null, result: { ok: false, error: { code: 'E_INPUT' } } });
    }
    conn.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await conn.next()).toMatchObject({ id: null, result: { ok: false, error: { code: 'E_INPUT' } } });
    // Still alive.
    expect(await call(conn, 9, 'app.info', {})).toMatchObject({ id: 9, result: { ok: true } });
    conn.ws.close();
  });

  it('closes a connection that sends more than 1 MiB, and the server keeps serving', async () => {
    await start();
    const token = launchToken(host);
    const { conn, session } = await authed(host, token);
    conn.ws.send(JSON.stringify({ id: 1, channel: 'app.info', input: { pad: 'x'.repeat(1024 * 1024 + 10) } }));
    expect((await conn.closed).code).toBe(1009);
    const again = await authed(host, session);
    expect(await call(again.conn, 2, 'app.info', {})).toMatchObject({ id: 2, result: { ok: true } });
    again.conn.ws.close();
  });

  it('pushes core events to every authenticated connection', async () => {
    await start();
    const a = await authed(host, launchToken(host));
    const b = await authed(host, a.session);
    core.emit('vault.locked', { reason: 'idle' });
    expect(await a.conn.next()).toEqual({ event: 'vault.locked', payload: { reason: 'idle' } });
    expect(await b.conn.next()).toEqual({ event: 'vault.locked', payload: { reason: 'idle' } });
    a.conn.ws.close();
    b.conn.ws.close();
  });

  it('does not push events to refused connections', async () => {
    await start();
    const refused = connect(host, { protocols: [] });
    await refused.handshake;
    core.emit('vault.locked', { reason: 'manual' });
    await refused.closed;
    expect(refused.messages).toEqual([]);
  });

  it('closes open connections with 1001 and stops listening on close(), without closing the core', async () => {
    await start();
    const { conn } = await authed(host, launchToken(host));
    await host.close();
    expect((await conn.closed).code).toBe(1001);
    expect(core.closed).toBe(false);
    await expect(rawGet(host.port, '/')).rejects.toThrow();
  });
});
