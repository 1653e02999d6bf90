import type { ceremoniesChannels } from '../../src-shared/contract-ceremonies.js';
import type { CoreContext, HandlersFor } from './core-context.js';

/** Handlers for the channels of contract-ceremonies.ts. */
export function ceremoniesHandlers(ctx: CoreContext): HandlersFor<typeof ceremoniesChannels> {
  void ctx;
  return {};
}
