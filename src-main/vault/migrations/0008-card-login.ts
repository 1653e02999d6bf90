/**
 * Schema version 8: smart-card login credentials for users (issue 4). One card per user: the
 * token's serial and the key's CKA_ID say where the private key is; the SPKI is what a card's
 * signature over a fresh challenge is verified against, in software, at sign-in. Only public
 * data is stored; the PIN never is.
 */
export const version = 8;
export const sql = `
CREATE TABLE user_cards (
  user_id TEXT PRIMARY KEY REFERENCES users (id),
  token_serial TEXT NOT NULL,
  cka_id TEXT NOT NULL,
  -- The key's id in the inventory when it is there (generated on the token or discovered).
  key_id TEXT,
  algorithm TEXT NOT NULL,
  spki BLOB NOT NULL,
  -- SHA-256 of the DER SPKI, lower-case hex (the same fingerprint keys.fingerprint holds).
  fingerprint TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  registered_by TEXT NOT NULL
);
`;
