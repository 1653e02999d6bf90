import type { Db } from '../vault/database.js';
import { activePolicy } from '../app/policy-service.js';
import type { ComposedPolicy } from '../policy/index.js';

/**
 * The active policy, composed once per composition: composing parses and compiles every rule
 * (milliseconds), and the inventory needs it on every filtered page and every dashboard refresh.
 * Keyed by the stored composition text, so a policy change is seen at once.
 */
const cache = new WeakMap<Db, { text: string | null; policy: ComposedPolicy }>();

export function inventoryPolicy(db: Db): ComposedPolicy {
  const text = (db.prepare("SELECT v FROM settings WHERE k = 'policy-composition'").pluck().get() as string | undefined) ?? null;
  const hit = cache.get(db);
  if (hit && hit.text === text) return hit.policy;
  const policy = activePolicy(db);
  cache.set(db, { text, policy });
  return policy;
}
