// RC2 (RFC 2268, R. Rivest, 1998), only to read legacy PKCS#12 files: OpenSSL before 3.0, and
// `openssl pkcs12 -export -legacy`, encrypt the certificate part with pbeWithSHAAnd40BitRC2-CBC,
// and Node's OpenSSL 3 refuses RC2 without its legacy provider (which Node does not load).
// RC2 is broken as a cipher (40-bit keys, related-key attacks): Custos decrypts with it, never
// encrypts anything new with it.
//
// Written from the RFC's description: the 128-byte key expansion with PITABLE and the effective
// key length T1 (§2), and decryption as the inverse of the 16 MIXING and 2 MASHING rounds (§3, §4),
// with 16-bit words taken little-endian from each 8-byte block. Tested against the RFC's §5 vectors.

/** RFC 2268 §2: PITABLE, a permutation of 0..255 made from the digits of pi. */
const PITABLE = Uint8Array.from(
  Buffer.from(
    'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32' +
      'bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
      '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a' +
      '961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
      '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2e' +
      'c5f3db47e5a59c770aa62068fe7fc1ad',
    'hex',
  ),
);
if (PITABLE.byteLength !== 256 || new Set(PITABLE).size !== 256) throw new Error('RC2 PITABLE is not a permutation of 0..255.');

/** The 64 subkeys K[0..63] of an RC2 key with `effectiveBits` effective key bits (T1, 1..1024). */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const t = key.byteLength;
  if (t < 1 || t > 128) throw new RangeError('An RC2 key has 1 to 128 bytes.');
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024) throw new RangeError('RC2 effective key bits are 1 to 1024.');
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1]! + l[i - t]!) & 0xff]!;
  const t8 = (effectiveBits + 7) >> 3;
  const tm = 0xff >> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[l[128 - t8]! & tm]!;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1]! ^ l[i + t8]!]!;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i]! | (l[2 * i + 1]! << 8);
  return k;
}

const SHIFTS = [1, 2, 3, 5] as const;
const rol = (x: number, s: number) => ((x << s) | (x >>> (16 - s))) & 0xffff;
const ror = (x: number, s: number) => ((x >>> s) | (x << (16 - s))) & 0xffff;

function words(block: Uint8Array, at: number): number[] {
  return [0, 1, 2, 3].map((i) => block[at + 2 * i]! | (block[at + 2 * i + 1]! << 8));
}
function put(r: number[], out: Uint8Array, at: number): void {
  for (let i = 0; i < 4; i++) {
    out[at + 2 * i] = r[i]! & 0xff;
    out[at + 2 * i + 1] = r[i]! >>> 8;
  }
}

/** Encrypts one 8-byte block (§3): 5 mixing rounds, a mashing round, 6 mixing, a mashing, 5 mixing. For the tests. */
export function rc2EncryptBlock(k: Uint16Array, block: Uint8Array): Uint8Array {
  const r = words(block, 0);
  let j = 0;
  const mix = () => {
    for (let i = 0; i < 4; i++) {
      const a = r[(i + 3) & 3]!;
      r[i] = rol((r[i]! + k[j++]! + (a & r[(i + 2) & 3]!) + (~a & r[(i + 1) & 3]!)) & 0xffff, SHIFTS[i]!);
    }
  };
  const mash = () => {
    for (let i = 0; i < 4; i++) r[i] = (r[i]! + k[r[(i + 3) & 3]! & 63]!) & 0xffff;
  };
  for (const n of [5, 0, 6, 0, 5]) {
    if (n === 0) mash();
    else for (let x = 0; x < n; x++) mix();
  }
  const out = new Uint8Array(8);
  put(r, out, 0);
  return out;
}

/** Decrypts one 8-byte block in place at `at` (§4: the rounds of §3 undone in reverse order). */
function decryptBlockAt(k: Uint16Array, buf: Uint8Array, at: number): void {
  const r = words(buf, at);
  let j = 63;
  const rmix = () => {
    for (let i = 3; i >= 0; i--) {
      const a = r[(i + 3) & 3]!;
      r[i] = (ror(r[i]!, SHIFTS[i]!) - k[j--]! - (a & r[(i + 2) & 3]!) - (~a & r[(i + 1) & 3]!)) & 0xffff;
    }
  };
  const rmash = () => {
    for (let i = 3; i >= 0; i--) r[i] = (r[i]! - k[r[(i + 3) & 3]! & 63]!) & 0xffff;
  };
  for (const n of [5, 0, 6, 0, 5]) {
    if (n === 0) rmash();
    else for (let x = 0; x < n; x++) rmix();
  }
  put(r, buf, at);
}

export function rc2DecryptBlock(k: Uint16Array, block: Uint8Array): Uint8Array {
  const out = Uint8Array.from(block);
  decryptBlockAt(k, out, 0);
  return out;
}

/**
 * RC2-CBC decryption with PKCS#7 padding removed (RFC 8018 §6.1.1, as PKCS#12 uses it). Throws
 * a RangeError when the length or the padding is wrong — usually a wrong password.
 */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Buffer {
  if (iv.byteLength !== 8) throw new RangeError('RC2-CBC needs an 8-byte IV.');
  if (data.byteLength === 0 || data.byteLength % 8 !== 0) throw new RangeError('RC2-CBC data is not a whole number of blocks.');
  const k = rc2ExpandKey(key, effectiveBits);
  const out = Buffer.from(data);
  for (let at = 0; at < out.byteLength; at += 8) {
    decryptBlockAt(k, out, at);
    for (let i = 0; i < 8; i++) out[at + i]! ^= at === 0 ? iv[i]! : data[at - 8 + i]!;
  }
  const pad = out[out.byteLength - 1]!;
  if (pad < 1 || pad > 8) throw new RangeError('bad decrypt');
  for (let i = out.byteLength - pad; i < out.byteLength; i++) if (out[i] !== pad) throw new RangeError('bad decrypt');
  return out.subarray(0, out.byteLength - pad);
}
