/**
 * SLIP-0039: Shamir's Secret-Sharing for Mnemonic Codes (SatoshiLabs), final specification with the
 * extendable backup flag. Pure functions apart from the random numbers `splitSecret` draws; every
 * rejection is a CustosError with code E_INPUT and a message a custodian can act on.
 */
import { CustosError } from '../../errors.js';
import { wipe } from '../../crypto/wipe.js';
import { decryptMasterSecret, encryptMasterSecret } from './cipher.js';
import type { Point } from './gf256.js';
import { decodeShare, encodeShare, MAX_ITERATION_EXPONENT, MIN_SECRET_BYTES, type Slip39Share } from './share.js';
import { DigestMismatch, MAX_SHARE_COUNT, recoverSecret, splitSecret as splitOneLevel, systemRandom } from './sss.js';

export type { Slip39Share } from './share.js';
export { mnemonicWordCount, normalizeWords } from './share.js';
export { SLIP39_WORDS } from './wordlist.js';

export interface Slip39GroupSpec {
  /** Shares of this group needed to rebuild the group's share, 1..count (1 only when count is 1). */
  threshold: number;
  /** Shares made for this group, 1..16. */
  count: number;
}

export interface Slip39SplitOptions {
  /** Groups needed to recover, 1..groups.length. */
  groupThreshold: number;
  /** 1..16 groups. A plain M-of-N split is one group {threshold: M, count: N} with groupThreshold 1. */
  groups: Slip39GroupSpec[];
  /** Printable ASCII (32..126); default empty. Any passphrase decrypts to *some* secret: SLIP-0039 cannot tell a wrong one. */
  passphrase?: string;
  /** PBKDF2 cost exponent e, 0..15: 10000 x 2^e iterations in all. Default 1, as the reference implementation. */
  iterationExponent?: number;
  /** Extendable backup flag (newer revision). Default true, as the reference implementation. */
  extendable?: boolean;
}

export const DEFAULT_ITERATION_EXPONENT = 1;
export const DEFAULT_EXTENDABLE = true;

function invalid(message: string): never {
  throw new CustosError('E_INPUT', message);
}

/** Checks the SLIP-0039 passphrase rule (printable ASCII) and returns its bytes. Never echoes it. */
function passphraseBytes(passphrase: string | undefined): Uint8Array {
  const p = passphrase ?? '';
  if (typeof p !== 'string') invalid('The passphrase must be text.');
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 32 || c > 126) {
      invalid(`The passphrase may contain only printable ASCII characters (letters, digits, punctuation and spaces); character ${i + 1} is not one of them.`);
    }
  }
  return new Uint8Array(Buffer.from(p, 'ascii'));
}

