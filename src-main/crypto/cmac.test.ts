import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aesCmac, aesKcv } from './cmac.js';
import { VECTORS_DIR } from '../testing/vectors.js';

interface CmacGroup { keySize: number; tagSize: number; tests: Array<{ tcId: number; key: string; msg: string; tag: string; result: string }> }

describe('AES-CMAC', () => {
  const file = JSON.parse(readFileSync(join(VECTORS_DIR, 'wycheproof', 'aes_cmac_test.json'), 'utf8')) as { testGroups: CmacGroup[] };

  it('matches every valid Wycheproof vector and differs from every invalid tag', () => {
    let valid = 0;
    let invalid = 0;
    for (const g of file.testGroups) {
      if (![128, 192, 256].includes(g.keySize)) continue;
      for (const t of g.tests) {
        const key = Buffer.from(t.key, 'hex');
        const mac = aesCmac(key, Buffer.from(t.msg, 'hex')).subarray(0, g.tagSize / 8).toString('hex');
        if (t.result === 'valid') {
          expect(mac, `tcId ${t.tcId}`).toBe(t.tag);
          valid++;
        } else if (t.result === 'invalid') {
          expect(mac, `tcId ${t.tcId}`).not.toBe(t.tag);
          invalid++;
        }
      }
    }
    expect(valid).toBeGreaterThan(50);
    expect(invalid).toBeGreaterThan(10);
  });

  it('gives the RFC 4493 example MAC for the empty message', () => {
    const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
    expect(aesCmac(key, Buffer.alloc(0)).toString('hex')).toBe('bb1d6929e95937287fa37d129b756746');
  });

  it('computes a 3-byte key check value over a zero block', () => {
    const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
    expect(aesKcv(key)).toMatch(/^[0-9a-f]{6}$/);
    expect(aesKcv(key)).toBe(aesCmac(key, Buffer.alloc(16)).subarray(0, 3).toString('hex'));
  });
});
