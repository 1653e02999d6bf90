/**
 * Schema version 13: two counters that tell the inventory when what it caches has changed.
 *
 * A finding filter judges the groups (inventory_groups) against the policy and reads the groups
 * of the keys with analysis findings (~7,000 rows spread over a million-key table, ~20 ms).
 * Both used to be dropped on any write of the connection, and the console writes all the time
 * (audit events, use counts, owners, tags), so the first finding page after any of them cost
 * ~50 ms at a million keys instead of ~16 ms.
 *
 * - `groups` moves whenever inventory_groups changes (a key inserted, deleted or moved to
 *   another group): the policy match is a function of that table, the policy and the date.
 * - `finding_keys` moves whenever the set of keys a finding names may have changed: any write
 *   to analysis_findings, to a certificate's key fingerprint (its findings count for the
 *   certified key), any key inserted or deleted, or a key re-identified (id, fingerprint) that
 *   has findings or a certificate. Not conditional on insert: a lookup per inserted key in the
 *   trigger made a 100,000-key seed (one transaction) take 63 s instead of 5 s, and keys are
 *   created far more rarely than the inventory is read. The conditions are supersets of "it matters": a spurious
 *   move costs one re-read, a missed one a wrong count.
 * - inventory_finding_moves lists the keys with findings that changed group, so the cache
 *   re-reads those rows only (revoking a flagged key is the common remediation). It keeps the
 *   last 256 moves; a reader that fell further behind reads everything again.
 *
 * Writes that move neither (use counts, owners, tags, audit) now leave both caches valid. The
 * counters live in the vault, so a commit by another connection is seen as well.
 */
export const version = 13;

const GROUP_COLUMNS = 'algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state';
export const FINDING_MOVES_KEPT = 256;
const bump = (column: 'groups' | 'finding_keys') => `BEGIN UPDATE inventory_epochs SET ${column} = ${column} + 1 WHERE id = 1; END`;
const hasFindings = (r: 'NEW' | 'OLD') =>
  `EXISTS (SELECT 1 FROM analysis_findings WHERE key_id = ${r}.id) OR (${r}.fingerprint IS NOT NULL AND EXISTS (SELECT 1 FROM certificates WHERE spki_fingerprint = ${r}.fingerprint))`;

export const sql = `
CREATE TABLE inventory_epochs (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  groups INTEGER NOT NULL,
  finding_keys INTEGER NOT NULL
);
INSERT INTO inventory_epochs (id, groups, finding_keys) VALUES (1, 0, 0);

CREATE TRIGGER inventory_groups_epoch_insert AFTER INSERT ON inventory_groups ${bump('groups')};
CREATE TRIGGER inventory_groups_epoch_update AFTER UPDATE ON inventory_groups ${bump('groups')};
CREATE TRIGGER inventory_groups_epoch_delete AFTER DELETE ON inventory_groups ${bump('groups')};

CREATE TRIGGER analysis_findings_epoch_insert AFTER INSERT ON analysis_findings ${bump('finding_keys')};
CREATE TRIGGER analysis_findings_epoch_update AFTER UPDATE ON analysis_findings ${bump('finding_keys')};
CREATE TRIGGER analysis_findings_epoch_delete AFTER DELETE ON analysis_findings ${bump('finding_keys')};
CREATE TRIGGER certificates_epoch_insert AFTER INSERT ON certificates ${bump('finding_keys')};
CREATE TRIGGER certificates_epoch_update AFTER UPDATE OF id, spki_fingerprint ON certificates ${bump('finding_keys')};
CREATE TRIGGER certificates_epoch_delete AFTER DELETE ON certificates ${bump('finding_keys')};
CREATE TRIGGER keys_finding_epoch_insert AFTER INSERT ON keys ${bump('finding_keys')};
CREATE TRIGGER keys_finding_epoch_update AFTER UPDATE OF id, fingerprint ON keys WHEN ${hasFindings('OLD')} OR ${hasFindings('NEW')} ${bump('finding_keys')};

CREATE TABLE inventory_finding_moves (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key_rowid INTEGER NOT NULL
);
CREATE TRIGGER keys_finding_moves AFTER UPDATE OF ${GROUP_COLUMNS} ON keys WHEN ${hasFindings('NEW')} BEGIN
  INSERT INTO inventory_finding_moves (key_rowid) VALUES (NEW.rowid);
  DELETE FROM inventory_finding_moves WHERE seq <= (SELECT max(seq) FROM inventory_finding_moves) - ${FINDING_MOVES_KEPT};
END;
CREATE TRIGGER keys_finding_epoch_delete AFTER DELETE ON keys ${bump('finding_keys')};
`;
