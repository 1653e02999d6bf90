/**
 * Schema version 10: the audit trail's secondary indexes stop paying for usage records (issue 4).
 *
 * Every signature, encryption and decryption appends an audit row, and each index of
 * audit_events adds one more 4 KiB page that SQLCipher encrypts and MACs (in software) at every
 * group commit: with four indexes about a third of the main thread's time per signature went to
 * index pages. Measured before choosing which to keep (src-main/audit/log.ts list() is the only
 * query over them, plus the per-key timeline):
 *
 * - audit_by_actor (actor, seq) had no reader: list() filters `actor = ? COLLATE NOCASE`, which a
 *   BINARY index cannot serve (EXPLAIN QUERY PLAN: SCAN audit_events). Dropped.
 * - audit_by_operation now covers every event except usage records (key.sign, key.encrypt,
 *   key.decrypt). Filtering by a rare operation (key.generate, user.add) still reads only its
 *   rows through the index; filtering by a usage operation walks the table from the newest event
 *   back, where those records are the dense majority (list() adds the index's own condition to
 *   the query when the operation is not a usage one, so the planner may use it).
 * - audit_by_key (the key's timeline) and audit_by_time (the auditor's date range) are kept.
 *
 * The list of usage operations here must match USAGE_OPERATIONS in src-main/audit/log.ts
 * (log.test.ts checks the plan).
 */
export const version = 10;
export const sql = `
DROP INDEX IF EXISTS audit_by_actor;
DROP INDEX IF EXISTS audit_by_operation;
CREATE INDEX audit_by_operation ON audit_events (operation, seq) WHERE operation NOT IN ('key.sign', 'key.encrypt', 'key.decrypt');
`;
