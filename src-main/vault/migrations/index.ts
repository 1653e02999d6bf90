import * as m0001 from './0001-initial.js';

export interface Migration {
  version: number;
  sql: string;
}

/** Every schema version in order; one file per version. */
export const MIGRATIONS: readonly Migration[] = [m0001];
