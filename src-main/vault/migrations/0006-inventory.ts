/**
 * Schema version 6: inventory metadata (owner, tags, saved views) and what keeps the inventory
 * query and the dashboard fast at a million keys (issue 8).
 *
 * - Sort indexes end in created_at (the table's rowid follows implicitly), so every sort of the
 *   inventory is one index walk and keyset paging continues from (value, created_at, rowid).
 *   Nullable columns are indexed as coalesce(…, '') expressions and queried the same way.
 * - inventory_groups counts keys per combination of every attribute a policy rule or a chart
 *   looks at (a few hundred rows for any realistic estate), maintained by triggers in the same
 *   transaction as the key change: counts by state, algorithm, store, purpose and the compliance
 *   score (policy judged once per group) read this table, not the keys.
 * - keys.due_at / due_rule cache when each active key must be rotated under the active policy
 *   (computed in src-main/inventory/due.ts with the policy engine). Triggers mark a key stale
 *   when anything the date depends on changes, and the whole cache stale when the policy
 *   composition changes; the inventory refreshes stale entries before it answers.
 *   inventory_due_days counts due dates per day and rule (triggers again), for "rotations due per
 *   month" and the cryptoperiod histogram without touching the keys.
 */
export const version = 6;

const GROUP_COLUMNS = 'algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state';
const groupValues = (r: 'NEW' | 'OLD') =>
  `${r}.algorithm, ${r}.family, ${r}.size, coalesce(${r}.curve, ''), ${r}.usage_mask, coalesce(${r}.purpose, ''), ${r}.store, coalesce(${r}.token_serial, ''), ${r}.extractable, ${r}.state`;
const groupMatch = (r: 'NEW' | 'OLD') =>
  `algorithm = ${r}.algorithm AND family = ${r}.family AND size = ${r}.size AND curve = coalesce(${r}.curve, '') AND usage_mask = ${r}.usage_mask
   AND purpose = coalesce(${r}.purpose, '') AND store = ${r}.store AND token_serial = coalesce(${r}.token_serial, '') AND extractable = ${r}.extractable AND state = ${r}.state`;

