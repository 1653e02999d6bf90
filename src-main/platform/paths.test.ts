import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { defaultVaultDir, resolveVaultDir } from './paths.js';

describe('defaultVaultDir', () => {
  const home = '/home/ada';
  it('prefers CUSTOS_VAULT', () => {
    expect(defaultVaultDir({ env: { CUSTOS_VAULT: '/srv/v' }, platform: 'linux', home })).toBe(resolve('/srv/v'));
  });
  it('uses XDG_DATA_HOME on Linux, else ~/.local/share', () => {
    expect(defaultVaultDir({ env: { XDG_DATA_HOME: '/data' }, platform: 'linux', home })).toBe(join('/data', 'custos', 'vault'));
    expect(defaultVaultDir({ env: {}, platform: 'linux', home })).toBe(join(home, '.local', 'share', 'custos', 'vault'));
    // A relative XDG_DATA_HOME is invalid per the spec and ignored.
    expect(defaultVaultDir({ env: { XDG_DATA_HOME: 'rel' }, platform: 'linux', home })).toBe(join(home, '.local', 'share', 'custos', 'vault'));
  });
  it('uses Application Support on macOS and %APPDATA% on Windows', () => {
    expect(defaultVaultDir({ env: {}, platform: 'darwin', home })).toBe(join(home, 'Library', 'Application Support', 'Custos', 'vault'));
    expect(defaultVaultDir({ env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, platform: 'win32', home })).toBe(join('C:\\Users\\ada\\AppData\\Roaming', 'Custos', 'vault'));
  });
  it('lets --vault win', () => {
    expect(resolveVaultDir('rel/dir', { env: { CUSTOS_VAULT: '/srv/v' }, platform: 'linux', home })).toBe(resolve('rel/dir'));
    expect(resolveVaultDir(undefined, { env: { CUSTOS_VAULT: '/srv/v' }, platform: 'linux', home })).toBe('/srv/v');
  });
});
