import type { RawData, WebSocket } from 'ws';
import { EVENT_NAMES, type EventName } from '../../src-shared/contract.js';
import type { Result } from '../../src-shared/errors.js';
import type { CustosCore } from '../app/core-types.js';
import { dispatch } from '../ipc/dispatch.js';
import { toErrorShape } from '../errors.js';
import { MAX_IN_FLIGHT, type CallId } from './protocol.js';

export type UnexpectedErrorLogger = (channel: string, error: unknown) => void;

const eventNames = new Set<string>(EVENT_NAMES);

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function isCallId(id: unknown): id is CallId {
  return (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.length > 0 && id.length <= 64);
}

function inputError(message: string): Result<never> {
  return { ok: false, error: { code: 'E_INPUT', message } };
}

const MALFORMED = 'The Custos bridge accepts only JSON text messages of the form {"id", "channel", "input"}.';

/**
 * The authenticated side of the bridge: every connection here has presented a valid token. Runs
 * each call through the same dispatch() as the Electron host and pushes core events to every
 * connection. Nothing a page sends can throw out of here.
 */
export class Bridge {
  private readonly sockets = new Set<WebSocket>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: CustosCore,
    private readonly logUnexpected: UnexpectedErrorLogger,
  ) {
    this.unsubscribe = core.subscribe((event, payload) => this.broadcast(event, payload));
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  attach(ws: WebSocket, sessionToken: string): void {
    this.sockets.add(ws);
    let inFlight = 0;
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        send(ws, { id: null, result: inputError(MALFORMED) });
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(rawToString(data));
      } catch {
        send(ws, { id: null, result: inputError(MALFORMED) });
        return;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        send(ws, { id: null, result: inputError(MALFORMED) });
        return;
      }
      const { id, channel, input } = message as { id?: unknown; channel?: unknown; input?: unknown };
      if (!isCallId(id)) {
        send(ws, { id: null, result: inputError(`${MALFORMED} The id must be an integer or a string of at most 64 characters.`) });
        return;
      }
      if (inFlight >= MAX_IN_FLIGHT) {
        send(ws, { id, result: { ok: false, error: { code: 'E_INTERNAL', message: `Too many calls at once (at most ${MAX_IN_FLIGHT}); try again when earlier ones finish.` } } });
        return;
      }
      inFlight++;
      dispatch(this.core.handlers, channel, input, this.logUnexpected)
        .catch((e: unknown): Result<unknown> => {
          this.logUnexpected(String(channel), e);
          return { ok: false, error: toErrorShape(e) };
        })
        .then((result) => {
          inFlight--;
          if (!send(ws, { id, result })) {
            send(ws, { id, result: { ok: false, error: { code: 'E_INTERNAL', message: 'The answer could not be encoded; nothing was shown.' } } });
          }
        });
    });
    send(ws, { hello: { session: sessionToken } });
  }

  private broadcast(event: EventName, payload: unknown): void {
    if (!eventNames.has(event)) return;
    for (const ws of this.sockets) send(ws, { event, payload });
  }

  close(): void {
    this.unsubscribe();
  }
}

/** Sends one message; false only when it could not be encoded as JSON. */
function send(ws: WebSocket, message: unknown): boolean {
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch {
    return false;
  }
  if (ws.readyState === ws.OPEN) {
    ws.send(text, () => {
      // A failed send means the connection is going away; 'close' cleans up.
    });
  }
  return true;
}
