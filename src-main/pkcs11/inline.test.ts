import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsm, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';
import type { TokenClient } from './client.js';
import { openSoftHsmClient, withOpenssl } from './test-support.js';
import { spkiToPem } from '../keys/identity.js';
import { KMIP_USAGE as U } from './usage.js';

// The inline transport runs the same executor on the calling thread (for tests and short CLI
// runs). It gets its own test file: a PKCS#11 library is process-wide, so it must not share a
// process with a worker that owns the same module.
describe.skipIf(!softHsmAvailable())('SoftHSM through the inline executor', () => {
  let fx: SoftHsmFixture;
  let client: TokenClient;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    fx = createSoftHsm({ labels: ['custos-inline'] });
    ({ client, cleanup } = await openSoftHsmClient(fx, 'inline'));
  });
  afterAll(async () => {
    await cleanup?.();
    fx?.cleanup();
  });

  it('behaves like the worker: same records, same errors, signatures openssl verifies', async () => {
    await expect(client.login(fx.serial, '1111')).rejects.toMatchObject({ code: 'E_AUTH_FAILED' });
    await client.login(fx.serial, fx.userPin);
    const key = await client.generateKey({ serial: fx.serial, algorithm: 'ed25519', label: 'inline', usageMask: U.Sign | U.Verify });
    expect(key.spki).toBeInstanceOf(Uint8Array);
    expect(await client.readKey({ serial: fx.serial, ckaId: key.ckaId! })).toEqual(key);
    const data = Buffer.from('inline');
    const sig = await client.sign({ serial: fx.serial, ckaId: key.ckaId! }, 'eddsa', data);
    withOpenssl({ 'pub.pem': spkiToPem(key.spki!), 'data.bin': data, 'sig.bin': sig }, (_d, run) => {
      expect(run(['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'data.bin', '-sigfile', 'sig.bin']).status).toBe(0);
    });
  });
});
