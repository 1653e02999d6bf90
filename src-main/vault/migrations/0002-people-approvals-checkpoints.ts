/**
 * Schema version 2: login credentials and lockout counters for people, settings, dual-control
 * requests and approvals, signed audit checkpoints, and the authoritative copy of the header.
 */
export const version = 2;
export const sql = `
ALTER TABLE users ADD COLUMN passphrase_hash TEXT;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_failed_at TEXT;

CREATE TABLE settings (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
);

-- The header as Custos last wrote it. header.json is rewritten from here when a crash lost the
-- file write, and an older header.json put back by hand cannot resurrect a removed unlock method.
CREATE TABLE header_copy (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  json TEXT NOT NULL
);

CREATE TABLE approval_requests (
  id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  summary TEXT NOT NULL,
  payload TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  required_approvals INTEGER NOT NULL,
  approver_roles TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'rejected', 'expired', 'cancelled', 'failed')),
  decided_at TEXT,
  outcome TEXT
);
CREATE INDEX approval_requests_by_status ON approval_requests (status, requested_at);

CREATE TABLE approvals (
  request_id TEXT NOT NULL REFERENCES approval_requests (id),
  user_name TEXT NOT NULL,
  approved_at TEXT NOT NULL,
  PRIMARY KEY (request_id, user_name)
);

CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  time TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit_events (time);
CREATE INDEX audit_by_actor ON audit_events (actor, seq);
CREATE INDEX audit_by_operation ON audit_events (operation, seq);
`;
