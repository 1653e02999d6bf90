/**
 * RS1024: the SLIP-0039 checksum, a Reed-Solomon code over GF(1024) whose three check symbols
 * are the last three words of a share. The customization string is fed in first, one character
 * (its US-ASCII code) per symbol, so shares of a different scheme or variant never verify.
 */

// Generator constants of the code, as given by the specification.
const GENERATOR = [
  0x00e0e040, 0x01c1c080, 0x03838100, 0x07070200, 0x0e0e0009,
  0x1c0c2412, 0x38086c24, 0x3090fc48, 0x21b1f890, 0x03f3f120,
] as const;

export const CUSTOMIZATION_ORIGINAL = 'shamir';
export const CUSTOMIZATION_EXTENDABLE = 'shamir_extendable';

export const CHECKSUM_WORDS = 3;

export function customizationString(extendable: boolean): string {
  return extendable ? CUSTOMIZATION_EXTENDABLE : CUSTOMIZATION_ORIGINAL;
}

function asciiSymbols(cs: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < cs.length; i++) out.push(cs.charCodeAt(i));
  return out;
}

/** The checksum state after feeding `symbols` (10-bit values) one after another. */
function polymod(symbols: Iterable<number>): number {
  let state = 1;
  for (const symbol of symbols) {
    const top = state >>> 20;
    state = (((state & 0xfffff) << 10) ^ symbol) >>> 0;
    for (let bit = 0; bit < 10; bit++) {
      if ((top >>> bit) & 1) state = (state ^ GENERATOR[bit]!) >>> 0;
    }
  }
  return state;
}

/** The three checksum symbols for `data` (the share's words as 10-bit values, checksum excluded). */
export function createChecksum(cs: string, data: readonly number[]): [number, number, number] {
  const residue = (polymod([...asciiSymbols(cs), ...data, 0, 0, 0]) ^ 1) >>> 0;
  return [(residue >>> 20) & 0x3ff, (residue >>> 10) & 0x3ff, residue & 0x3ff];
}

/** True when `symbols` (all words of a share, checksum included) carry a valid checksum. */
export function verifyChecksum(cs: string, symbols: readonly number[]): boolean {
  return polymod([...asciiSymbols(cs), ...symbols]) === 1;
}
