import { z } from 'zod';
import {
  channels,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type CustosBridge,
  type EventName,
  type EventPayload,
} from '../../src-shared/contract';
import { ERROR_CODES, type ErrorCode } from '../../src-shared/errors';

// The page runs under a CSP without 'unsafe-eval': keep zod from even probing `new Function`
// (the probe is caught, but Chromium still reports a CSP violation).
z.config({ jitless: true });

/** A failure reported by the core (or by the client before the call left), with its contract code. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

export function isApiError(err: unknown, code?: ErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/** A readable message for anything a call can throw. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

type InputArgs<C extends ChannelName> = Record<never, never> extends ChannelInput<C>
  ? [input?: ChannelInput<C>]
  : [input: ChannelInput<C>];

export interface Api {
  /** Connects (once) and tells which host carries the bridge. */
  connect(): Promise<CustosBridge['host']>;
  /** Calls a channel; resolves with its value or throws an ApiError. */
  call<C extends ChannelName>(channel: C, ...args: InputArgs<C>): Promise<ChannelOutput<C>>;
  /** Subscribes to a core event; returns the unsubscribe function. Works before connect resolves. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? issue.message : 'The request is not valid.';
}

/**
 * The typed client over a bridge. Inputs are checked against the contract before they leave (so a
 * form gets the same message the core would give, without a round trip) and outputs are checked
 * when they arrive, so a host that drifts from the contract fails loudly instead of rendering junk.
 */
export function createApi(getBridge: () => Promise<CustosBridge>): Api {
  let bridge: Promise<CustosBridge> | null = null;
  const connectOnce = (): Promise<CustosBridge> => {
    if (!bridge) {
      bridge = getBridge().catch((err: unknown) => {
        bridge = null; // allow a retry
        throw err;
      });
    }
    return bridge;
  };

  return {
    async connect() {
      return (await connectOnce()).host;
    },

    async call<C extends ChannelName>(channel: C, ...args: InputArgs<C>): Promise<ChannelOutput<C>> {
      const input = (args[0] ?? {}) as ChannelInput<C>;
      const spec = channels[channel];
      const checked = spec.input.safeParse(input);
      if (!checked.success) throw new ApiError('E_INPUT', firstIssue(checked.error));
      let b: CustosBridge;
      try {
        b = await connectOnce();
      } catch (err) {
        throw new ApiError('E_INTERNAL', `The Custos core is not reachable: ${errorMessage(err)}`);
      }
      const result: unknown = await b.invoke(channel, input);
      if (typeof result !== 'object' || result === null || !('ok' in result)) {
        throw new ApiError('E_INTERNAL', `The core sent a malformed reply on ${channel}.`);
      }
      if (result.ok !== true) {
        const error = (result as { error?: { code?: unknown; message?: unknown } }).error;
        const code = typeof error?.code === 'string' && KNOWN_CODES.has(error.code) ? (error.code as ErrorCode) : 'E_INTERNAL';
        const message = typeof error?.message === 'string' ? error.message : `The call ${channel} failed.`;
        throw new ApiError(code, message);
      }
      const out = spec.output.safeParse((result as { value?: unknown }).value);
      if (!out.success) {
        throw new ApiError('E_INTERNAL', `The core sent a reply on ${channel} that does not match the contract: ${firstIssue(out.error)}`);
      }
      return out.data as ChannelOutput<C>;
    },

    on(event, listener) {
      let unsubscribe: (() => void) | null = null;
      let cancelled = false;
      connectOnce().then(
        (b) => {
          if (!cancelled) unsubscribe = b.on(event, listener);
        },
        () => undefined, // connection errors surface through connect() and call()
      );
      return () => {
        cancelled = true;
        unsubscribe?.();
        unsubscribe = null;
      };
    },
  };
}
