import type { Settings } from '../../src-shared/contract.js';
import type { Db } from '../vault/database.js';

const KEY = 'console-settings';
export const DEFAULT_SETTINGS: Settings = { idleLockMinutes: 5, destructionWaitDays: 7 };

export function readSettings(db: Db): Settings {
  const row = db.prepare('SELECT v FROM settings WHERE k = ?').get(KEY) as { v: string } | undefined;
  return row ? { ...DEFAULT_SETTINGS, ...(JSON.parse(row.v) as Partial<Settings>) } : DEFAULT_SETTINGS;
}

export function writeSettings(db: Db, s: Settings): void {
  db.prepare('INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(KEY, JSON.stringify(s));
}
