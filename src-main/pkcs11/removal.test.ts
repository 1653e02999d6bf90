import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError, type CustosError } from '../errors.js';
import { createSoftHsm, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';
import { TokenService, type SlotEvent } from './service.js';
import { buildPkcs11WorkerForTests } from './test-support.js';
import { KMIP_USAGE as U } from './usage.js';

async function rejection(p: Promise<unknown>): Promise<CustosError> {
  try {
    await p;
  } catch (e) {
    if (isCustosError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!softHsmAvailable())('tokens coming and going (SoftHSM token folders created and deleted)', () => {
  let fx: SoftHsmFixture;
  let service: TokenService;
  let built: { script: string; cleanup: () => void };
  const events: Array<['added' | 'removed', SlotEvent]> = [];

  beforeAll(async () => {
    fx = createSoftHsm({ labels: ['token-a', 'token-b'] });
    built = await buildPkcs11WorkerForTests();
    service = new TokenService({ allowlist: [fx.modulePath], workerScript: built.script });
    service.on('added', (e) => events.push(['added', e]));
    service.on('removed', (e) => events.push(['removed', e]));
  });
  afterAll(async () => {
    await service?.close();
    built?.cleanup();
    fx?.cleanup();
  });

  const [a, b] = [0, 1];
  const serial = (i: number) => fx.tokens[i]!.serial;
  const sorted = (xs: SlotEvent[]) => xs.map((e) => e.token.serial || '(uninitialised)').sort();

  it('the first poll reports every token present; the next reports nothing new', async () => {
    const first = await service.poll();
    expect(sorted(first.added)).toEqual(['(uninitialised)', serial(a), serial(b)].sort());
    expect(first.removed).toEqual([]);
    expect(first.errors).toEqual([]);
    expect(await service.poll()).toEqual({ added: [], removed: [], errors: [] });
    expect(events.filter(([k]) => k === 'added')).toHaveLength(3);
  });

  it('an operation on a token whose storage was deleted fails clearly, and the state stays consistent', async () => {
    const client = await service.clientForToken(serial(b));
    expect(await service.clientForToken(serial(a))).toBe(client); // one module, one worker
    await client.login(serial(a), fx.tokens[a]!.userPin);
    await client.login(serial(b), fx.tokens[b]!.userPin);
    const keyA = await client.generateKey({ serial: serial(a), algorithm: 'ec-p256', label: 'stays', usageMask: U.Sign | U.Verify });
    const keyB = await client.generateKey({ serial: serial(b), algorithm: 'ec-p256', label: 'goes', usageMask: U.Sign | U.Verify });
    const refB = { serial: serial(b), ckaId: keyB.ckaId! };
    await client.sign(refB, 'ecdsa-sha256', Buffer.from('while present'));

    rmSync(fx.tokens[b]!.dir, { recursive: true, force: true }); // the token is "removed" mid-session

    const e = await rejection(client.sign(refB, 'ecdsa-sha256', Buffer.from('after removal')));
    expect(e.code).toBe('E_NOT_FOUND');
    expect(e.message).toBe(
      `Token "token-b" (serial ${serial(b)}) is not present: it was removed, or its reader or storage went away. Insert it and log in again to sign; nothing was changed. (CKR_TOKEN_NOT_PRESENT)`,
    );
    // Custos dropped what it held for the token: no session, no login, no token.
    expect((await rejection(client.tokenInfo(serial(b)))).code).toBe('E_NOT_FOUND');
    expect((await rejection(client.login(serial(b), fx.tokens[b]!.userPin))).code).toBe('E_NOT_FOUND');
    expect((await rejection(client.discover(serial(b)))).code).toBe('E_NOT_FOUND');
    expect((await client.listTokens()).map((t) => t.serial)).not.toContain(serial(b));
    await expect(service.clientForToken(serial(b))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });

    // The other token of the same module is untouched: still logged in, its key still signs.
    const refA = { serial: serial(a), ckaId: keyA.ckaId! };
    const sig = await client.sign(refA, 'ecdsa-sha256', Buffer.from('still here'));
    expect(await client.verify(refA, 'ecdsa-sha256', Buffer.from('still here'), sig)).toBe(true);
    expect((await client.tokenInfo(serial(a))).loggedIn).toBe(true);
  });

  it('polling reports the removal once', async () => {
    events.length = 0;
    const r = await service.poll();
    expect(sorted(r.removed)).toEqual([serial(b)]);
    expect(r.added).toEqual([]);
    expect(events).toEqual([['removed', { module: fx.modulePath, token: expect.objectContaining({ serial: serial(b), label: 'token-b' }) }]]);
    expect((await service.poll()).removed).toEqual([]);
  });

  it('polling reports a token initialised in the spare slot as inserted', async () => {
    const client = await service.client(fx.modulePath);
    const spare = (await client.listTokens()).find((t) => !t.flags.tokenInitialized)!;
    const soPin = '1234567890';
    const c = await client.initToken(spare.slotId, soPin, 'token-c');
    expect(c).toMatchObject({ label: 'token-c', flags: { tokenInitialized: true, userPinInitialized: false } });
    await client.initUserPin(c.serial, soPin, '24682468');
    const wrongSo = await rejection(client.initUserPin(c.serial, '0000000000', '11111111'));
    expect(wrongSo.code).toBe('E_AUTH_FAILED');
    expect(wrongSo.message).toMatch(/security officer PIN for token "token-c" .* is incorrect/);
    expect((await client.login(c.serial, '24682468')).loggedIn).toBe(true);

    const r = await service.poll();
    expect(r.added.map((e) => e.token.serial)).toContain(c.serial);
    expect(r.added.find((e) => e.token.serial === c.serial)!.token).toMatchObject({ label: 'token-c', initialized: true });
  });

  it('a token created by another process appears after a rescan, which logs every token of the module out', async () => {
    const d = fx.addToken('token-d');
    const client = await service.client(fx.modulePath);
    // SoftHSM reads its token folder at C_Initialize only.
    expect((await service.poll()).added).toEqual([]);
    await client.rescan();
    const r = await service.poll();
    expect(r.added.map((e) => e.token.serial)).toContain(d.serial);
    expect((await client.tokenInfo(serial(a))).loggedIn).toBe(false);
    await client.login(d.serial, d.userPin);
    const k = await client.generateKey({ serial: d.serial, algorithm: 'aes-128', label: 'on d', usageMask: U.Encrypt | U.Decrypt });
    expect(k.algorithm).toBe('aes-128');
  });
});
