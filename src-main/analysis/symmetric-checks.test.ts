import { describe, expect, it } from 'vitest';
import { checkSymmetricKey } from './symmetric-checks.js';

const checks = (algorithm: string, family: string, size: number) => checkSymmetricKey({ algorithm, family, size }).map((f) => `${f.check}:${f.severity}`);

describe('symmetric key checks', () => {
  it('passes AES-128/192/256 and HMAC keys of 112 bits or more', () => {
    expect(checks('aes-128', 'aes', 128)).toEqual([]);
    expect(checks('aes-192', 'aes', 192)).toEqual([]);
    expect(checks('aes-256', 'aes', 256)).toEqual([]);
    expect(checks('hmac-sha256', 'hmac', 256)).toEqual([]);
    expect(checks('hmac-sha1', 'hmac', 112)).toEqual([]);
  });

  it('flags DES, two- and three-key TDEA, short HMAC keys and other short keys', () => {
    expect(checks('des', 'des', 56)).toEqual(['sym-des:error']);
    expect(checks('des-cbc', 'des', 64)).toEqual(['sym-des:error']);
    expect(checks('des3', 'tdea', 168)).toEqual(['sym-tdea:error']);
    expect(checkSymmetricKey({ algorithm: 'tdea-2key', family: 'tdea', size: 112 })[0]!.message).toContain('Two-key');
    expect(checkSymmetricKey({ algorithm: 'des-ede3-cbc', family: 'tdea', size: 192 })[0]!.message).toContain('Three-key');
    expect(checks('hmac-sha256', 'hmac', 104)).toEqual(['hmac-key-size:error']);
    expect(checks('hmac-sha256', 'hmac', 80)).toEqual(['hmac-key-size:error']);
    expect(checks('aes-100', 'aes', 100)).toEqual(['sym-size:error']);
    expect(checks('rc4-80', 'rc4', 80)).toEqual(['sym-size:error']);
  });
});
