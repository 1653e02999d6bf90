import type { inventoryChannels } from '../../src-shared/contract-inventory.js';
import { CustosError } from '../errors.js';
import type { CoreContext, HandlersFor } from './core-context.js';

const notYet = async (): Promise<never> => {
  throw new CustosError('E_UNSUPPORTED', 'This inventory channel is being built (issue 8).');
};

/** Handlers for the channels of contract-inventory.ts. */
export function inventoryHandlers(ctx: CoreContext): HandlersFor<typeof inventoryChannels> {
  void ctx;
  return {
    'inventory.query': notYet,
    'inventory.aggregates': notYet,
    'inventory.views.list': notYet,
    'inventory.views.save': notYet,
    'inventory.views.delete': notYet,
    'inventory.bulk': notYet,
    'report.compliance': notYet,
    'report.evidence': notYet,
  };
}
