import type { analysisChannels } from '../../src-shared/contract-analysis.js';
import type { CoreContext, HandlersFor } from './core-context.js';

/** Handlers for the channels of contract-analysis.ts. */
export function analysisHandlers(ctx: CoreContext): HandlersFor<typeof analysisChannels> {
  void ctx;
  return {};
}
