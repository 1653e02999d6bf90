import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CustosCore } from '../app/core-types.js';
import { contentSecurityPolicy, HARDENING_HEADERS } from '../platform/csp.js';
import { contentTypeFor, findStaticFile } from '../platform/static-files.js';
import { describeUnexpected } from '../ipc/dispatch.js';
import { Bridge, type UnexpectedErrorLogger } from './bridge.js';
import {
  BRIDGE_PATH,
  BRIDGE_SUBPROTOCOL,
  CLOSE_UNAUTHORIZED,
  MAX_MESSAGE_BYTES,
  TOKEN_SUBPROTOCOL_PREFIX,
} from './protocol.js';
import { BridgeTokens } from './tokens.js';

/**
 * The browser host: serves the built renderer and a WebSocket bridge to the core on 127.0.0.1.
 *
 * Who may talk to the core (token design, decided):
 * 1. Only 127.0.0.1 is bound, and every HTTP request and WebSocket upgrade must carry
 *    `Host: 127.0.0.1:PORT` exactly, so a DNS-rebinding page (evil.example resolving to 127.0.0.1)
 *    is refused.
 * 2. The upgrade to `/bridge` must carry `Origin: http://127.0.0.1:PORT` exactly (HTTP 403
 *    otherwise), so other sites and other local origins cannot open the bridge from a browser.
 * 3. The connection must present a token in `Sec-WebSocket-Protocol`, never in the URL's query:
 *    - the **launch token** (256 random bits, made at start) reaches the page only in the URL
 *      fragment (`#token=…`), which browsers never send over HTTP. It is single-use: the first
 *      connection that presents it consumes it and is handed a fresh **session token**
 *      (`{hello: {session}}`), which the page keeps in sessionStorage to reconnect after a reload
 *      or a dropped connection;
 *    - a connection with no token, a wrong token or the consumed launch token is closed with code
 *      4401 before any message is read, so no channel can be called on it.
 *    Comparisons are constant-time (tokens.ts). See tokens.ts for the rest of the rationale.
 * 4. Every page gets a strict CSP whose connect-src is this bridge only, plus nosniff,
 *    no-referrer and no-store.
 */

export interface WebHostOptions {
  core: CustosCore;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where unexpected core errors are reported; defaults to stderr. */
  logUnexpected?: UnexpectedErrorLogger;
  /** For tests only: a fixed launch token. */
  launchToken?: string;
}

export interface WebHost {
  /** Address to open, with the launch token in its fragment. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export const WEB_HOST_ADDRESS = '127.0.0.1';

/**
 * Close reasons for code 4401 (a close reason is at most 123 bytes); the page turns them into
 * sentences.
 */
export const REFUSAL_REASONS = {
  missing: 'token missing',
  invalid: 'token invalid',
  consumed: 'token already used',
} as const;

function defaultLogUnexpected(channel: string, error: unknown): void {
  console.error(describeUnexpected(channel, error));
}

/** Extracts the offered subprotocols of a WebSocket upgrade. */
function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function tokenFrom(protocols: string[]): string | undefined {
  const tokens = protocols.filter((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  if (tokens.length !== 1) return undefined;
  return tokens[0]!.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
}

/** `new URL` for a request target that must be origin-form (`/path?query`). */
function requestPath(rawUrl: string | undefined): URL | null {
  if (rawUrl === undefined || !rawUrl.startsWith('/')) return null;
  try {
    return new URL(`http://${WEB_HOST_ADDRESS}${rawUrl}`);
  } catch {
    return null;
  }
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { core } = options;
  const rendererDir = resolve(options.rendererDir);
  const tokens = new BridgeTokens(options.launchToken);
  const logUnexpected = options.logUnexpected ?? defaultLogUnexpected;

  // Filled in once listening; no request is accepted before that.
  let port = 0;
  let origin = '';
  let hostHeader = '';
  let csp = '';

  const bridge = new Bridge(core, logUnexpected);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    clientTracking: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(BRIDGE_SUBPROTOCOL) ? BRIDGE_SUBPROTOCOL : false),
  });

