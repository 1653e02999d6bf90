// PKCS#12's own password-based encryption (RFC 7292 Appendix B and C): the schemes of legacy
// PKCS#12 files, which neither pkijs nor Node's OpenSSL 3 (without its legacy provider) read.
//
//   1.2.840.113549.1.12.1.3  pbeWithSHAAnd3-KeyTripleDES-CBC   (OpenSSL < 3.0 default for keys)
//   1.2.840.113549.1.12.1.4  pbeWithSHAAnd2-KeyTripleDES-CBC
//   1.2.840.113549.1.12.1.5  pbeWithSHAAnd128BitRC2-CBC
//   1.2.840.113549.1.12.1.6  pbewithSHAAnd40BitRC2-CBC         (OpenSSL < 3.0 default for certificates)
//
// The key and IV come from the PKCS#12 KDF (Appendix B.2) with SHA-1 over the password as a
// BMPString with its two zero bytes; Triple DES runs in Node's OpenSSL (its default provider has
// it), RC2 in ./rc2.ts. RC4 (…12.1.1/2) is not read: nothing current makes it.
import { createDecipheriv, createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { rc2CbcDecrypt } from './rc2.js';

const PKCS12_PBE = '1.2.840.113549.1.12.1.';

interface Scheme {
  name: string;
  keyBytes: number;
  decrypt(key: Buffer, iv: Buffer, data: Uint8Array): Buffer;
}

const des = (cipher: string) => (key: Buffer, iv: Buffer, data: Uint8Array) => {
  const d = createDecipheriv(cipher, key, iv);
  return Buffer.concat([d.update(data), d.final()]);
};

const SCHEMES: Readonly<Record<string, Scheme>> = {
  [`${PKCS12_PBE}3`]: { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', keyBytes: 24, decrypt: des('des-ede3-cbc') },
  [`${PKCS12_PBE}4`]: { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', keyBytes: 16, decrypt: des('des-ede-cbc') },
  [`${PKCS12_PBE}5`]: { name: 'pbeWithSHAAnd128BitRC2-CBC', keyBytes: 16, decrypt: (k, iv, d) => rc2CbcDecrypt(k, 128, iv, d) },
  [`${PKCS12_PBE}6`]: { name: 'pbeWithSHAAnd40BitRC2-CBC', keyBytes: 5, decrypt: (k, iv, d) => rc2CbcDecrypt(k, 40, iv, d) },
};

/** Whether `oid` is one of PKCS#12's own PBE schemes (read here, or named as not read). */
export const isPkcs12Pbe = (oid: string) => oid.startsWith(PKCS12_PBE);
export const pkcs12PbeSupported = (oid: string) => oid in SCHEMES;
export const pkcs12PbeName = (oid: string) => SCHEMES[oid]?.name ?? `PKCS#12 PBE ${oid}`;

/** The password as PKCS#12 hashes it: BMPString (UTF-16 big-endian) with a terminating 0x0000. */
export function bmpPassword(password: string): Buffer {
  const le = Buffer.from(`${password}\u0000`, 'utf16le');
  for (let i = 0; i < le.byteLength; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

/** RFC 7292 B.2 with SHA-1 (u = 20, v = 64): `n` bytes for purpose `id` (1 key, 2 IV, 3 MAC key). */
export function pkcs12Kdf(password: Buffer, salt: Uint8Array, iterations: number, id: 1 | 2 | 3, n: number): Buffer {
  const u = 20;
  const v = 64;
  const d = Buffer.alloc(v, id);
  const fill = (src: Uint8Array) => {
    const out = Buffer.alloc(src.byteLength === 0 ? 0 : v * Math.ceil(src.byteLength / v));
    for (let i = 0; i < out.byteLength; i++) out[i] = src[i % src.byteLength]!;
    return out;
  };
  const i = Buffer.concat([fill(salt), fill(password)]);
  const out = Buffer.alloc(n);
  for (let done = 0; done < n; done += u) {
    let a = createHash('sha1').update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = createHash('sha1').update(a).digest();
    a.copy(out, done, 0, Math.min(u, n - done));
    if (done + u >= n) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block, B = A repeated to v bytes.
    const b = Buffer.alloc(v);
    for (let k = 0; k < v; k++) b[k] = a[k % u]!;
    for (let j = 0; j < i.byteLength; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k]! + b[k]! + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out;
}

/** pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }. */
export function pkcs12PbeParams(params: unknown): { salt: Uint8Array; iterations: number } {
  if (!(params instanceof asn1js.Sequence)) throw new RangeError('The PKCS#12 PBE parameters are not a SEQUENCE.');
  const [salt, count] = params.valueBlock.value;
  if (!(salt instanceof asn1js.OctetString) || !(count instanceof asn1js.Integer)) throw new RangeError('The PKCS#12 PBE parameters are damaged.');
  const iterations = count.valueBlock.valueDec;
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new RangeError('The PKCS#12 PBE iteration count is not valid.');
  return { salt: new Uint8Array(salt.valueBlock.valueHexView), iterations };
}

/**
 * Decrypts `data` encrypted with PKCS#12 PBE scheme `oid`. Throws RangeError('bad decrypt') when
 * the padding is wrong (a wrong password, most of the time) and for a scheme not read.
 */
export function pkcs12PbeDecrypt(oid: string, params: { salt: Uint8Array; iterations: number }, password: string, data: Uint8Array): Buffer {
  const scheme = SCHEMES[oid];
  if (!scheme) throw new RangeError(`${pkcs12PbeName(oid)} is not supported.`);
  const pw = bmpPassword(password);
  const key = pkcs12Kdf(pw, params.salt, params.iterations, 1, scheme.keyBytes);
  const iv = pkcs12Kdf(pw, params.salt, params.iterations, 2, 8);
  try {
    return scheme.decrypt(key, iv, data);
  } catch {
    throw new RangeError('bad decrypt');
  } finally {
    key.fill(0);
    pw.fill(0);
  }
}