export const sql = `
ALTER TABLE keys ADD COLUMN owner TEXT;
ALTER TABLE keys ADD COLUMN due_at TEXT;
ALTER TABLE keys ADD COLUMN due_rule TEXT;
-- The key's tags as ',a,b,' for display; key_tags is what filters use. Both are written together
-- (src-main/inventory/bulk.ts): a second index by key would cost ~80 bytes per key.
ALTER TABLE keys ADD COLUMN tags TEXT;

CREATE INDEX keys_by_size ON keys (size, created_at);
CREATE INDEX keys_by_purpose ON keys (coalesce(purpose, ''), created_at);
CREATE INDEX keys_by_owner ON keys (coalesce(owner, '') COLLATE NOCASE, created_at);
CREATE INDEX keys_by_due ON keys (coalesce(due_at, '9999'), created_at);

CREATE TABLE key_tags (
  tag TEXT NOT NULL,
  key_id TEXT NOT NULL REFERENCES keys (id),
  PRIMARY KEY (tag, key_id)
) WITHOUT ROWID;

CREATE TABLE saved_views (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  filter TEXT NOT NULL,
  sort TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE inventory_groups (
  algorithm TEXT NOT NULL,
  family TEXT NOT NULL,
  size INTEGER NOT NULL,
  curve TEXT NOT NULL,
  usage_mask INTEGER NOT NULL,
  purpose TEXT NOT NULL,
  store TEXT NOT NULL,
  token_serial TEXT NOT NULL,
  extractable INTEGER NOT NULL,
  state TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (${GROUP_COLUMNS})
) WITHOUT ROWID;
INSERT INTO inventory_groups (${GROUP_COLUMNS}, n)
  SELECT algorithm, family, size, coalesce(curve, ''), usage_mask, coalesce(purpose, ''), store, coalesce(token_serial, ''), extractable, state, count(*)
  FROM keys GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

CREATE TRIGGER keys_groups_insert AFTER INSERT ON keys BEGIN
  INSERT INTO inventory_groups (${GROUP_COLUMNS}, n) VALUES (${groupValues('NEW')}, 1)
    ON CONFLICT (${GROUP_COLUMNS}) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER keys_groups_delete AFTER DELETE ON keys BEGIN
  UPDATE inventory_groups SET n = n - 1 WHERE ${groupMatch('OLD')};
END;
CREATE TRIGGER keys_groups_update AFTER UPDATE OF ${GROUP_COLUMNS} ON keys BEGIN
  UPDATE inventory_groups SET n = n - 1 WHERE ${groupMatch('OLD')};
  INSERT INTO inventory_groups (${GROUP_COLUMNS}, n) VALUES (${groupValues('NEW')}, 1)
    ON CONFLICT (${GROUP_COLUMNS}) DO UPDATE SET n = n + 1;
END;

CREATE TABLE inventory_due_days (
  rule TEXT NOT NULL,
  day TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (rule, day)
) WITHOUT ROWID;
CREATE TRIGGER keys_due_insert AFTER INSERT ON keys WHEN NEW.due_at IS NOT NULL BEGIN
  INSERT INTO inventory_due_days (rule, day, n) VALUES (coalesce(NEW.due_rule, ''), substr(NEW.due_at, 1, 10), 1)
    ON CONFLICT (rule, day) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER keys_due_update AFTER UPDATE OF due_at, due_rule ON keys BEGIN
  UPDATE inventory_due_days SET n = n - 1 WHERE OLD.due_at IS NOT NULL AND rule = coalesce(OLD.due_rule, '') AND day = substr(OLD.due_at, 1, 10);
  INSERT INTO inventory_due_days (rule, day, n) SELECT coalesce(NEW.due_rule, ''), substr(NEW.due_at, 1, 10), 1 WHERE NEW.due_at IS NOT NULL
    ON CONFLICT (rule, day) DO UPDATE SET n = n + 1;
END;

-- Keys whose cached due date must be recomputed, and a flag for "recompute all" (policy change).
CREATE TABLE inventory_stale (key_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE inventory_meta (id INTEGER PRIMARY KEY CHECK (id = 1), all_stale INTEGER NOT NULL);
INSERT INTO inventory_meta (id, all_stale) VALUES (1, 1);
CREATE TRIGGER keys_stale_insert AFTER INSERT ON keys WHEN NEW.due_at IS NULL AND NEW.state = 'active' BEGIN
  INSERT OR IGNORE INTO inventory_stale (key_id) VALUES (NEW.id);
END;
CREATE TRIGGER keys_stale_update AFTER UPDATE OF state, current_version, algorithm, family, size, curve, usage_mask, purpose, store, extractable, created_at ON keys BEGIN
  INSERT OR IGNORE INTO inventory_stale (key_id) VALUES (NEW.id);
END;
CREATE TRIGGER key_versions_stale_update AFTER UPDATE OF activation_at, protect_stop_at, generated_at ON key_versions BEGIN
  INSERT OR IGNORE INTO inventory_stale (key_id) VALUES (NEW.key_id);
END;
CREATE TRIGGER settings_policy_insert AFTER INSERT ON settings WHEN NEW.k = 'policy-composition' BEGIN
  UPDATE inventory_meta SET all_stale = 1;
END;
CREATE TRIGGER settings_policy_update AFTER UPDATE ON settings WHEN NEW.k = 'policy-composition' BEGIN
  UPDATE inventory_meta SET all_stale = 1;
END;
CREATE TRIGGER settings_policy_delete AFTER DELETE ON settings WHEN OLD.k = 'policy-composition' BEGIN
  UPDATE inventory_meta SET all_stale = 1;
END;
`;
