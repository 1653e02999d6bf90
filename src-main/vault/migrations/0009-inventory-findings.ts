/**
 * Schema version 9: two indexes that keep inventory pages bounded at a million keys (issue 8).
 *
 * - keys_by_group: every attribute inventory_groups groups by, as the same expressions. The
 *   policy part of a finding filter is a list of groups (judged once per group, see
 *   src-main/inventory/groups.ts); with this index each group's keys are one contiguous run read
 *   from the index alone, instead of reading every row of a broader index (all CA keys) to test
 *   the ten columns. ~60 bytes per key.
 * - keys_by_owner_name: an owner's keys already in name order. Names usually start with their
 *   team ("risk-…"), so listing one owner by name is correlated with the sort: walking the name
 *   index met the owner's keys only after hundreds of thousands of others. ~45 bytes per key.
 *
 * Analysis findings need no table of their own: the per-key findings are a few thousand rows
 * found through analysis_findings_by_rule and the keys' primary key in ~3 ms at a million keys
 * (measured), so no trigger on analysis_findings (owned by issue 7) is needed.
 */
export const version = 9;
export const sql = `
CREATE INDEX keys_by_group ON keys (algorithm, family, size, coalesce(curve, ''), usage_mask, coalesce(purpose, ''), store, coalesce(token_serial, ''), extractable, state);
CREATE INDEX keys_by_owner_name ON keys (coalesce(owner, '') COLLATE NOCASE, name COLLATE NOCASE, id);
`;
