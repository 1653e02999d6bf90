import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CustosError } from '../errors.js';
import { bkHash, blocklistValue, buildBlocklist, checkBlocklist, lookupBkHash, parseBlocklist, RECORD_SIZE } from './blocklist.js';

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
const big = (b64u: string) => BigInt(`0x${Buffer.from(b64u, 'base64url').toString('hex')}`);

describe('badkeys blocklist', () => {
  it('hashes the minimal big-endian bytes of the value and keeps 120 bits (BKHASH120)', () => {
    // 0x00ff must hash as the single byte ff: no leading zeros.
    expect(bkHash(0xffn).equals(createHash('sha256').update(Buffer.from([0xff])).digest().subarray(0, 15))).toBe(true);
    expect(bkHash(0x0100n).equals(createHash('sha256').update(Buffer.from([1, 0])).digest().subarray(0, 15))).toBe(true);
    expect(bkHash(1n)).toHaveLength(15);
  });

  it('takes the modulus of RSA, x of EC and the raw bytes of Ed25519 keys, as badkeys does', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const ed = generateKeyPairSync('ed25519').publicKey;
    expect(blocklistValue(spki(rsa))).toBe(big(rsa.export({ format: 'jwk' }).n!));
    expect(blocklistValue(spki(ec))).toBe(big(ec.export({ format: 'jwk' }).x!));
    expect(blocklistValue(spki(ed))).toBe(big(ed.export({ format: 'jwk' }).x!));
  });

  it('finds every listed key by binary search, with its list name, and no other key', () => {
    const listed = [
      ...Array.from({ length: 3 }, () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey),
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
      generateKeyPairSync('ed25519').publicKey,
    ];
    const clean = [generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, generateKeyPairSync('ed25519').publicKey];
    // Padding records (random hashes) make the search walk a real tree, listed keys at various depths.
    const filler = Array.from({ length: 2000 }, (_, i) => ({ value: BigInt(i) * 7919n + 12345678901234567890n, listId: 9 }));
    const data = buildBlocklist([...filler, ...listed.map((k, i) => ({ value: blocklistValue(spki(k))!, listId: i === 3 ? 22 : 1 }))]);
    expect(data.length % RECORD_SIZE).toBe(0);
    const list = parseBlocklist(data, JSON.stringify({ bkformat: 0, blocklists: [{ id: 1, name: 'debianssl' }, { id: '22', name: 'firmware' }] }));
    expect(list.records).toBe(2005);
    listed.forEach((k, i) => {
      const f = checkBlocklist(list, spki(k));
      expect(f).toEqual([expect.objectContaining({ check: 'blocklist', severity: 'critical' })]);
      expect(f[0]!.message).toContain(i === 3 ? 'firmware' : 'debianssl');
    });
    for (const k of clean) expect(checkBlocklist(list, spki(k))).toEqual([]);
    // Every record is found at its own position (first, last and everything between).
    for (let i = 0; i < list.records; i += 97) expect(lookupBkHash(list, data.subarray(i * 16, i * 16 + 15))).toBe(data[i * 16 + 15]);
    expect(lookupBkHash(list, data.subarray((list.records - 1) * 16, list.records * 16 - 1))).not.toBeNull();
    expect(lookupBkHash(list, Buffer.alloc(15, 0))).toBeNull();
    expect(lookupBkHash(list, Buffer.alloc(15, 0xff))).toBeNull();
  });

  it('names an unnamed list by its id', () => {
    const k = generateKeyPairSync('ed25519').publicKey;
    const list = parseBlocklist(buildBlocklist([{ value: blocklistValue(spki(k))!, listId: 42 }]));
    expect(checkBlocklist(list, spki(k))[0]!.message).toContain('list 42');
  });

  it('refuses files that are not a sorted list of 16-byte records, and bad metadata', () => {
    const good = buildBlocklist([1n, 2n, 3n].map((value) => ({ value, listId: 1 })));
    const refused = (data: Buffer, meta?: string) => {
      try {
        parseBlocklist(data, meta);
      } catch (e) {
        return e instanceof CustosError ? e.code : 'other';
      }
      return 'accepted';
    };
    expect(refused(Buffer.alloc(0))).toBe('E_INPUT');
    expect(refused(good.subarray(0, 40))).toBe('E_INPUT');
    const unsorted = Buffer.concat([good.subarray(16, 32), good.subarray(0, 16), good.subarray(32)]);
    expect(refused(unsorted)).toBe('E_INPUT');
    expect(refused(Buffer.concat([good.subarray(0, 16), good.subarray(0, 16)]))).toBe('E_INPUT');
    expect(refused(good, '{nope')).toBe('E_INPUT');
    expect(refused(good, JSON.stringify({ blocklists: [{ id: 'x', name: 1 }] }))).toBe('E_INPUT');
    expect(refused(good)).toBe('accepted');
  });
});
