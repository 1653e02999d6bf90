import { test, expect } from './fixtures';
import { initTokenOperation } from '../src-main/app/token-operations';
import { TOKEN_INIT_ROLES } from '../src-renderer/lib/tokens';

// Who may ask for a token to be initialised is a property of the core's dual-control operation,
// not of the shared role table, so the console keeps a copy to decide whether "Initialise…" is
// offered. Only these specs see both layers.
test('the console offers token initialisation to the roles the core accepts', () => {
  expect([...TOKEN_INIT_ROLES].sort()).toEqual([...initTokenOperation.requesterRoles].sort());
});
