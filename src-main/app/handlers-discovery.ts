import type { discoveryChannels } from '../../src-shared/contract-discovery.js';
import type { CoreContext, HandlersFor } from './core-context.js';

/** Handlers for the channels of contract-discovery.ts. */
export function discoveryHandlers(ctx: CoreContext): HandlersFor<typeof discoveryChannels> {
  void ctx;
  return {};
}
