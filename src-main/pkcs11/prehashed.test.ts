import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spkiToPem } from '../keys/identity.js';
import { createSoftHsm, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';
import type { TokenClient } from './client.js';
import { ecdsaRawToDer } from './spki.js';
import { openSoftHsmClient } from './test-support.js';
import { KMIP_USAGE as U } from './usage.js';

// The core signs ECDSA-SHA256 by handing the token the digest it computed for the audit event.
describe.skipIf(!softHsmAvailable())('ECDSA over a digest computed by the caller (signMany prehashed)', () => {
  let fx: SoftHsmFixture;
  let client: TokenClient;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    fx = createSoftHsm({ labels: ['custos-prehashed'] });
    ({ client, cleanup } = await openSoftHsmClient(fx));
    await client.login(fx.serial, fx.userPin);
  });
  afterAll(async () => {
    await cleanup?.();
    fx?.cleanup();
  });

  it('gives signatures over the data that the digest was made from, and refuses what is not a digest', async () => {
    const ec = await client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'prehashed', usageMask: U.Sign | U.Verify });
    const ref = { serial: fx.serial, ckaId: ec.ckaId! };
    const data = ['one', 'two', 'three'].map((s) => Buffer.from(s));
    const digests = data.map((d) => createHash('sha256').update(d).digest());
    const raw = await client.signMany(ref, 'ecdsa-sha256', digests, { prehashed: true, ecdsaFormat: 'raw' });
    const pub = createPublicKey(spkiToPem(ec.spki!));
    raw.forEach((sig, i) => {
      expect(sig.byteLength).toBe(64);
      expect(nodeVerify('sha256', data[i]!, pub, ecdsaRawToDer(sig))).toBe(true);
    });
    // Through the token's own verify, which takes the data.
    expect(await client.verify(ref, 'ecdsa-sha256', data[0]!, ecdsaRawToDer(raw[0]!))).toBe(true);
    await expect(client.signMany(ref, 'ecdsa-sha256', [Buffer.from('not a digest')], { prehashed: true })).rejects.toMatchObject({ code: 'E_INPUT' });
    await expect(client.verify(ref, 'ecdsa-sha256', digests[0]!, ecdsaRawToDer(raw[0]!), { prehashed: true })).rejects.toMatchObject({ code: 'E_INPUT' });
    const rsa = await client.generateKey({ serial: fx.serial, algorithm: 'rsa-2048', label: 'prehashed-rsa', usageMask: U.Sign | U.Verify });
    await expect(client.signMany({ serial: fx.serial, ckaId: rsa.ckaId! }, 'rsa-pkcs1-sha256', digests, { prehashed: true })).rejects.toMatchObject({ code: 'E_INPUT' });
  });
});
