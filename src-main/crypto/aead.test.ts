import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from './aead.js';

describe('AES-256-GCM envelope', () => {
  const key = randomBytes(32);
  it('round-trips with the same associated data', () => {
    const s = seal(key, Buffer.from('secret'), 'aad-1');
    expect(open(key, s, 'aad-1')?.toString()).toBe('secret');
  });
  it('refuses other associated data, a flipped bit or another key', () => {
    const s = seal(key, Buffer.from('secret'), 'aad-1');
    expect(open(key, s, 'aad-2')).toBeNull();
    const flipped = { nonce: s.nonce, box: Buffer.from(s.box) };
    flipped.box[0]! ^= 1;
    expect(open(key, flipped, 'aad-1')).toBeNull();
    expect(open(randomBytes(32), s, 'aad-1')).toBeNull();
  });
  it('uses a fresh nonce every time', () => {
    expect(seal(key, Buffer.from('a'), 'x').nonce.equals(seal(key, Buffer.from('a'), 'x').nonce)).toBe(false);
  });
});
