/**
 * Schema version 1: people, keys with per-version lifecycle dates, wrapped material, and the
 * append-only audit chain. Never edit a released migration; add the next numbered file instead.
 */
export const version = 1;
export const sql = `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('administrator', 'security-officer', 'key-custodian', 'auditor')),
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  family TEXT NOT NULL,
  size INTEGER NOT NULL,
  curve TEXT,
  store TEXT NOT NULL CHECK (store IN ('vault', 'token', 'external')),
  current_version INTEGER NOT NULL,
  -- State and identity of the current version, kept here so the inventory lists from one table
  -- with plain indexes.
  state TEXT NOT NULL,
  fingerprint TEXT,
  kcv TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX keys_by_created ON keys (created_at, id);
CREATE INDEX keys_by_name ON keys (name COLLATE NOCASE, id);
CREATE INDEX keys_by_algorithm ON keys (algorithm, created_at);
CREATE INDEX keys_by_state ON keys (state, created_at);
CREATE INDEX keys_by_store ON keys (store, created_at);
CREATE INDEX keys_by_fingerprint ON keys (fingerprint);
CREATE INDEX keys_by_kcv ON keys (kcv);

CREATE TABLE key_versions (
  key_id TEXT NOT NULL REFERENCES keys (id),
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  compromised INTEGER NOT NULL DEFAULT 0,
  public_spki BLOB,
  fingerprint TEXT,
  kcv TEXT,
  generated_at TEXT NOT NULL,
  activation_at TEXT,
  protect_stop_at TEXT,
  process_stop_at TEXT,
  deactivated_at TEXT,
  compromised_at TEXT,
  destroyed_at TEXT,
  revocation_reason INTEGER,
  PRIMARY KEY (key_id, version)
);

CREATE TABLE key_material (
  key_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('private-pkcs8', 'secret')),
  nonce BLOB NOT NULL,
  box BLOB NOT NULL,
  PRIMARY KEY (key_id, version),
  FOREIGN KEY (key_id, version) REFERENCES key_versions (key_id, version)
);

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  actor TEXT,
  operation TEXT NOT NULL,
  key_id TEXT,
  key_version INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'refused', 'failed')),
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  mac TEXT NOT NULL
);
CREATE INDEX audit_by_key ON audit_events (key_id, seq);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
`;
