/**
 * Schema version 7: certificates and where they were seen, and the findings of weak-key and
 * certificate analysis (issue 7). Certificates are public: stored as DER, linked to a key by the
 * SHA-256 of their SubjectPublicKeyInfo (the same fingerprint keys.fingerprint holds).
 */
export const version = 7;
export const sql = `
CREATE TABLE certificates (
  id TEXT PRIMARY KEY,
  -- SHA-256 of the DER, lower-case hex: one row per distinct certificate.
  fingerprint TEXT NOT NULL UNIQUE,
  der BLOB NOT NULL,
  subject TEXT NOT NULL,
  issuer TEXT NOT NULL,
  serial TEXT NOT NULL,
  not_before TEXT NOT NULL,
  not_after TEXT NOT NULL,
  signature_algorithm TEXT NOT NULL,
  spki_fingerprint TEXT NOT NULL,
  -- Derived from EKU, KeyUsage and BasicConstraints: tls-server, tls-client, code-signing, email, ca, ocsp-signing, device, other.
  profile TEXT NOT NULL,
  -- 'public' when the chain ends in a bundled Mozilla root, 'private' otherwise, NULL until evaluated.
  trust TEXT CHECK (trust IN ('public', 'private')),
  is_ca INTEGER NOT NULL DEFAULT 0,
  first_seen_at TEXT NOT NULL
);
CREATE INDEX certificates_by_spki ON certificates (spki_fingerprint);
CREATE INDEX certificates_by_not_after ON certificates (not_after);

-- Where a certificate was seen: a file, a TLS endpoint, a CBOM, a token, or made here.
CREATE TABLE certificate_sightings (
  certificate_id TEXT NOT NULL REFERENCES certificates (id),
  kind TEXT NOT NULL CHECK (kind IN ('file', 'tls', 'cbom', 'token', 'issued')),
  location TEXT NOT NULL,
  chain_position INTEGER,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (certificate_id, kind, location)
);
CREATE INDEX certificate_sightings_by_location ON certificate_sightings (kind, location);

-- The latest findings of analysis (weak keys, blocklist, certificates); replaced per rule source on each run.
CREATE TABLE analysis_findings (
  id INTEGER PRIMARY KEY,
  key_id TEXT,
  certificate_id TEXT,
  source TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  title TEXT NOT NULL,
  detail TEXT,
  found_at TEXT NOT NULL
);
CREATE INDEX analysis_findings_by_key ON analysis_findings (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX analysis_findings_by_certificate ON analysis_findings (certificate_id) WHERE certificate_id IS NOT NULL;
CREATE INDEX analysis_findings_by_rule ON analysis_findings (rule, severity);
`;
