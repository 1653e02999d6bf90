import {
  EVENT_NAMES,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type CustosBridge,
  type EventName,
  type EventPayload,
} from '../../src-shared/contract';
import type { ErrorCode, Result } from '../../src-shared/errors';

/**
 * `window.custos` for browser mode: the same bridge the Electron preload exposes, carried over a
 * WebSocket to the browser host on 127.0.0.1 (src-main/web/server.ts has the other side and the
 * full token design).
 *
 * - The host prints `http://127.0.0.1:PORT/#token=<launch token>`. The fragment never goes over
 *   HTTP; this module reads it and at once removes it from the address bar and history.
 * - The token is presented in the WebSocket subprotocol list (`custos.v1`, `custos.token.<hex>`).
 *   The launch token works once; the host answers `{hello: {session}}` with a session token, kept
 *   in sessionStorage (this tab, this origin) to reconnect after a reload or a dropped connection.
 * - A refused token closes the socket with code 4401; this module turns that into a sentence.
 */

const BRIDGE_PATH = '/bridge';
const SUBPROTOCOL = 'custos.v1';
const TOKEN_PREFIX = 'custos.token.';
const CLOSE_UNAUTHORIZED = 4401;
const SESSION_KEY = 'custos.bridge.session';
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;
const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

export const CONNECTION_LOST_MESSAGE =
  'Connection to the Custos core was lost before the answer arrived; check whether the action took effect before repeating it.';
const NOT_CONNECTED_MESSAGE = 'Connection to the Custos core was lost; reconnecting. Try again in a moment.';

const REFUSALS: Record<string, string> = {
  'token missing':
    'This page was opened without its access token. Open the address Custos printed when it started (npm start prints it), or start Custos again.',
  'token invalid':
    'The access token of this page is not valid for the running Custos console (was it restarted?). Open the address Custos printed when it started.',
  'token already used':
    'This console link was already used: each link opens the console once. Go back to the window that has it open, or start Custos again for a new link.',
};
const REFUSED_DEFAULT = 'The Custos console refused this page. Open the address Custos printed when it started.';

/** Why the bridge could not be set up; `code` uses the contract's error codes. */
export class WebBridgeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'WebBridgeError';
    this.code = code;
  }
}

function failure(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/** Reads `#token=…` and removes it from the address (and from history) whatever it holds. */
function takeLaunchToken(): string | null {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  if (hash === '') return null;
  const params = new URLSearchParams(hash);
  if (!params.has('token')) return null;
  const token = params.get('token');
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest === '' ? '' : `#${rest}`}`);
  return token !== null && TOKEN_PATTERN.test(token) ? token : null;
}

function readSession(): string | null {
  try {
    const value = sessionStorage.getItem(SESSION_KEY);
    return value !== null && TOKEN_PATTERN.test(value) ? value : null;
  } catch {
    return null;
  }
}

function writeSession(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(SESSION_KEY);
    else sessionStorage.setItem(SESSION_KEY, token);
  } catch {
    // Storage disabled: the tab works until it is reloaded.
  }
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { ok?: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

type Listener = (payload: unknown) => void;
type Opened = { ws: WebSocket; session: string };

/**
 * Opens one authenticated connection: resolves once the host has accepted the token (its hello
 * arrived), rejects with a WebBridgeError when it was refused or could not be reached.
 */
function openSocket(token: string, onMessage: (data: unknown) => void): Promise<Opened> {
  return new Promise<Opened>((resolve, reject) => {
    let settled = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(`ws://${location.host}${BRIDGE_PATH}`, [SUBPROTOCOL, `${TOKEN_PREFIX}${token}`]);
    } catch {
      reject(new WebBridgeError('E_INTERNAL', 'The Custos console could not be reached.'));
      return;
    }
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      ws.close();
      reject(new WebBridgeError('E_INTERNAL', 'The Custos console did not answer. Is it still running?'));
    }, CONNECT_TIMEOUT_MS);
    ws.addEventListener('message', (ev: MessageEvent) => {
      let data: unknown;
      try {
        data = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!settled) {
        const hello = (data as { hello?: { session?: unknown } } | null)?.hello;
        if (hello && typeof hello.session === 'string' && TOKEN_PATTERN.test(hello.session)) {
          settled = true;
          clearTimeout(timer);
          resolve({ ws, session: hello.session });
        }
        return;
      }
      onMessage(data);
    });
    ws.addEventListener('close', (ev: CloseEvent) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ev.code === CLOSE_UNAUTHORIZED) reject(new WebBridgeError('E_FORBIDDEN_SENDER', REFUSALS[ev.reason] ?? REFUSED_DEFAULT));
      else reject(new WebBridgeError('E_INTERNAL', 'The Custos console could not be reached. Is it still running?'));
    });
  });
}

