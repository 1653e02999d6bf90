import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  curveByName,
  curveFromEcParams,
  ecdsaDerToRaw,
  ecdsaRawListToDer,
  ecdsaRawToDer,
  ecParamsEdwardsName,
  ecParamsOid,
  ecPointAttribute,
  ecPointFromAttribute,
  publicKeyPartsFromSpki,
  spkiFromEc,
  spkiFromRsa,
} from './spki.js';

describe('public keys from PKCS#11 attributes', () => {
  it('encodes an RSA SPKI identical to OpenSSL’s for the same key', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    // Tokens may return the modulus with a leading zero byte.
    const modulus = Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n!, 'base64url')]);
    const spki = spkiFromRsa(modulus, Buffer.from([1, 0, 1]));
    expect(spki.equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    const parts = publicKeyPartsFromSpki(spki);
    expect(parts).toMatchObject({ keyType: 'rsa', bits: 2048 });
  });

  for (const [curve, named] of [
    ['P-256', 'prime256v1'],
    ['P-384', 'secp384r1'],
    ['P-521', 'secp521r1'],
  ] as const) {
    it(`encodes an EC ${curve} SPKI identical to OpenSSL’s, from a DER or a bare CKA_EC_POINT`, () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: named });
      const expected = publicKey.export({ type: 'spki', format: 'der' });
      const parts = publicKeyPartsFromSpki(expected);
      if (parts.keyType !== 'ec') throw new Error('not ec');
      expect(parts.curve.name).toBe(curve);
      const { spki, curve: info } = spkiFromEc(parts.ecParams, parts.ecPoint);
      expect(info.name).toBe(curve);
      expect(spki.equals(expected)).toBe(true);
      const bare = ecPointFromAttribute(parts.ecPoint, info);
      expect(spkiFromEc(parts.ecParams, bare).spki.equals(expected)).toBe(true);
    });
  }

  it('reads Ed25519 curve parameters as an OID or as the PrintableString "edwards25519"', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const expected = publicKey.export({ type: 'spki', format: 'der' });
    const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    for (const params of [ecParamsOid(curveByName('Ed25519')), ecParamsEdwardsName()]) {
      expect(curveFromEcParams(params)?.name).toBe('Ed25519');
      expect(spkiFromEc(params, ecPointAttribute(x)).spki.equals(expected)).toBe(true);
      expect(spkiFromEc(params, x).spki.equals(expected)).toBe(true);
    }
    expect(Buffer.from(ecParamsOid(curveByName('Ed25519'))).toString('hex')).toBe('06032b6570');
    expect(Buffer.from(ecParamsEdwardsName()).toString('hex')).toBe('130c656477617264733235353139');
  });

  it('refuses curves it does not know and malformed points', () => {
    expect(curveFromEcParams(Buffer.from('06052b8104000a', 'hex'))).toBeNull(); // secp256k1
    expect(curveFromEcParams(Buffer.from('not der'))).toBeNull();
    expect(() => spkiFromEc(Buffer.from('06052b8104000a', 'hex'), Buffer.alloc(65, 4))).toThrow(/curve Custos does not support/);
    // A compressed P-256 point.
    expect(() => ecPointFromAttribute(Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 1)]), curveByName('P-256'))).toThrow(/compressed or malformed/);
    // A point that is not on the curve.
    expect(() => spkiFromEc(ecParamsOid(curveByName('P-256')), Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]))).toThrow(/not a valid key/);
  });
});

describe('ECDSA signatures between raw r||s and DER', () => {
  it('converts both ways, and openssl-compatible DER verifies', () => {
    for (const [named, n] of [
      ['prime256v1', 32],
      ['secp384r1', 48],
      ['secp521r1', 66],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: named });
      for (let i = 0; i < 100; i++) {
        const data = Buffer.from(`message ${i}`);
        const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        expect(raw.byteLength).toBe(2 * n);
        const der = ecdsaRawToDer(raw);
        expect(verify('sha256', data, publicKey, Buffer.from(der))).toBe(true);
        expect(Buffer.from(ecdsaDerToRaw(der, n)!).equals(raw)).toBe(true);
        const nodeDer = sign('sha256', data, privateKey);
        // OpenSSL's DER → raw → DER gives back the same bytes: the encoding is canonical.
        expect(Buffer.from(ecdsaRawToDer(ecdsaDerToRaw(nodeDer, n)!)).equals(nodeDer)).toBe(true);
      }
    }
  });

  it('encodes high-bit and short integers canonically', () => {
    const raw = Buffer.concat([Buffer.alloc(32, 0xff), Buffer.concat([Buffer.alloc(31, 0), Buffer.from([1])])]);
    expect(Buffer.from(ecdsaRawToDer(raw)).toString('hex')).toBe(`3026022100${'ff'.repeat(32)}020101`);
  });

  it('encodes a batch like one at a time, into one buffer holding only those signatures', () => {
    const raws = [
      Buffer.concat([Buffer.alloc(32, 0xff), Buffer.concat([Buffer.alloc(31, 0), Buffer.from([1])])]),
      Buffer.concat([Buffer.alloc(32, 0), Buffer.alloc(32, 0x7f)]),
      Buffer.alloc(132, 0x80),
      ...Array.from({ length: 5 }, (_, i) => sign('sha256', Buffer.from(`m${i}`), { key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, dsaEncoding: 'ieee-p1363' })),
    ];
    const ders = ecdsaRawListToDer(raws);
    expect(ders.map((d) => d.toString('hex'))).toEqual(raws.map((r) => Buffer.from(ecdsaRawToDer(r)).toString('hex')));
    const whole = Buffer.from(ders[0]!.buffer, ders[0]!.byteOffset, ders[0]!.buffer.byteLength - ders[0]!.byteOffset);
    expect(ders.every((d) => d.buffer === ders[0]!.buffer)).toBe(true);
    expect(whole.equals(Buffer.concat(ders))).toBe(true);
    expect(() => ecdsaRawListToDer([Buffer.alloc(3)])).toThrow(/odd length/);
  });

  it('returns null for what is not an ECDSA-Sig-Value', () => {
    expect(ecdsaDerToRaw(Buffer.from('3003020101', 'hex'), 32)).toBeNull();
    expect(ecdsaDerToRaw(Buffer.from('garbage'), 32)).toBeNull();
    expect(ecdsaDerToRaw(ecdsaRawToDer(Buffer.alloc(132, 0x7f)), 32)).toBeNull(); // too large for P-256
  });

  it('parses a point from a real SPKI', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const parts = publicKeyPartsFromSpki(publicKey.export({ type: 'spki', format: 'der' }));
    expect(parts.keyType === 'ec' && parts.ecPoint.byteLength).toBe(67);
    expect(createPublicKey({ key: publicKey.export({ type: 'spki', format: 'der' }), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ec');
  });
});
