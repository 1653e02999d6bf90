import type { Settings } from '../../src-shared/contract.js';
import type { Db } from '../vault/database.js';
import { activePolicy } from './policy-service.js';

const KEY = 'console-settings';
export const DEFAULT_SETTINGS: Settings = { idleLockMinutes: 5, destructionWaitDays: 7 };

/**
 * The console settings. The destruction waiting period defaults to the active policy's
 * (`settings.destructionWaitDays` of its composition); an administrator's explicit setting wins.
 */
export function readSettings(db: Db): Settings {
  const row = db.prepare('SELECT v FROM settings WHERE k = ?').get(KEY) as { v: string } | undefined;
  const stored = row ? (JSON.parse(row.v) as Partial<Settings>) : {};
  const fromPolicy = activePolicy(db).settings.destructionWaitDays;
  return { ...DEFAULT_SETTINGS, destructionWaitDays: fromPolicy, ...stored };
}

/** Only what an administrator set explicitly. */
export function storedSettings(db: Db): Partial<Settings> {
  const row = db.prepare('SELECT v FROM settings WHERE k = ?').get(KEY) as { v: string } | undefined;
  return row ? (JSON.parse(row.v) as Partial<Settings>) : {};
}

export function writeSettings(db: Db, s: Partial<Settings>): void {
  db.prepare('INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(KEY, JSON.stringify(s));
}
