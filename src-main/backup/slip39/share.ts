/**
 * The mnemonic form of one share: 10 bits per word, big-endian.
 *
 *   identifier 15 | extendable 1 | iteration exponent 4 | group index 4 | group threshold - 1 4 |
 *   group count - 1 4 | member index 4 | member threshold - 1 4 | padded share value | checksum 30
 *
 * The header fills the first four words exactly; the share value is left-padded with zero bits to a
 * whole number of words; the last three words are the RS1024 checksum.
 */
import { CustosError } from '../../errors.js';
import { CHECKSUM_WORDS, createChecksum, customizationString, verifyChecksum } from './rs1024.js';
import { wordAt, wordValue } from './wordlist.js';

export const HEADER_WORDS = 4;
export const MIN_SECRET_BYTES = 16;
/** 20 words: a 128-bit share value. */
export const MIN_MNEMONIC_WORDS = HEADER_WORDS + Math.ceil((MIN_SECRET_BYTES * 8) / 10) + CHECKSUM_WORDS;
export const MAX_IDENTIFIER = 0x7fff;
export const MAX_ITERATION_EXPONENT = 15;

/** One decoded share. Indices are the x values written in the share (0-based); thresholds and counts are the real numbers. */
export interface Slip39Share {
  /** 15-bit random identifier shared by every share of one split. */
  identifier: number;
  /** Extendable backup flag (the newer revision of SLIP-0039). */
  extendable: boolean;
  /** PBKDF2 runs 10000 x 2^e iterations in all. */
  iterationExponent: number;
  /** 0-based group index (show groupIndex + 1 to people). */
  groupIndex: number;
  /** How many groups are needed, 1..16. */
  groupThreshold: number;
  /** How many groups there are, 1..16. */
  groupCount: number;
  /** 0-based member index within the group (show memberIndex + 1 to people). */
  memberIndex: number;
  /** How many shares of this group are needed, 1..16. */
  memberThreshold: number;
  /** The share value (as long as the master secret). */
  value: Uint8Array;
}

/** Where a share sits in a list the person typed, for messages ("share 2"); undefined for a lone share. */
export type SharePosition = number | undefined;

export function wordsOfValue(length: number): number {
  return Math.ceil((length * 8) / 10);
}

/** How many words a share of a `secretLength`-byte master secret has (20 for 16 bytes, 33 for 32). */
export function mnemonicWordCount(secretLength: number): number {
  return HEADER_WORDS + wordsOfValue(secretLength) + CHECKSUM_WORDS;
}

/** Splits typed text into lowercase words (any whitespace, any case). */
export function normalizeWords(mnemonic: string): string[] {
  return mnemonic.trim().toLowerCase().split(/\s+/).filter((w) => w.length > 0);
}

function bytesToWords(bytes: Uint8Array): number[] {
  const total = wordsOfValue(bytes.length);
  const out: number[] = [];
  let acc = 0;
  let bits = total * 10 - bytes.length * 8; // leading zero padding
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 10) {
      bits -= 10;
      out.push((acc >>> bits) & 0x3ff);
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

export function encodeShare(share: Slip39Share): string {
  const { identifier: id, iterationExponent: e, groupIndex: gi, memberIndex: mi } = share;
  const gt = share.groupThreshold - 1;
  const g = share.groupCount - 1;
  const t = share.memberThreshold - 1;
  const ext = share.extendable ? 1 : 0;
  const header = [
    id >>> 5,
    ((id & 0x1f) << 5) | (ext << 4) | e,
    (gi << 6) | (gt << 2) | (g >>> 2),
    ((g & 0x3) << 8) | (mi << 4) | t,
  ];
  const data = [...header, ...bytesToWords(share.value)];
  const checksum = createChecksum(customizationString(share.extendable), data);
  return [...data, ...checksum].map(wordAt).join(' ');
}

function fail(message: string): never {
  throw new CustosError('E_INPUT', message);
}

function subject(position: SharePosition): string {
  return position === undefined ? 'This share' : `Share ${position}`;
}

/**
 * Decodes a share, checking the words, the length, the checksum, the padding and the header. Every
 * failure is an E_INPUT CustosError whose message says which share (when `position` is given) and
 * which word, so a custodian can correct it.
 */
export function decodeShare(mnemonic: string, position: SharePosition = undefined): Slip39Share {
  if (typeof mnemonic !== 'string') fail(`${subject(position)} is not text.`);
  const words = normalizeWords(mnemonic);
  if (words.length === 0) fail(`${subject(position)} is empty.`);

  const values: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const v = wordValue(words[i]!);
    if (v === undefined) {
      const where = position === undefined ? `Word ${i + 1}` : `Share ${position}, word ${i + 1}`;
      fail(`${where} '${words[i]}' is not in the SLIP-0039 word list.`);
    }
    values.push(v);
  }

  if (words.length < MIN_MNEMONIC_WORDS) {
    fail(`${subject(position)} has ${words.length} words, but a SLIP-0039 share has at least ${MIN_MNEMONIC_WORDS} (20 for a 128-bit secret, 33 for a 256-bit one): a word is missing.`);
  }
  const valueWords = words.length - HEADER_WORDS - CHECKSUM_WORDS;
  const paddedBits = valueWords * 10;
  const paddingBits = paddedBits % 16;
  if (paddingBits > 8) {
    fail(`${subject(position)} has ${words.length} words, which is not a valid SLIP-0039 share length (20 for a 128-bit secret, 33 for a 256-bit one): a word is missing or extra.`);
  }

  const extendable = ((values[1]! >>> 4) & 1) === 1;
  if (!verifyChecksum(customizationString(extendable), values)) {
    fail(position === undefined
      ? 'The checksum of this share is wrong: a word was mistyped, swapped or left out. Check each word against the share card.'
      : `The checksum of share ${position} is wrong: a word was mistyped, swapped or left out. Check each word against the share card.`);
  }

  // Share value: drop the padding (which must be zero), then take whole bytes.
  const length = (paddedBits - paddingBits) / 8;
  const value = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let padToCheck = paddingBits;
  let n = 0;
  for (let i = HEADER_WORDS; i < HEADER_WORDS + valueWords; i++) {
    acc = (acc << 10) | values[i]!;
    bits += 10;
    if (padToCheck > 0) {
      if ((acc >>> (bits - padToCheck)) !== 0) {
        value.fill(0);
        fail(`${subject(position)} is not valid: its padding bits are not zero, so it was not made by a SLIP-0039 implementation or was altered.`);
      }
      bits -= padToCheck;
      acc &= (1 << bits) - 1;
      padToCheck = 0;
    }
    while (bits >= 8) {
      bits -= 8;
      value[n++] = (acc >>> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }

  const w0 = values[0]!;
  const w1 = values[1]!;
  const w2 = values[2]!;
  const w3 = values[3]!;
  const share: Slip39Share = {
    identifier: (w0 << 5) | (w1 >>> 5),
    extendable,
    iterationExponent: w1 & 0xf,
    groupIndex: w2 >>> 6,
    groupThreshold: ((w2 >>> 2) & 0xf) + 1,
    groupCount: (((w2 & 0x3) << 2) | (w3 >>> 8)) + 1,
    memberIndex: (w3 >>> 4) & 0xf,
    memberThreshold: (w3 & 0xf) + 1,
    value,
  };
  if (share.groupThreshold > share.groupCount) {
    value.fill(0);
    fail(`${subject(position)} is not valid: it says ${share.groupThreshold} groups are needed but the backup has only ${share.groupCount}.`);
  }
  return share;
}
