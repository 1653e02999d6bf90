import type { z } from 'zod';
import {
  channels,
  type ChannelName,
  type ChannelOutput,
  type ChannelParsedInput,
} from '../../src-shared/contract.js';
import type { Result } from '../../src-shared/errors.js';
import { CustosError, toErrorShape } from '../errors.js';

export type Handlers = {
  [C in ChannelName]: (input: ChannelParsedInput<C>) => Promise<ChannelOutput<C>>;
};

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * The single entry point every host calls: parse the input against the contract, run the handler,
 * parse the output, and fold any failure into a typed error. Hosts check the sender before calling.
 */
export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  rawInput: unknown,
  onUnexpected: (channel: string, error: unknown) => void = () => {},
): Promise<Result<unknown>> {
  if (!isChannelName(channel)) {
    return { ok: false, error: { code: 'E_UNKNOWN_CHANNEL', message: `There is no channel named ${JSON.stringify(String(channel)).slice(0, 80)}.` } };
  }
  const spec = channels[channel];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'E_INPUT', message: `Invalid input for ${channel}: ${describeIssues(parsed.error)}` } };
  }
  try {
    const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    const out = spec.output.safeParse(value);
    if (!out.success) {
      throw new CustosError('E_INTERNAL', `The core produced a malformed answer on ${channel}; nothing was shown.`);
    }
    return { ok: true, value: out.data };
  } catch (e) {
    const shape = toErrorShape(e);
    if (shape.code === 'E_INTERNAL') onUnexpected(channel, e);
    return { ok: false, error: shape };
  }
}

/**
 * The line a host logs for an unexpected failure: the channel, the error's class and where it was
 * thrown, never its message. Library messages can quote what they were given (a passphrase, a PIN,
 * key bytes), and logs outlive the session.
 */
export function describeUnexpected(channel: string, error: unknown): string {
  if (!(error instanceof Error)) return `custos: unexpected ${typeof error} thrown on ${channel}`;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 8)
    .join('\n');
  return `custos: unexpected ${error.name} on ${channel}${frames ? `\n${frames}` : ''}`;
}
