import { createCipheriv } from 'node:crypto';
import { wipe } from './wipe.js';

/**
 * AES-CMAC (NIST SP 800-38B, RFC 4493). Node has no CMAC, and key check values for AES keys are
 * defined on it, so we build it on raw AES-ECB block encryptions. Checked against Wycheproof.
 */
const BLOCK = 16;
const RB = 0x87;

function ecbEncryptBlock(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function doubleBlock(b: Uint8Array): Buffer {
  const out = Buffer.alloc(BLOCK);
  let carry = 0;
  for (let i = BLOCK - 1; i >= 0; i--) {
    const v = b[i]!;
    out[i] = ((v << 1) | carry) & 0xff;
    carry = v >> 7;
  }
  if (carry) out[BLOCK - 1]! ^= RB;
  return out;
}

export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  if (![16, 24, 32].includes(key.length)) throw new RangeError('AES-CMAC needs a 128, 192 or 256-bit key.');
  const l = ecbEncryptBlock(key, Buffer.alloc(BLOCK));
  const k1 = doubleBlock(l);
  const k2 = doubleBlock(k1);
  const n = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const last = Buffer.alloc(BLOCK);
  const tail = message.subarray((n - 1) * BLOCK);
  tail.forEach((v, i) => (last[i] = v));
  if (!complete) last[tail.length] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) last[i]! ^= sub[i]!;

  // CBC-MAC over the blocks with a zero IV; one cipher call keeps this fast for long messages.
  const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, Buffer.alloc(BLOCK));
  c.setAutoPadding(false);
  const body = Buffer.concat([message.subarray(0, (n - 1) * BLOCK), last]);
  const enc = c.update(body);
  const mac = Buffer.from(enc.subarray(enc.length - BLOCK));
  wipe(l, k1, k2, last, body, enc);
  return mac;
}

/** Key check value of an AES key: CMAC over one zero block, first `bytes` bytes (3 by default). */
export function aesKcv(key: Uint8Array, bytes = 3): string {
  return aesCmac(key, Buffer.alloc(BLOCK)).subarray(0, bytes).toString('hex');
}
