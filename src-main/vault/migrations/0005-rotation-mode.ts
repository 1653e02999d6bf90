/** Schema version 5: whether a key rotates by itself when its cryptoperiod ends. */
export const version = 5;
export const sql = `
ALTER TABLE keys ADD COLUMN rotation TEXT NOT NULL DEFAULT 'manual' CHECK (rotation IN ('manual', 'auto'));
CREATE INDEX key_versions_by_protect_stop ON key_versions (state, protect_stop_at);
`;
