import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError, type CustosError } from '../errors.js';
import { spkiToPem } from '../keys/identity.js';
import { createSoftHsm, pkcs11Tool, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';
import type { TokenClient } from './client.js';
import { parseListObjects, type ListedObject } from './pkcs11-tool.js';
import { openSoftHsmClient, withOpenssl } from './test-support.js';
import { KMIP_USAGE as U, usageMaskOf } from './usage.js';
import type { SignMechanism, TokenAlgorithm, TokenKeyRecord } from './types.js';

async function rejection(p: Promise<unknown>): Promise<CustosError> {
  try {
    await p;
  } catch (e) {
    if (isCustosError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!softHsmAvailable())('PKCS#11 against a real SoftHSM2 token (through the worker thread)', () => {
  let fx: SoftHsmFixture;
  let client: TokenClient;
  let cleanup: () => Promise<void>;
  const generated = new Map<string, TokenKeyRecord>();

  beforeAll(async () => {
    fx = createSoftHsm({ labels: ['custos-token-test'] });
    ({ client, cleanup } = await openSoftHsmClient(fx));
  });
  afterAll(async () => {
    await cleanup?.();
    fx?.cleanup();
  });

  const listed = (): ListedObject[] =>
    parseListObjects(pkcs11Tool(fx, ['--token-label', fx.label, '--list-objects', '--login', '--pin', fx.userPin]));

  it('describes the module, its slots, the token and its mechanisms', async () => {
    const info = await client.moduleInfo();
    expect(info.manufacturer).toBe('SoftHSM');
    expect(info.cryptokiVersion).toBe('2.40');

    const slots = await client.listSlots();
    expect(slots.some((s) => s.tokenPresent)).toBe(true);

    const tokens = await client.listTokens();
    const t = tokens.find((x) => x.serial === fx.serial)!;
    expect(t).toMatchObject({ label: fx.label, manufacturer: 'SoftHSM project', model: 'SoftHSM v2', loggedIn: false });
    expect(t.flags).toMatchObject({ tokenInitialized: true, userPinInitialized: true, loginRequired: true, rng: true, protectedAuthenticationPath: false });
    expect(t.userPin).toEqual({ countLow: false, finalTry: false, locked: false, toBeChanged: false });
    // SoftHSM keeps an uninitialised token in a spare slot, ready for C_InitToken.
    expect(tokens.some((x) => !x.flags.tokenInitialized && x.serial === '')).toBe(true);

    const mechs = await client.listMechanisms(fx.serial);
    const byName = new Map(mechs.map((m) => [m.name, m]));
    expect(byName.get('CKM_RSA_PKCS_KEY_PAIR_GEN')).toMatchObject({ minKeySize: 512, maxKeySize: 16384, flags: { generateKeyPair: true } });
    expect(byName.get('CKM_EC_EDWARDS_KEY_PAIR_GEN')?.flags.generateKeyPair).toBe(true);
    expect(byName.get('CKM_EDDSA')?.flags).toMatchObject({ sign: true, verify: true });
    expect(byName.get('CKM_AES_GCM')?.flags).toMatchObject({ encrypt: true, decrypt: true, wrap: false });
    expect(byName.get('CKM_AES_KEY_WRAP_PAD')?.flags).toMatchObject({ wrap: true, unwrap: true });
    expect(byName.get('CKM_ECDSA')?.flags.sign).toBe(true);
    expect(byName.has('CKM_ECDSA_SHA256')).toBe(false); // only raw ECDSA: Custos hashes in software
  });

  it('refuses work before login, and a wrong PIN with a typed error that names the token but never a PIN', async () => {
    const early = await rejection(client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'x', usageMask: U.Sign }));
    expect(early.code).toBe('E_PERMISSION');
    expect(early.message).toMatch(/Log in to token "custos-token-test"/);

    const wrong = '00000000';
    const e = await rejection(client.login(fx.serial, wrong));
    expect(e.code).toBe('E_AUTH_FAILED');
    expect(e.message).toContain(`token "${fx.label}" (serial ${fx.serial})`);
    expect(e.message).toMatch(/incorrect/);
    // SoftHSM raises CKF_USER_PIN_COUNT_LOW after a wrong PIN; the message passes that on.
    expect(e.message).toMatch(/few tries are left/);
    expect(e.message).toMatch(/\(CKR_PIN_INCORRECT\)$/);
    expect(e.message).not.toContain(wrong);
    expect(e.message).not.toContain(fx.userPin);
    expect((await client.tokenInfo(fx.serial)).userPin.countLow).toBe(true);
  });

  it('SoftHSM never locks the user PIN (so the locked-PIN mapping is proven in errors.test.ts)', async () => {
    for (let i = 0; i < 12; i++) expect((await rejection(client.login(fx.serial, `9999${i}999`))).code).toBe('E_AUTH_FAILED');
    expect((await client.tokenInfo(fx.serial)).userPin.locked).toBe(false);
    const info = await client.login(fx.serial, fx.userPin);
    expect(info.loggedIn).toBe(true);
    expect(info.userPin.countLow).toBe(false);
  });

  const cases: Array<{ algorithm: TokenAlgorithm; mask: number; kind: string; size: number; curve: string | null; keyType: string }> = [
    { algorithm: 'rsa-2048', mask: usageMaskOf('Sign', 'Verify', 'Encrypt', 'Decrypt'), kind: 'key-pair', size: 2048, curve: null, keyType: 'rsa' },
    { algorithm: 'rsa-4096', mask: usageMaskOf('Sign', 'Verify'), kind: 'key-pair', size: 4096, curve: null, keyType: 'rsa' },
    { algorithm: 'ec-p256', mask: usageMaskOf('Sign', 'Verify'), kind: 'key-pair', size: 256, curve: 'P-256', keyType: 'ec' },
    { algorithm: 'ec-p384', mask: usageMaskOf('Sign', 'Verify'), kind: 'key-pair', size: 384, curve: 'P-384', keyType: 'ec' },
    { algorithm: 'ec-p521', mask: usageMaskOf('Sign', 'Verify', 'DeriveKey'), kind: 'key-pair', size: 521, curve: 'P-521', keyType: 'ec' },
    { algorithm: 'ed25519', mask: usageMaskOf('Sign', 'Verify'), kind: 'key-pair', size: 255, curve: 'Ed25519', keyType: 'ec-edwards' },
    { algorithm: 'aes-128', mask: usageMaskOf('Encrypt', 'Decrypt'), kind: 'secret-key', size: 128, curve: null, keyType: 'aes' },
    { algorithm: 'aes-256', mask: usageMaskOf('WrapKey', 'UnwrapKey', 'Encrypt', 'Decrypt'), kind: 'secret-key', size: 256, curve: null, keyType: 'aes' },
    { algorithm: 'hmac-sha256', mask: usageMaskOf('MACGenerate', 'MACVerify'), kind: 'secret-key', size: 256, curve: null, keyType: 'generic-secret' },
  ];

  it('generates every algorithm on the token; the record is read back from the token', async () => {
    for (const c of cases) {
      const r = await client.generateKey({ serial: fx.serial, algorithm: c.algorithm, label: `gen-${c.algorithm}`, usageMask: c.mask });
      generated.set(c.algorithm, r);
      expect(r).toMatchObject({ serial: fx.serial, label: `gen-${c.algorithm}`, kind: c.kind, algorithm: c.algorithm, size: c.size, curve: c.curve, keyType: c.keyType, warnings: [] });
      expect(r.ckaId).toMatch(/^[0-9a-f]{32}$/);
      expect(r.usageMask).toBe(c.mask);
      expect(r.protection).toEqual({ private: true, sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true, local: true });
      if (c.kind === 'key-pair') {
        expect(r.objectCount).toBe(2);
        const spki = Buffer.from(r.spki!);
        expect(r.fingerprint).toBe(createHash('sha256').update(spki).digest('hex'));
        const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
        expect(pub.asymmetricKeyType).toBe(c.keyType === 'rsa' ? 'rsa' : c.keyType === 'ec' ? 'ec' : 'ed25519');
        // The private half never leaves the token: nothing in the record could carry it.
        expect(Object.keys(r).sort()).toEqual(['algorithm', 'ckaId', 'curve', 'fingerprint', 'keyType', 'kind', 'label', 'objectCount', 'protection', 'serial', 'size', 'spki', 'usage', 'usageMask', 'warnings']);
      } else {
        expect(r.objectCount).toBe(1);
        expect(r.spki).toBeNull();
      }
    }
  });

  it('pkcs11-tool sees each key with the attributes Custos set', () => {
    const objects = listed();
    const of = (alg: TokenAlgorithm) => objects.filter((o) => o.id === generated.get(alg)!.ckaId);

    const rsa = of('rsa-2048');
    const rsaPriv = rsa.find((o) => o.kind === 'Private Key Object')!;
    const rsaPub = rsa.find((o) => o.kind === 'Public Key Object')!;
    expect(rsaPriv.label).toBe('gen-rsa-2048');
    expect(rsaPriv.access).toEqual(new Set(['sensitive', 'always sensitive', 'never extractable', 'local']));
    expect(rsaPriv.usage).toEqual(new Set(['sign', 'decrypt']));
    expect(rsaPub.usage).toEqual(new Set(['verify', 'encrypt']));
    expect(rsaPub.detail).toBe('RSA 2048 bits');

    // Sign-only keys: SoftHSM's own defaults (decrypt/unwrap on private keys, encrypt/wrap on public ones) are all switched off.
    for (const alg of ['rsa-4096', 'ec-p256', 'ec-p384', 'ed25519'] as const) {
      const [priv, pub] = [of(alg).find((o) => o.kind === 'Private Key Object')!, of(alg).find((o) => o.kind === 'Public Key Object')!];
      expect(priv.usage, alg).toEqual(new Set(['sign']));
      expect(pub.usage, alg).toEqual(new Set(['verify']));
      expect(priv.access, alg).toContain('never extractable');
      expect(priv.access, alg).toContain('sensitive');
    }
    expect(of('ec-p521').find((o) => o.kind === 'Private Key Object')!.usage).toEqual(new Set(['sign', 'derive']));

    const aesWrap = of('aes-256')[0]!;
    expect(aesWrap.kind).toBe('Secret Key Object');
    expect(aesWrap.detail).toBe('AES length 32');
    expect(aesWrap.usage).toEqual(new Set(['encrypt', 'decrypt', 'wrap', 'unwrap']));
    expect(aesWrap.access).toEqual(new Set(['sensitive', 'always sensitive', 'never extractable', 'local']));
    expect(of('aes-128')[0]!.usage).toEqual(new Set(['encrypt', 'decrypt']));
    const hmac = of('hmac-sha256')[0]!;
    expect(hmac.detail).toBe('Generic secret length 32');
    expect(hmac.access).toEqual(new Set(['sensitive', 'always sensitive', 'never extractable', 'local']));
    // pkcs11-tool prints no "sign" for secret keys; discovery (above) reads CKA_SIGN itself.
    expect(hmac.usage).toEqual(new Set(['verify']));
  });

  const sigCases: Array<{ alg: TokenAlgorithm; mech: SignMechanism; openssl: (args: { data: string; sig: string; pub: string }) => string[] }> = [
    { alg: 'rsa-2048', mech: 'rsa-pkcs1-sha256', openssl: (f) => ['dgst', '-sha256', '-verify', f.pub, '-signature', f.sig, f.data] },
    {
      alg: 'rsa-2048',
      mech: 'rsa-pss-sha256',
      openssl: (f) => ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-verify', f.pub, '-signature', f.sig, f.data],
    },
    { alg: 'rsa-4096', mech: 'rsa-pkcs1-sha256', openssl: (f) => ['dgst', '-sha256', '-verify', f.pub, '-signature', f.sig, f.data] },
    { alg: 'ec-p256', mech: 'ecdsa-sha256', openssl: (f) => ['dgst', '-sha256', '-verify', f.pub, '-signature', f.sig, f.data] },
    { alg: 'ec-p384', mech: 'ecdsa-sha384', openssl: (f) => ['dgst', '-sha384', '-verify', f.pub, '-signature', f.sig, f.data] },
    { alg: 'ec-p521', mech: 'ecdsa-sha512', openssl: (f) => ['dgst', '-sha512', '-verify', f.pub, '-signature', f.sig, f.data] },
    { alg: 'ed25519', mech: 'eddsa', openssl: (f) => ['pkeyutl', '-verify', '-pubin', '-inkey', f.pub, '-rawin', '-in', f.data, '-sigfile', f.sig] },
  ];

  it('signs through the token with signatures that openssl verifies (and rejects when the data changes)', async () => {
    const data = Buffer.from('Custos signs this through a PKCS#11 token.\n');
    for (const c of sigCases) {
      const key = generated.get(c.alg)!;
      const ref = { serial: fx.serial, ckaId: key.ckaId! };
      const sig = await client.sign(ref, c.mech, data);
      expect(await client.verify(ref, c.mech, data, sig), c.mech).toBe(true);
      expect(await client.verify(ref, c.mech, Buffer.from('other data'), sig), c.mech).toBe(false);
      withOpenssl({ 'data.bin': data, 'other.bin': 'other data', 'sig.bin': sig, 'pub.pem': spkiToPem(key.spki!) }, (_dir, run) => {
        const ok = run(c.openssl({ data: 'data.bin', sig: 'sig.bin', pub: 'pub.pem' }));
        expect(ok.out, `${c.alg} ${c.mech}`).toMatch(/Verified OK|Signature Verified Successfully/);
        expect(ok.status).toBe(0);
        const bad = run(c.openssl({ data: 'other.bin', sig: 'sig.bin', pub: 'pub.pem' }));
        expect(bad.status, `${c.alg} ${c.mech} on other data`).not.toBe(0);
      });
    }
    // ECDSA also in the token's raw r||s form on request.
    const ec = { serial: fx.serial, ckaId: generated.get('ec-p256')!.ckaId! };
    const raw = await client.sign(ec, 'ecdsa-sha256', data, { ecdsaFormat: 'raw' });
    expect(raw.byteLength).toBe(64);
    expect(await client.verify(ec, 'ecdsa-sha256', data, raw, { ecdsaFormat: 'raw' })).toBe(true);
    expect(await client.verify(ec, 'ecdsa-sha256', data, Buffer.from('not DER'))).toBe(false);
  });

  it('computes and checks HMAC-SHA256 on the token', async () => {
    const ref = { serial: fx.serial, ckaId: generated.get('hmac-sha256')!.ckaId! };
    const mac = await client.sign(ref, 'hmac-sha256', Buffer.from('message'));
    expect(mac.byteLength).toBe(32);
    expect(await client.sign(ref, 'hmac-sha256', Buffer.from('message'))).toEqual(mac);
    expect(await client.verify(ref, 'hmac-sha256', Buffer.from('message'), mac)).toBe(true);
    expect(await client.verify(ref, 'hmac-sha256', Buffer.from('messagE'), mac)).toBe(false);
  });

  it('refuses a mechanism that does not fit the key, and usage the key was not generated with', async () => {
    const ec = { serial: fx.serial, ckaId: generated.get('ec-p256')!.ckaId! };
    const mismatch = await rejection(client.sign(ec, 'eddsa', Buffer.from('x')));
    expect(mismatch.code).toBe('E_INPUT');
    expect(mismatch.message).toMatch(/is an ec key; it cannot sign with eddsa/);

    // rsa-4096 was generated for Sign|Verify only: the token itself refuses decryption (CKA_DECRYPT false).
    const rsa = { serial: fx.serial, ckaId: generated.get('rsa-4096')!.ckaId! };
    const refused = await rejection(client.decrypt(rsa, 'rsa-oaep-sha1', Buffer.alloc(512, 1)));
    expect(refused.code).toBe('E_PERMISSION');
    expect(refused.message).toMatch(/usage attributes do not allow it to decrypt.*\(CKR_KEY_FUNCTION_NOT_PERMITTED\)/);

    const aes128 = { serial: fx.serial, ckaId: generated.get('aes-128')!.ckaId! };
    const notWrap = await rejection(client.wrapKey(aes128, { serial: fx.serial, ckaId: generated.get('hmac-sha256')!.ckaId! }));
    expect(notWrap.code).toBe('E_PERMISSION');

    const missing = await rejection(client.sign({ serial: fx.serial, ckaId: 'ab'.repeat(16) }, 'ecdsa-sha256', Buffer.from('x')));
    expect(missing.code).toBe('E_NOT_FOUND');
    expect(missing.message).toMatch(/has no private key with CKA_ID abab/);
  });

  it('encrypts and decrypts with AES-GCM on the token; altered data, AAD or IV fail as E_CRYPTO', async () => {
    const ref = { serial: fx.serial, ckaId: generated.get('aes-256')!.ckaId! };
    const aad = Buffer.from('custos/v1/test');
    const { ciphertext, iv } = await client.encrypt(ref, 'aes-gcm', Buffer.from('a secret for the token'), { aad });
    expect(iv!.byteLength).toBe(12);
    expect(ciphertext.byteLength).toBe('a secret for the token'.length + 16);
    expect(Buffer.from(await client.decrypt(ref, 'aes-gcm', ciphertext, { aad, iv: iv! })).toString()).toBe('a secret for the token');

    const flipped = new Uint8Array(ciphertext);
    flipped[0]! ^= 1;
    for (const attempt of [
      () => client.decrypt(ref, 'aes-gcm', flipped, { aad, iv: iv! }),
      () => client.decrypt(ref, 'aes-gcm', ciphertext, { aad: Buffer.from('other'), iv: iv! }),
      () => client.decrypt(ref, 'aes-gcm', ciphertext, { aad, iv: new Uint8Array(12) }),
    ]) {
      const e = await rejection(attempt());
      expect(e.code).toBe('E_CRYPTO');
      expect(e.message).toMatch(/^Decryption failed/);
    }
    // The session is still usable after failed decryptions.
    expect(Buffer.from(await client.decrypt(ref, 'aes-gcm', ciphertext, { aad, iv: iv! })).toString()).toBe('a secret for the token');
  });

  it('decrypts RSA-OAEP made by openssl, and round-trips its own; SoftHSM has no OAEP with SHA-256', async () => {
    const key = generated.get('rsa-2048')!;
    const ref = { serial: fx.serial, ckaId: key.ckaId! };
    const ct = withOpenssl({ 'pub.pem': spkiToPem(key.spki!), 'msg.bin': 'wrapped by openssl' }, (dir, run) => {
      const r = run(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'pub.pem', '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha1', '-in', 'msg.bin', '-out', 'ct.bin']);
      expect(r.status, r.out).toBe(0);
      return readFileSync(join(dir, 'ct.bin'));
    });
    expect(Buffer.from(await client.decrypt(ref, 'rsa-oaep-sha1', ct)).toString()).toBe('wrapped by openssl');

    const own = await client.encrypt(ref, 'rsa-oaep-sha1', Buffer.from('round trip'));
    expect(own.iv).toBeNull();
    expect(Buffer.from(await client.decrypt(ref, 'rsa-oaep-sha1', own.ciphertext)).toString()).toBe('round trip');

    const sha256 = await rejection(client.encrypt(ref, 'rsa-oaep-sha256', Buffer.from('x')));
    expect(sha256.code).toBe('E_UNSUPPORTED');
  });

  it('wraps an extractable key with AES key wrap (padded) and unwraps it as a working copy; never-extractable keys refuse', async () => {
    const wrapping = { serial: fx.serial, ckaId: generated.get('aes-256')!.ckaId! };
    const backupable = await client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'backupable', usageMask: usageMaskOf('Sign', 'Verify'), wrappableForBackup: true });
    expect(backupable.protection).toMatchObject({ sensitive: true, extractable: true, neverExtractable: false });
    const tool = listed().find((o) => o.id === backupable.ckaId && o.kind === 'Private Key Object')!;
    expect(tool.access).not.toContain('never extractable');
    expect(tool.access).toContain('extractable');

    const w = await client.wrapKey(wrapping, { serial: fx.serial, ckaId: backupable.ckaId! });
    expect(w).toMatchObject({ mechanism: 'aes-key-wrap-pad', kind: 'private-key', keyType: 'ec' });
    expect(w.wrapped.byteLength).toBeGreaterThan(32);

    const restored = await client.unwrapKey(wrapping, w.wrapped, {
      kind: 'private-key',
      algorithm: 'ec-p256',
      label: 'restored',
      usageMask: usageMaskOf('Sign', 'Verify'),
      spki: backupable.spki!,
    });
    expect(restored.ckaId).not.toBe(backupable.ckaId);
    expect(restored).toMatchObject({ kind: 'key-pair', algorithm: 'ec-p256', fingerprint: backupable.fingerprint, usageMask: usageMaskOf('Sign', 'Verify') });
    expect(restored.protection).toMatchObject({ sensitive: true, extractable: false, local: false });

    const data = Buffer.from('signed by the restored copy');
    const sig = await client.sign({ serial: fx.serial, ckaId: restored.ckaId! }, 'ecdsa-sha256', data);
    expect(await client.verify({ serial: fx.serial, ckaId: backupable.ckaId! }, 'ecdsa-sha256', data, sig)).toBe(true);

    const refused = await rejection(client.wrapKey(wrapping, { serial: fx.serial, ckaId: generated.get('ec-p384')!.ckaId! }));
    expect(refused.code).toBe('E_PERMISSION');
    expect(refused.message).toMatch(/never extractable/);

    const aes = await client.generateKey({ serial: fx.serial, algorithm: 'aes-128', label: 'aes-backupable', usageMask: U.Encrypt | U.Decrypt, wrappableForBackup: true });
    const wAes = await client.wrapKey(wrapping, { serial: fx.serial, ckaId: aes.ckaId! });
    expect(wAes.kind).toBe('secret-key');
    const aesCopy = await client.unwrapKey(wrapping, wAes.wrapped, { kind: 'secret-key', algorithm: 'aes-128', label: 'aes-copy', usageMask: U.Encrypt | U.Decrypt });
    const enc = await client.encrypt({ serial: fx.serial, ckaId: aes.ckaId! }, 'aes-gcm', Buffer.from('same key'));
    expect(Buffer.from(await client.decrypt({ serial: fx.serial, ckaId: aesCopy.ckaId! }, 'aes-gcm', enc.ciphertext, { iv: enc.iv! })).toString()).toBe('same key');
  });

  it('destroys a key (both halves) and then reports it as not found', async () => {
    const victim = await client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'victim', usageMask: usageMaskOf('Sign', 'Verify') });
    const ref = { serial: fx.serial, ckaId: victim.ckaId! };
    await client.sign(ref, 'ecdsa-sha256', Buffer.from('before'));
    expect(await client.destroyKey(ref)).toEqual({ destroyed: 2 });
    expect(listed().some((o) => o.id === victim.ckaId)).toBe(false);
    expect((await rejection(client.sign(ref, 'ecdsa-sha256', Buffer.from('after')))).code).toBe('E_NOT_FOUND');
    expect((await rejection(client.readKey(ref))).code).toBe('E_NOT_FOUND');
    expect((await rejection(client.destroyKey(ref))).code).toBe('E_NOT_FOUND');
  });

  it('notices a key deleted by another application', async () => {
    const k = await client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'deleted-elsewhere', usageMask: usageMaskOf('Sign', 'Verify') });
    const ref = { serial: fx.serial, ckaId: k.ckaId! };
    await client.sign(ref, 'ecdsa-sha256', Buffer.from('cached handle'));
    pkcs11Tool(fx, ['--token-label', fx.label, '--login', '--pin', fx.userPin, '--delete-object', '--type', 'privkey', '--id', k.ckaId!]);
    const e = await rejection(client.sign(ref, 'ecdsa-sha256', Buffer.from('after')));
    expect(e.code).toBe('E_NOT_FOUND');
  });

  it('refuses bad requests before they reach the token', async () => {
    expect((await rejection(client.generateKey({ serial: fx.serial, algorithm: 'ed25519', label: 'x', usageMask: U.Encrypt }))).message).toMatch(/Ed25519 keys cannot be used for Encrypt/);
    expect((await rejection(client.generateKey({ serial: fx.serial, algorithm: 'aes-256', label: 'x', usageMask: 0 }))).code).toBe('E_INPUT');
    expect((await rejection(client.generateKey({ serial: fx.serial, algorithm: 'dsa-1024' as TokenAlgorithm, label: 'x', usageMask: U.Sign }))).code).toBe('E_INPUT');
    expect((await rejection(client.sign({ serial: fx.serial, ckaId: 'XYZ' }, 'eddsa', Buffer.from('x')))).code).toBe('E_INPUT');
    expect((await rejection(client.sign({ serial: 'no-such-serial', ckaId: 'ab' }, 'eddsa', Buffer.from('x')))).code).toBe('E_NOT_FOUND');
    const dup = generated.get('ec-p256')!.ckaId!;
    expect((await rejection(client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'x', usageMask: U.Sign, ckaId: dup }))).code).toBe('E_CONFLICT');
  });

  it('logs out: private keys are then out of reach', async () => {
    await client.logout(fx.serial);
    expect((await client.tokenInfo(fx.serial)).loggedIn).toBe(false);
    const e = await rejection(client.sign({ serial: fx.serial, ckaId: generated.get('ec-p256')!.ckaId! }, 'ecdsa-sha256', Buffer.from('x')));
    expect(e.code).toBe('E_PERMISSION');
    // Public-key operations need no login.
    const ed = generated.get('ed25519')!;
    await client.login(fx.serial, fx.userPin);
    const sig = await client.sign({ serial: fx.serial, ckaId: ed.ckaId! }, 'eddsa', Buffer.from('y'));
    await client.logout(fx.serial);
    expect(await client.verify({ serial: fx.serial, ckaId: ed.ckaId! }, 'eddsa', Buffer.from('y'), sig)).toBe(true);
  });
});