export async function connectWebBridge(): Promise<CustosBridge> {
  const launch = takeLaunchToken();
  const stored = readSession();
  if (launch === null && stored === null) throw new WebBridgeError('E_FORBIDDEN_SENDER', REFUSALS['token missing']!);

  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<Listener>>();
  const eventNames = new Set<string>(EVENT_NAMES);
  let nextId = 1;
  let ws: WebSocket | null = null;
  let session: string;
  /** Set when the host refused our session for good; every later call fails with it. */
  let refusal: string | null = null;
  let attempts = 0;

  function onMessage(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const m = data as { id?: unknown; result?: unknown; event?: unknown; payload?: unknown; hello?: unknown };
    if (typeof m.id === 'number') {
      const settle = pending.get(m.id);
      if (!settle) return;
      pending.delete(m.id);
      settle(isResult(m.result) ? m.result : failure('E_INTERNAL', 'The Custos console sent a malformed answer; nothing was shown.'));
    } else if (typeof m.event === 'string' && eventNames.has(m.event)) {
      for (const listener of [...(listeners.get(m.event as EventName) ?? [])]) {
        try {
          listener(m.payload);
        } catch (e) {
          console.error('custos: an event listener failed', e);
        }
      }
    }
  }

  function adopt(opened: Opened): void {
    ws = opened.ws;
    session = opened.session;
    writeSession(session);
    attempts = 0;
    const current = opened.ws;
    current.addEventListener('close', (ev: CloseEvent) => {
      if (ws !== current) return;
      ws = null;
      for (const settle of pending.values()) settle(failure('E_INTERNAL', CONNECTION_LOST_MESSAGE));
      pending.clear();
      if (ev.code === CLOSE_UNAUTHORIZED) {
        refusal = REFUSALS[ev.reason] ?? REFUSED_DEFAULT;
        writeSession(null);
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect(): void {
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempts);
    attempts++;
    setTimeout(() => {
      openSocket(session, onMessage).then(adopt, (e: unknown) => {
        if (e instanceof WebBridgeError && e.code === 'E_FORBIDDEN_SENDER') {
          refusal = e.message;
          writeSession(null);
        } else scheduleReconnect();
      });
    }, delay);
  }

  let opened: Opened;
  if (launch !== null) {
    try {
      opened = await openSocket(launch, onMessage);
    } catch (e) {
      // A reload of a tab whose link was already used still has its session.
      if (stored === null || !(e instanceof WebBridgeError) || e.code !== 'E_FORBIDDEN_SENDER') throw e;
      opened = await openSocket(stored, onMessage);
    }
  } else {
    try {
      opened = await openSocket(stored!, onMessage);
    } catch (e) {
      if (e instanceof WebBridgeError && e.code === 'E_FORBIDDEN_SENDER') writeSession(null);
      throw e;
    }
  }
  adopt(opened);

  const bridge: CustosBridge = {
    host: 'browser',
    invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
      const socket = ws;
      if (refusal !== null) return Promise.resolve(failure('E_FORBIDDEN_SENDER', refusal));
      if (socket === null || socket.readyState !== WebSocket.OPEN) return Promise.resolve(failure('E_INTERNAL', NOT_CONNECTED_MESSAGE));
      const id = nextId++;
      return new Promise<Result<ChannelOutput<C>>>((resolve) => {
        pending.set(id, resolve as (r: Result<unknown>) => void);
        try {
          socket.send(JSON.stringify({ id, channel, input: input ?? {} }));
        } catch {
          pending.delete(id);
          resolve(failure('E_INPUT', `The input for ${channel} could not be sent.`));
        }
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (!eventNames.has(event)) return () => {};
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const wrapped: Listener = (payload) => listener(payload as EventPayload<E>);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  };
  return bridge;
}
