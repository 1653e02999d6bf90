import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { createSoftHsm, pkcs11Tool, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';
import type { TokenClient } from './client.js';
import { openSoftHsmClient } from './test-support.js';
import { KMIP_USAGE as U } from './usage.js';
import type { TokenKeyRecord } from './types.js';

describe.skipIf(!softHsmAvailable())('discovery of the keys already on a token', () => {
  let fx: SoftHsmFixture;
  let client: TokenClient;
  let cleanup: () => Promise<void>;
  const ours: TokenKeyRecord[] = [];
  const tmp = tempDir('custos-discovery-');

  beforeAll(async () => {
    fx = createSoftHsm({ labels: ['custos-discovery'] });
    ({ client, cleanup } = await openSoftHsmClient(fx));
    await client.login(fx.serial, fx.userPin);
    ours.push(await client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'ours-ec', usageMask: U.Sign | U.Verify }));
    ours.push(await client.generateKey({ serial: fx.serial, algorithm: 'ed25519', label: 'ours-ed', usageMask: U.Sign | U.Verify }));
    ours.push(await client.generateKey({ serial: fx.serial, algorithm: 'aes-128', label: 'ours-aes', usageMask: U.Encrypt | U.Decrypt }));
    // Keys another application made: a pair and a secret key with CKA_IDs, and a secret key without one.
    const tool = ['--token-label', fx.label, '--login', '--pin', fx.userPin];
    pkcs11Tool(fx, [...tool, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', 'c0ffee', '--label', 'external-ec']);
    pkcs11Tool(fx, [...tool, '--keygen', '--key-type', 'AES:32', '--id', 'c0ffef', '--label', 'external-aes']);
    pkcs11Tool(fx, [...tool, '--keygen', '--key-type', 'AES:16', '--label', 'no-id']);
  });
  afterAll(async () => {
    await cleanup?.();
    fx?.cleanup();
    tmp.cleanup();
  });

  it('finds every key, grouped by CKA_ID, and gives the same records on every scan', async () => {
    const first = await client.discover(fx.serial);
    const second = await client.discover(fx.serial);
    expect(second).toEqual(first);
    const ids = first.map((r) => r.ckaId);
    expect(new Set(ids).size).toBe(ids.length); // one record per CKA_ID: no duplicates
    expect(first).toHaveLength(6);
    for (const o of ours) expect(first.find((r) => r.ckaId === o.ckaId)).toEqual(o);
  });

  it('reads keys made elsewhere into the inventory’s terms, with the fingerprint other tools compute', async () => {
    const records = await client.discover(fx.serial);
    const ec = records.find((r) => r.ckaId === 'c0ffee')!;
    expect(ec).toMatchObject({ label: 'external-ec', kind: 'key-pair', keyType: 'ec', algorithm: 'ec-p256', size: 256, curve: 'P-256', objectCount: 2 });
    expect(ec.protection).toMatchObject({ sensitive: true, neverExtractable: true, local: true });
    const der = join(tmp.path, 'pub.der');
    pkcs11Tool(fx, ['--token-label', fx.label, '--read-object', '--type', 'pubkey', '--id', 'c0ffee', '-o', der]);
    expect(ec.fingerprint).toBe(createHash('sha256').update(readFileSync(der)).digest('hex'));

    const aes = records.find((r) => r.ckaId === 'c0ffef')!;
    expect(aes).toMatchObject({ kind: 'secret-key', keyType: 'aes', algorithm: 'aes-256', size: 256, fingerprint: null });
    expect(aes.usage.encrypt).toBe(true);

    const noId = records.find((r) => r.ckaId === null)!;
    expect(noId).toMatchObject({ label: 'no-id', kind: 'secret-key', algorithm: 'aes-128' });
  });

  it('changes nothing on the token', async () => {
    const before = pkcs11Tool(fx, ['--token-label', fx.label, '--list-objects', '--login', '--pin', fx.userPin]);
    await client.discover(fx.serial);
    expect(pkcs11Tool(fx, ['--token-label', fx.label, '--list-objects', '--login', '--pin', fx.userPin])).toBe(before);
  });

  it('without a login sees only public objects: Custos’ private and secret keys stay hidden', async () => {
    await client.logout(fx.serial);
    const pub = await client.discover(fx.serial);
    const byId = new Map(pub.map((r) => [r.ckaId, r]));
    expect(byId.get(ours[0]!.ckaId)?.kind).toBe('public-key');
    expect(byId.get(ours[1]!.ckaId)?.kind).toBe('public-key');
    expect(byId.has(ours[2]!.ckaId)).toBe(false); // the AES key is private
    expect(byId.get('c0ffee')?.kind).toBe('public-key');
    // The public key alone still gives the same fingerprint, so the inventory matches it.
    expect(byId.get(ours[0]!.ckaId)!.fingerprint).toBe(ours[0]!.fingerprint);
    // pkcs11-tool made its secret keys neither private nor sensitive: visible without login, and flagged.
    const weak = byId.get('c0ffef')!;
    expect(weak.protection).toMatchObject({ private: false, sensitive: false });
    expect(weak.warnings).toEqual([
      'The key is not sensitive: the token would reveal its value to any application that asks.',
      'The key is not private: any application can use it without logging in.',
    ]);
    await client.login(fx.serial, fx.userPin);
  });
});
