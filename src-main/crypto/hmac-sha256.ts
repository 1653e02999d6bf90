import { createHash, createHmac } from 'node:crypto';
import { oneShotHash as oneShot } from './one-shot-hash.js';

const BLOCK = 64;
const DIGEST = 32;

/**
 * HMAC-SHA256 (RFC 2104) under one key, for the audit trail's per-event MAC: H((K ^ opad) ||
 * H((K ^ ipad) || m)), computed with two one-shot digests over buffers made once per key.
 * createHmac makes a native Hmac object per call, which the garbage collector must track through a
 * weak handle; at twenty thousand audit events a second those handles and their buffers made every
 * young-generation collection of the main thread last 1-3 ms, long enough for the token's worker
 * to run out of work. Tested against RFC 4231 and against createHmac. Where crypto.hash is missing,
 * createHmac is used.
 */
export class HmacSha256 {
  private readonly key: Buffer;
  /** K ^ ipad, then room for the message. */
  private inner: Buffer;
  /** K ^ opad, then the inner digest. */
  private readonly outer: Buffer;
  private wiped = false;

  constructor(key: Uint8Array) {
    // RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros.
    this.key = key.byteLength > BLOCK ? createHash('sha256').update(key).digest() : Buffer.from(key);
    this.inner = Buffer.alloc(BLOCK + 256);
    this.outer = Buffer.alloc(BLOCK + DIGEST);
    this.fillPads(this.inner);
  }

  private fillPads(inner: Buffer): void {
    for (let i = 0; i < BLOCK; i++) {
      const k = i < this.key.byteLength ? this.key[i]! : 0;
      inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** The MAC of a text (UTF-8), hex. */
  hex(message: string): string {
    if (this.wiped) throw new Error('HmacSha256 used after wipe');
    if (!oneShot) return createHmac('sha256', this.key).update(message, 'utf8').digest('hex');
    const need = BLOCK + Buffer.byteLength(message, 'utf8');
    if (need > this.inner.byteLength) {
      this.inner.fill(0);
      this.inner = Buffer.alloc(need * 2);
      this.fillPads(this.inner);
    }
    const n = this.inner.write(message, BLOCK, 'utf8');
    // latin1 carries the 32 digest bytes as a string, one character per byte, without a Buffer.
    const innerDigest = oneShot('sha256', this.inner.subarray(0, BLOCK + n), 'latin1');
    this.outer.write(innerDigest, BLOCK, 'latin1');
    return oneShot('sha256', this.outer, 'hex');
  }

  /** Zeroes the key and the padded keys. */
  wipe(): void {
    this.wiped = true;
    this.key.fill(0);
    this.inner.fill(0);
    this.outer.fill(0);
  }
}
