import type { inventoryChannels } from '../../src-shared/contract-inventory.js';
import type { CoreContext, HandlersFor } from './core-context.js';

/** Handlers for the channels of contract-inventory.ts. */
export function inventoryHandlers(ctx: CoreContext): HandlersFor<typeof inventoryChannels> {
  void ctx;
  return {};
}
