/**
 * Schema version 3: each key's KMIP usage mask and origin, and where a token key lives (token
 * serial, CKA_ID, label, module). A token key is unique by (serial, CKA_ID), so discovering the
 * same token twice never duplicates it.
 */
export const version = 3;
export const sql = `
ALTER TABLE keys ADD COLUMN usage_mask INTEGER NOT NULL DEFAULT 0;
ALTER TABLE keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'generated';
ALTER TABLE keys ADD COLUMN extractable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE keys ADD COLUMN token_serial TEXT;
ALTER TABLE keys ADD COLUMN token_cka_id TEXT;
ALTER TABLE keys ADD COLUMN token_label TEXT;
ALTER TABLE keys ADD COLUMN token_module TEXT;
ALTER TABLE keys ADD COLUMN use_count INTEGER NOT NULL DEFAULT 0;
-- Keys generated before usage masks existed get the usual mask of their family.
UPDATE keys SET usage_mask = CASE family WHEN 'aes' THEN 60 ELSE 3 END WHERE usage_mask = 0;
CREATE UNIQUE INDEX keys_by_token_object ON keys (token_serial, token_cka_id) WHERE token_serial IS NOT NULL;
`;