function isIntIn(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/**
 * Splits `masterSecret` (at least 16 bytes, even length) into SLIP-0039 mnemonics: one array of
 * mnemonics per group, in group order (mnemonics[g][m] is member m + 1 of group g + 1).
 */
export function splitSecret(masterSecret: Uint8Array, options: Slip39SplitOptions): string[][] {
  const random = systemRandom;
  if (!(masterSecret instanceof Uint8Array)) invalid('The secret must be bytes.');
  if (masterSecret.length < MIN_SECRET_BYTES || masterSecret.length % 2 !== 0) {
    invalid(`The secret must be at least ${MIN_SECRET_BYTES} bytes and an even number of bytes long; it is ${masterSecret.length} bytes.`);
  }
  const groups = options?.groups;
  if (!Array.isArray(groups) || groups.length < 1 || groups.length > MAX_SHARE_COUNT) {
    invalid(`Give between 1 and ${MAX_SHARE_COUNT} groups.`);
  }
  if (!isIntIn(options.groupThreshold, 1, groups.length)) {
    invalid(`The group threshold must be a whole number from 1 to the number of groups (${groups.length}).`);
  }
  groups.forEach((g, i) => {
    const name = groups.length === 1 ? 'The group' : `Group ${i + 1}`;
    if (!isIntIn(g?.count, 1, MAX_SHARE_COUNT)) invalid(`${name} must have between 1 and ${MAX_SHARE_COUNT} shares.`);
    if (!isIntIn(g.threshold, 1, g.count)) invalid(`${name}'s threshold must be a whole number from 1 to its number of shares (${g.count}).`);
    if (g.threshold === 1 && g.count > 1) {
      invalid(`${name} is 1-of-${g.count}: every one of its shares would be the same secret. Make it 1-of-1 and copy that share, or raise its threshold.`);
    }
  });
  const e = options.iterationExponent ?? DEFAULT_ITERATION_EXPONENT;
  if (!isIntIn(e, 0, MAX_ITERATION_EXPONENT)) invalid(`The iteration exponent must be a whole number from 0 to ${MAX_ITERATION_EXPONENT}.`);
  const extendable = options.extendable ?? DEFAULT_EXTENDABLE;
  if (typeof extendable !== 'boolean') invalid('The extendable flag must be true or false.');
  const passphrase = passphraseBytes(options.passphrase);

  const idBytes = random(2);
  const identifier = ((idBytes[0]! << 8) | idBytes[1]!) & 0x7fff;
  wipe(idBytes);

  const encrypted = encryptMasterSecret(masterSecret, passphrase, e, identifier, extendable);
  wipe(passphrase);
  const groupShares = splitOneLevel(options.groupThreshold, groups.length, encrypted, random);
  wipe(encrypted);

  const out = groups.map((g, groupIndex) => {
    const memberShares = splitOneLevel(g.threshold, g.count, groupShares[groupIndex]!, random);
    const mnemonics = memberShares.map((value, memberIndex) =>
      encodeShare({
        identifier,
        extendable,
        iterationExponent: e,
        groupIndex,
        groupThreshold: options.groupThreshold,
        groupCount: groups.length,
        memberIndex,
        memberThreshold: g.threshold,
        value,
      }),
    );
    wipe(...memberShares);
    return mnemonics;
  });
  wipe(...groupShares);
  return out;
}

/**
 * Decodes one share and checks it on its own: words, length, checksum, padding and header. Throws a
 * CustosError (E_INPUT) naming the word or the fault.
 */
export function decodeMnemonic(mnemonic: string): Slip39Share {
  return decodeShare(mnemonic);
}

export type Slip39Validation = { valid: true; share: Slip39Share } | { valid: false; error: CustosError };

/**
 * "Verify a share" without reconstructing anything: the checksum and structure of one mnemonic.
 * Never throws for a bad share; the error carries the message to show.
 */
export function validateMnemonic(mnemonic: string): Slip39Validation {
  try {
    return { valid: true, share: decodeShare(mnemonic) };
  } catch (e) {
    if (e instanceof CustosError) return { valid: false, error: e };
    throw e;
  }
}

interface Numbered {
  position: number;
  share: Slip39Share;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function listPositions(list: Numbered[]): string {
  const p = list.map((s) => s.position);
  return p.length === 1 ? `share ${p[0]}` : `shares ${p.slice(0, -1).join(', ')} and ${p[p.length - 1]}`;
}

/**
 * Combines SLIP-0039 mnemonics into the master secret. The set must be what the specification
 * requires: shares of one backup only, exactly the group threshold's number of groups, and exactly
 * each such group's member threshold of distinct shares. Throws a CustosError (E_INPUT) saying what
 * is wrong and what to do. A wrong passphrase cannot be detected: it yields a different secret.
 */
export function combineMnemonics(mnemonics: string[], passphrase?: string): Uint8Array {
  if (!Array.isArray(mnemonics) || mnemonics.length === 0) invalid('No shares were given.');
  const pass = passphraseBytes(passphrase);
  const decoded: Numbered[] = [];
  try {
    mnemonics.forEach((m, i) => decoded.push({ position: i + 1, share: decodeShare(m, i + 1) }));
    return combineDecoded(decoded, pass);
  } finally {
    wipe(pass, ...decoded.map((d) => d.share.value));
  }
}

function combineDecoded(decoded: Numbered[], passphrase: Uint8Array): Uint8Array {
  const first = decoded[0]!;
  const f = first.share;
  const several = decoded.length > 1;

  for (const d of decoded.slice(1)) {
    const s = d.share;
    if (s.identifier !== f.identifier || s.extendable !== f.extendable || s.iterationExponent !== f.iterationExponent) {
      invalid(`Share ${d.position} is from a different backup than share ${first.position}: all shares of one backup begin with the same two words. Remove the share that does not belong.`);
    }
    if (s.groupThreshold !== f.groupThreshold || s.groupCount !== f.groupCount) {
      invalid(`Share ${d.position} does not match share ${first.position}: they disagree on how many groups the backup has or needs, so one of them was altered or belongs to another backup.`);
    }
    if (s.value.length !== f.value.length) {
      invalid(`Share ${d.position} and share ${first.position} have different lengths, so they cannot belong to the same backup.`);
    }
  }

  // The same share typed twice, then two different shares claiming the same place.
  for (let i = 0; i < decoded.length; i++) {
    for (let j = i + 1; j < decoded.length; j++) {
      const a = decoded[i]!;
      const b = decoded[j]!;
      if (a.share.groupIndex !== b.share.groupIndex || a.share.memberIndex !== b.share.memberIndex) continue;
      if (a.share.memberThreshold === b.share.memberThreshold && sameBytes(a.share.value, b.share.value)) {
        invalid(`Share ${b.position} is the same share as share ${a.position}: each share counts once. Remove the duplicate and add a different share.`);
      }
      invalid(`Shares ${a.position} and ${b.position} both claim to be share ${a.share.memberIndex + 1} of group ${a.share.groupIndex + 1} but differ: one of them was altered or belongs to another backup.`);
    }
  }

  const groups = new Map<number, Numbered[]>();
  for (const d of decoded) {
    const list = groups.get(d.share.groupIndex) ?? [];
    list.push(d);
    groups.set(d.share.groupIndex, list);
  }
  for (const [gi, list] of groups) {
    const t = list[0]!.share.memberThreshold;
    const odd = list.find((d) => d.share.memberThreshold !== t);
    if (odd) {
      invalid(`Shares ${list[0]!.position} and ${odd.position} are both in group ${gi + 1} but disagree on how many of its shares are needed: one of them was altered or belongs to another backup.`);
    }
  }

  // Quorum, exactly as the specification demands.
  const needGroups = f.groupThreshold;
  const ordered = [...groups.entries()].sort((a, b) => a[0] - b[0]);
  const complete = ordered.filter(([, list]) => list.length >= list[0]!.share.memberThreshold);
  const short = ordered.filter(([, list]) => list.length < list[0]!.share.memberThreshold);
  const describeShort = short
    .map(([gi, list]) => `group ${gi + 1} needs ${list[0]!.share.memberThreshold} shares and has ${list.length}`)
    .join('; ');
  if (complete.length < needGroups) {
    if (f.groupCount === 1) {
      const t = f.memberThreshold;
      invalid(`Not enough shares: this backup needs ${plural(t, 'share')} and ${several ? `${decoded.length} were` : '1 was'} given. Add ${plural(t - decoded.length, 'more share')}.`);
    }
    const missing = needGroups - complete.length;
    invalid(`Not enough shares: this backup needs complete sets of shares from ${needGroups} of its ${f.groupCount} groups, and ${complete.length === 1 ? '1 group is' : `${complete.length} groups are`} complete${short.length ? ` (${describeShort})` : ''}. Complete ${plural(missing, 'more group')}.`);
  }
  if (short.length > 0) {
    invalid(`Too many shares: ${needGroups === 1 ? 'one group is' : `${needGroups} groups are`} already complete, and ${describeShort}. Leave out the shares of the incomplete ${short.length === 1 ? 'group' : 'groups'}.`);
  }
  if (complete.length > needGroups) {
    invalid(`Too many shares: this backup needs shares from exactly ${plural(needGroups, 'group')}, and shares from ${complete.length} groups were given. Leave out the shares of ${plural(complete.length - needGroups, 'group')}.`);
  }
  for (const [gi, list] of complete) {
    const t = list[0]!.share.memberThreshold;
    if (list.length > t) {
      const where = f.groupCount === 1 ? 'this backup' : `group ${gi + 1}`;
      invalid(`Too many shares: ${where} needs exactly ${plural(t, 'share')} and ${list.length} were given. Leave out ${plural(list.length - t, 'share')}.`);
    }
  }

  // Rebuild each group's share, then the encrypted master secret.
  const groupPoints: Point[] = [];
  try {
    for (const [gi, list] of complete) {
      const points = list.map((d) => ({ x: d.share.memberIndex, y: d.share.value }));
      try {
        groupPoints.push({ x: gi, y: recoverSecret(list[0]!.share.memberThreshold, points) });
      } catch (e) {
        if (e instanceof DigestMismatch) {
          invalid(`The shares do not fit together (${listPositions(list)}${f.groupCount > 1 ? ` of group ${gi + 1}` : ''} fail the digest check): one of them was altered or belongs to another backup.`);
        }
        throw e;
      }
    }
    let encrypted: Uint8Array;
    try {
      encrypted = recoverSecret(needGroups, groupPoints);
    } catch (e) {
      if (e instanceof DigestMismatch) {
        invalid('The shares do not fit together: the groups fail the digest check, so a share was altered or belongs to another backup.');
      }
      throw e;
    }
    const secret = decryptMasterSecret(encrypted, passphrase, f.iterationExponent, f.identifier, f.extendable);
    wipe(encrypted);
    return secret;
  } finally {
    wipe(...groupPoints.map((p) => p.y));
  }
}

/** Where a decoded share sits, in words a custodian understands (for a verify-share screen). */
export function shareSummary(share: Slip39Share): string {
  const member = `share ${share.memberIndex + 1} (${share.memberThreshold} needed)`;
  return share.groupCount === 1
    ? member
    : `${member} of group ${share.groupIndex + 1} (${share.groupThreshold} of ${share.groupCount} groups needed)`;
}
