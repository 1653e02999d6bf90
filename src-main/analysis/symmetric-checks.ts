// Symmetric key checks, from the key's recorded algorithm and size (no material is read).
//
// - AES: 128, 192 or 256 bits (FIPS 197); any other size is not AES.
// - DES: a 56-bit key, brute-forced since 1998 (EFF "Deep Crack"); FIPS 46-3 withdrawn 2005. Error.
// - TDEA: two-key (112-bit keying option 2) is disallowed for protection since 2016; three-key
//   was deprecated through 2023 and is disallowed for protection after 2023 (NIST SP 800-131A
//   Rev. 2 §2, SP 800-67 Rev. 2). Both are errors here: they may only decrypt legacy data.
// - HMAC: keys shorter than 112 bits are disallowed for generating MACs (SP 800-131A Rev. 2 §10,
//   SP 800-107 Rev. 1 §5.3.4). Error.
// - Any other symmetric key below 112 bits of strength is an error (SP 800-57 Part 1 Rev. 5 §5.6.2).
import type { AnalysisFinding } from './findings.js';

export interface SymmetricKeyFacts {
  /** The algorithm id as recorded (aes-128, hmac-sha256, des, des3, tdea-2key, …). */
  algorithm: string;
  family: string;
  /** Key size in bits as recorded (for TDEA: 112 or 168 effective, or 128/192 with parity bits). */
  size: number;
}

const isDes = (a: string) => /^(des|des-?cbc|des-?ecb|single-des)$/.test(a);
const isTdea = (a: string, f: string) => f === 'tdea' || f === '3des' || f === 'des3' || /^(3des|des3|tdea|tdes|des-ede3?|triple-des)/.test(a);

export function checkSymmetricKey(k: SymmetricKeyFacts): AnalysisFinding[] {
  const a = k.algorithm.toLowerCase();
  const f = k.family.toLowerCase();
  if (isTdea(a, f)) {
    const twoKey = k.size === 112 || k.size === 128 || /2key|2-key|ede(?!3)/.test(a);
    return [
      {
        check: 'sym-tdea',
        severity: 'error',
        message: twoKey
          ? 'Two-key triple DES: disallowed for encryption since 2016 (NIST SP 800-131A Rev. 2); use it only to decrypt legacy data and move to AES.'
          : 'Three-key triple DES: disallowed for encryption after 2023 (NIST SP 800-131A Rev. 2); use it only to decrypt legacy data and move to AES.',
      },
    ];
  }
  if (f === 'des' || isDes(a)) {
    return [{ check: 'sym-des', severity: 'error', message: 'Single DES (56-bit key) can be brute-forced; it must not be used. Move to AES.' }];
  }
  if (f === 'aes') {
    if (![128, 192, 256].includes(k.size)) return [{ check: 'sym-size', severity: 'error', message: `An AES key of ${k.size} bits is not valid AES (128, 192 or 256 bits).` }];
    return [];
  }
  if (f === 'hmac') {
    if (k.size < 112) return [{ check: 'hmac-key-size', severity: 'error', message: `This HMAC key has ${k.size} bits; keys shorter than 112 bits are disallowed for generating MACs (NIST SP 800-131A Rev. 2).` }];
    return [];
  }
  if (k.size > 0 && k.size < 112) return [{ check: 'sym-size', severity: 'error', message: `A ${k.size}-bit symmetric key is below the 112-bit minimum strength (NIST SP 800-57 Part 1 Rev. 5).` }];
  return [];
}