  function securityHeaders(res: ServerResponse): void {
    res.setHeader('Content-Security-Policy', csp);
    for (const [name, value] of Object.entries(HARDENING_HEADERS)) res.setHeader(name, value);
  }

  function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    const body = Buffer.from(`${text}\n`, 'utf8');
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, ...extra });
    res.end(body);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    if (req.headers.host !== hostHeader) return plain(res, 421, 'Custos answers only requests addressed to its own 127.0.0.1 address.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    const url = requestPath(req.url);
    if (url === null) return plain(res, 400, 'Bad request.');
    if (url.pathname === BRIDGE_PATH) return plain(res, 426, 'The bridge speaks WebSocket only.', { Upgrade: 'websocket' });
    const file = await findStaticFile(rendererDir, url.pathname);
    if (file === null) return plain(res, 404, 'Not found.');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return plain(res, 404, 'Not found.');
    }
    res.writeHead(200, { 'Content-Type': contentTypeFor(file), 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function refuseUpgrade(socket: Duplex, status: number, text: string): void {
    const body = `${text}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 421 ? 'Misdirected Request' : 'Bad Request'}\r\n` +
        'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (req.headers.host !== hostHeader) return refuseUpgrade(socket, 421, 'Wrong host.');
    const url = requestPath(req.url);
    if (url === null || url.pathname !== BRIDGE_PATH) return refuseUpgrade(socket, 404, 'Not found.');
    // Tokens never travel in the query string; refuse any, so a link with one cannot work by accident.
    if (url.search !== '') return refuseUpgrade(socket, 400, 'The bridge takes no query parameters.');
    if (req.headers.origin !== origin) return refuseUpgrade(socket, 403, 'Wrong origin.');
    const protocols = offeredProtocols(req);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.on('error', () => {
        // ws reports protocol violations (oversized or invalid frames) here and closes; nothing to do.
      });
      // Decided only once the handshake succeeded, so a failed handshake never burns the launch token.
      const verdict = protocols.includes(BRIDGE_SUBPROTOCOL) ? tokens.check(tokenFrom(protocols)) : ({ ok: false, reason: 'missing' } as const);
      if (!verdict.ok) {
        ws.close(CLOSE_UNAUTHORIZED, REFUSAL_REASONS[verdict.reason]);
        // Do not wait long for a refused peer to finish the closing handshake.
        setTimeout(() => ws.terminate(), 2000).unref();
        return;
      }
      bridge.attach(ws, verdict.sessionToken);
    });
  }

  const server = createServer({ requireHostHeader: true }, (req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500, 'Internal error.');
      else res.destroy();
    });
  });
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolveListen, rejectListen) => {
    const onError = (e: Error) => rejectListen(e);
    server.once('error', onError);
    server.listen(options.port ?? 0, WEB_HOST_ADDRESS, () => {
      server.off('error', onError);
      resolveListen();
    });
  }).catch((e: unknown) => {
    bridge.close();
    throw e;
  });

  port = (server.address() as AddressInfo).port;
  origin = `http://${WEB_HOST_ADDRESS}:${port}`;
  hostHeader = `${WEB_HOST_ADDRESS}:${port}`;
  csp = contentSecurityPolicy(`ws://${WEB_HOST_ADDRESS}:${port}`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      bridge.close();
      const clients = [...wss.clients];
      await Promise.all(
        clients.map(
          (ws) =>
            new Promise<void>((done) => {
              if (ws.readyState === ws.CLOSED) return done();
              const timer = setTimeout(() => {
                ws.terminate();
                done();
              }, 1000);
              ws.once('close', () => {
                clearTimeout(timer);
                done();
              });
              ws.close(1001, 'The Custos console is shutting down.');
            }),
        ),
      );
      wss.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    })();
    return closing;
  };

  return { url: `${origin}/#token=${tokens.launchToken}`, origin, port, close };
}
