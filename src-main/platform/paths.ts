import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface VaultDirContext {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
}

const defaultContext = (): VaultDirContext => ({ env: process.env, platform: process.platform, home: homedir() });

/**
 * The per-user folder where a vault lives when nobody says otherwise: CUSTOS_VAULT when set, else
 * the platform's per-user application-data folder (XDG on Linux and other Unixes, Application
 * Support on macOS, %APPDATA% on Windows).
 */
export function defaultVaultDir(ctx: VaultDirContext = defaultContext()): string {
  const fromEnv = ctx.env.CUSTOS_VAULT;
  if (fromEnv && fromEnv.trim() !== '') return resolve(fromEnv);
  switch (ctx.platform) {
    case 'darwin':
      return join(ctx.home, 'Library', 'Application Support', 'Custos', 'vault');
    case 'win32': {
      const appData = ctx.env.APPDATA && ctx.env.APPDATA.trim() !== '' ? ctx.env.APPDATA : join(ctx.home, 'AppData', 'Roaming');
      return join(appData, 'Custos', 'vault');
    }
    default: {
      // XDG Base Directory: a relative XDG_DATA_HOME is invalid and must be ignored.
      const xdg = ctx.env.XDG_DATA_HOME;
      const dataHome = xdg && xdg.startsWith('/') ? xdg : join(ctx.home, '.local', 'share');
      return join(dataHome, 'custos', 'vault');
    }
  }
}

/** The vault folder for a host: the --vault argument when given, else the default above. */
export function resolveVaultDir(fromArgs: string | undefined, ctx?: VaultDirContext): string {
  return fromArgs !== undefined && fromArgs !== '' ? resolve(fromArgs) : defaultVaultDir(ctx);
}
