import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from './hmac-sha256.js';

// RFC 4231 section 4: the cases whose messages are text (the class MACs UTF-8 text).
const RFC4231 = [
  { key: '0b'.repeat(20), data: 'Hi There', mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { key: Buffer.from('Jefe').toString('hex'), data: 'what do ya want for nothing?', mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { key: 'aa'.repeat(131), data: 'Test Using Larger Than Block-Size Key - Hash Key First', mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54' },
  {
    key: 'aa'.repeat(131),
    data: 'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

describe('HmacSha256', () => {
  it.each(RFC4231)('matches RFC 4231 ($data)', ({ key, data, mac }) => {
    const h = new HmacSha256(Buffer.from(key, 'hex'));
    expect(h.hex(data)).toBe(mac);
    // Reusing the key's buffers gives the same answer again.
    expect(h.hex(data)).toBe(mac);
  });

  it('agrees with createHmac for keys and messages of every length around the block size, including multi-byte text', () => {
    for (const keyLen of [0, 1, 16, 32, 63, 64, 65, 100]) {
      const key = randomBytes(keyLen);
      const h = new HmacSha256(key);
      for (const msg of ['', 'a', 'é', '€'.repeat(30), 'x'.repeat(64), 'y'.repeat(255), 'z'.repeat(1000), randomBytes(32).toString('hex')]) {
        expect(h.hex(msg)).toBe(createHmac('sha256', key).update(msg, 'utf8').digest('hex'));
      }
    }
  });

  it('keeps its own copy of the key, and refuses to work once wiped', () => {
    const key = randomBytes(32);
    const h = new HmacSha256(key);
    const before = h.hex('m');
    key.fill(0);
    expect(h.hex('m')).toBe(before);
    h.wipe();
    expect(() => h.hex('m')).toThrow(/after wipe/);
  });
});
