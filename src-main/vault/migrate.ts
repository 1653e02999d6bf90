import { CustosError } from '../errors.js';
import type { Db } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the schema up to date, one version per transaction, so a crash mid-upgrade leaves a
 * consistent earlier version that the next open continues from.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (from > latest) {
    throw new CustosError('E_UNSUPPORTED', `This vault uses schema version ${from}, newer than this Custos understands (${latest}). Update Custos.`);
  }
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: Math.max(from, latest) };
}
