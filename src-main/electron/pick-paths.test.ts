// The desktop file dialog for imports: the pure half (which dialog, the answer checked against the
// contract) and what the other hosts answer. Electron itself does not run here.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../app/core.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { tempDir } from '../testing/temp.js';
import { pickDialogOptions, pickResult } from './pick-paths-options.js';

describe('import.pickPaths', () => {
  it('asks for a folder by default, or for several files', () => {
    expect(pickDialogOptions({})).toMatchObject({ ok: true, options: { properties: ['openDirectory', 'dontAddToRecent'], buttonLabel: 'Import' } });
    expect(pickDialogOptions(undefined)).toMatchObject({ ok: true, options: { title: 'Choose a folder to import' } });
    expect(pickDialogOptions({ kind: 'files', title: 'Certificates' })).toMatchObject({ ok: true, options: { title: 'Certificates', properties: ['openFile', 'multiSelections', 'dontAddToRecent'] } });
    expect(pickDialogOptions({ kind: 'anything' })).toMatchObject({ ok: false, error: { code: 'E_INPUT' } });
  });

  it('returns what was chosen, nothing when cancelled, and refuses paths import.paths would refuse', () => {
    expect(pickResult({ canceled: false, filePaths: ['/srv/pki', 'C:\\certs'] })).toEqual({ ok: true, value: { paths: ['/srv/pki', 'C:\\certs'], cancelled: false } });
    expect(pickResult({ canceled: true, filePaths: ['/ignored'] })).toEqual({ ok: true, value: { paths: [], cancelled: true } });
    expect(pickResult({ canceled: false, filePaths: ['relative'] })).toMatchObject({ ok: false, error: { code: 'E_INPUT' } });
    expect(pickResult({ canceled: false, filePaths: ['/a\u0007b'] })).toMatchObject({ ok: false, error: { code: 'E_INPUT' } });
  });

  it('is refused with a reason by hosts without a dialog (browser mode, CLI)', async () => {
    const dir = tempDir();
    const core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0 });
    try {
      const r = await dispatch(core.handlers, 'import.pickPaths', { kind: 'folder' });
      expect(r).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED', message: expect.stringContaining('type the path') } });
    } finally {
      await core.close();
      dir.cleanup();
    }
  });
});
