/**
 * Schema version 11: the rotation-due recompute after a policy change runs in slices, and the
 * "any finding" count stays index-only at a million keys (issue 8).
 *
 * - inventory_meta.rescan_after: the rowid up to which keys were recomputed under the current
 *   policy while all_stale = 1. Each slice (src-main/inventory/due.ts rescanSlice) commits its
 *   keys and this cursor together, so a crash mid-way leaves a state the next open continues
 *   from. A policy change (the settings triggers, recreated here) starts over at rowid 0.
 * - keys_by_group gains the due date and its rule after the ten group attributes (same name, same
 *   leading columns: its existing uses are unchanged). "Overdue under a cryptoperiod rule, in a
 *   group no static policy finding flags" is then one index range per group, read from the index
 *   alone — the part of an any-finding count that read ~120,000 rows at a million keys.
 */
export const version = 11;

const resetOnPolicy = (when: string) => `WHEN ${when} BEGIN
  UPDATE inventory_meta SET all_stale = 1, rescan_after = 0;
END;`;

export const sql = `
ALTER TABLE inventory_meta ADD COLUMN rescan_after INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER settings_policy_insert;
DROP TRIGGER settings_policy_update;
DROP TRIGGER settings_policy_delete;
CREATE TRIGGER settings_policy_insert AFTER INSERT ON settings ${resetOnPolicy("NEW.k = 'policy-composition'")}
CREATE TRIGGER settings_policy_update AFTER UPDATE ON settings ${resetOnPolicy("NEW.k = 'policy-composition'")}
CREATE TRIGGER settings_policy_delete AFTER DELETE ON settings ${resetOnPolicy("OLD.k = 'policy-composition'")}

DROP INDEX keys_by_group;
CREATE INDEX keys_by_group ON keys (algorithm, family, size, coalesce(curve, ''), usage_mask, coalesce(purpose, ''), store, coalesce(token_serial, ''), extractable, state,
  coalesce(due_at, '9999'), coalesce(due_rule, ''));
`;
