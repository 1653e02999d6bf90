import { chmodSync, copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors.js';
import { tempDir } from '../testing/temp.js';
import { SOFTHSM_MODULE, softHsmAvailable } from '../testing/softhsm.js';
import { ModuleAllowlist } from './allowlist.js';
import { TokenClient } from './client.js';
import { Pkcs11Executor } from './executor.js';
import { TokenService } from './service.js';

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isCustosError(e)) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

describe('the PKCS#11 module allowlist', () => {
  const tmp = tempDir('custos-allowlist-');
  afterAll(() => tmp.cleanup());

  it('refuses a module that is not listed, with a message that says what to do', () => {
    const list = new ModuleAllowlist(['/usr/lib/softhsm/libsofthsm2.so']);
    const e = thrown(() => list.resolve('/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so'));
    expect(e.code).toBe('E_PERMISSION');
    expect(e.message).toBe(
      'The PKCS#11 module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so is not in the allowlist, so Custos will not load it. An administrator can add it to the list of allowed modules in Settings.',
    );
    // `..` tricks are normalised before comparing, so they neither widen nor narrow the list.
    expect(thrown(() => list.resolve('/usr/lib/softhsm/../evil/libsofthsm2.so')).code).toBe('E_PERMISSION');
    expect(list.isListed('/usr/lib//softhsm/./libsofthsm2.so')).toBe(true);
  });

  it('refuses relative paths (the dynamic loader would search for them)', () => {
    expect(thrown(() => new ModuleAllowlist(['libsofthsm2.so'])).code).toBe('E_INPUT');
    expect(thrown(() => new ModuleAllowlist(['/x.so']).resolve('x.so')).code).toBe('E_INPUT');
  });

  it('refuses a listed module that is missing, or writable by others', () => {
    const missing = join(tmp.path, 'missing.so');
    expect(thrown(() => new ModuleAllowlist([missing]).resolve(missing)).code).toBe('E_NOT_FOUND');
    const writable = join(tmp.path, 'writable.so');
    writeFileSync(writable, 'x');
    chmodSync(writable, 0o666);
    const e = thrown(() => new ModuleAllowlist([writable]).resolve(writable));
    expect(e.code).toBe('E_PERMISSION');
    expect(e.message).toMatch(/writable by users other than its owner/);
  });

  it('loads the real file behind a listed symlink', () => {
    const link = join(tmp.path, 'link.so');
    const target = join(tmp.path, 'target.so');
    writeFileSync(target, 'x', { mode: 0o644 });
    symlinkSync(target, link);
    expect(new ModuleAllowlist([link]).resolve(link)).toBe(target);
  });

  it('is enforced by the client before any worker starts, by the executor inside it, and by the service', async () => {
    const unlisted = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
    // The worker script does not even exist: the refusal comes first.
    await expect(TokenClient.open({ modulePath: unlisted, allowlist: [SOFTHSM_MODULE], workerScript: '/nonexistent/worker.js' })).rejects.toMatchObject({
      code: 'E_PERMISSION',
    });
    expect(thrown(() => new Pkcs11Executor(unlisted, [SOFTHSM_MODULE])).code).toBe('E_PERMISSION');
    const service = new TokenService({ allowlist: [SOFTHSM_MODULE], mode: 'inline' });
    await expect(service.client(unlisted)).rejects.toMatchObject({ code: 'E_PERMISSION' });
  });

  it.skipIf(!softHsmAvailable())('reports a listed file that is not a PKCS#11 library as unsupported', async () => {
    const fake = join(tmp.path, 'not-a-module.so');
    writeFileSync(fake, 'not an ELF file', { mode: 0o644 });
    await expect(TokenClient.open({ modulePath: fake, allowlist: [fake], mode: 'inline' })).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      message: expect.stringMatching(/could not load .* as a PKCS#11 module/),
    });
    // A copy of a real module under another name is a different path: refused until listed.
    const copy = join(tmp.path, 'copy.so');
    copyFileSync(SOFTHSM_MODULE, copy);
    chmodSync(copy, 0o644);
    expect(thrown(() => new ModuleAllowlist([SOFTHSM_MODULE]).resolve(copy)).code).toBe('E_PERMISSION');
  });
});
