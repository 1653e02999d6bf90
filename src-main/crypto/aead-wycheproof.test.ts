import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTORS_DIR } from '../testing/vectors.js';
import { open } from './aead.js';

interface GcmCase { tcId: number; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }
interface GcmGroup { ivSize: number; keySize: number; tagSize: number; tests: GcmCase[] }

describe('AES-256-GCM open() against Wycheproof', () => {
  const file = JSON.parse(readFileSync(join(VECTORS_DIR, 'wycheproof', 'aes_gcm_test.json'), 'utf8')) as { testGroups: GcmGroup[] };
  // The vault only uses 256-bit keys, 96-bit nonces and full tags; those are the groups that apply.
  const groups = file.testGroups.filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128);

  it('decrypts every valid case and rejects every invalid one', () => {
    let valid = 0;
    let invalid = 0;
    for (const g of groups) {
      for (const t of g.tests) {
        const out = open(Buffer.from(t.key, 'hex'), { nonce: Buffer.from(t.iv, 'hex'), box: Buffer.concat([Buffer.from(t.ct, 'hex'), Buffer.from(t.tag, 'hex')]) }, Buffer.from(t.aad, 'hex'));
        if (t.result === 'valid') {
          expect(out?.toString('hex'), `tcId ${t.tcId}`).toBe(t.msg);
          valid++;
        } else if (t.result === 'invalid') {
          expect(out, `tcId ${t.tcId}`).toBeNull();
          invalid++;
        }
      }
    }
    expect(valid).toBeGreaterThan(20);
    expect(invalid).toBeGreaterThan(10);
  });
});
