/**
 * Schema version 4: where each version of a token key lives (a rotated token key has a new
 * CKA_ID per version), scheduled destruction, usage limits and the key's purpose.
 */
export const version = 4;
export const sql = `
ALTER TABLE key_versions ADD COLUMN token_cka_id TEXT;
UPDATE key_versions SET token_cka_id = (SELECT token_cka_id FROM keys WHERE keys.id = key_versions.key_id)
  WHERE version = (SELECT current_version FROM keys WHERE keys.id = key_versions.key_id);
ALTER TABLE keys ADD COLUMN destroy_at TEXT;
ALTER TABLE keys ADD COLUMN max_uses INTEGER;
ALTER TABLE keys ADD COLUMN purpose TEXT;
CREATE INDEX keys_by_destroy_at ON keys (destroy_at) WHERE destroy_at IS NOT NULL;
CREATE INDEX key_versions_by_activation ON key_versions (state, activation_at);
CREATE INDEX key_versions_by_token_object ON key_versions (token_cka_id) WHERE token_cka_id IS NOT NULL;
`;
