/**
 * One level of SLIP-0039 secret sharing (SplitSecret / RecoverSecret of the specification): the
 * secret is the polynomials' value at x = 255 and a digest of it their value at x = 254, so a
 * recovery can tell a consistent set of shares from an inconsistent one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { wipe } from '../../crypto/wipe.js';
import { interpolate, type Point } from './gf256.js';

export const SECRET_INDEX = 255;
export const DIGEST_INDEX = 254;
export const DIGEST_LENGTH = 4;
export const MAX_SHARE_COUNT = 16;

export type RandomSource = (length: number) => Uint8Array;

export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

function digestOf(randomPart: Uint8Array, secret: Uint8Array): Uint8Array {
  const mac = createHmac('sha256', randomPart).update(secret).digest();
  const out = new Uint8Array(mac.subarray(0, DIGEST_LENGTH));
  wipe(mac);
  return out;
}

/** Shares for x = 0 .. count-1, any `threshold` of which give back `secret`. */
export function splitSecret(threshold: number, count: number, secret: Uint8Array, random: RandomSource = systemRandom): Uint8Array[] {
  if (!(Number.isInteger(threshold) && Number.isInteger(count) && threshold >= 1 && threshold <= count && count <= MAX_SHARE_COUNT)) {
    throw new RangeError(`invalid sharing scheme ${threshold}-of-${count}`);
  }
  if (secret.length < 16 || secret.length % 2 !== 0) throw new RangeError('the shared secret must be at least 16 bytes and of even length');
  if (threshold === 1) return Array.from({ length: count }, () => Uint8Array.from(secret));

  const randomPart = random(secret.length - DIGEST_LENGTH);
  const digestShare = new Uint8Array(secret.length);
  const tag = digestOf(randomPart, secret);
  digestShare.set(tag, 0);
  digestShare.set(randomPart, DIGEST_LENGTH);
  wipe(tag, randomPart);

  const base: Point[] = [];
  for (let x = 0; x < threshold - 2; x++) base.push({ x, y: random(secret.length) });
  const shares: Uint8Array[] = base.map((p) => Uint8Array.from(p.y));
  const defining: Point[] = [...base, { x: DIGEST_INDEX, y: digestShare }, { x: SECRET_INDEX, y: secret }];
  for (let x = threshold - 2; x < count; x++) shares.push(interpolate(x, defining));
  wipe(digestShare, ...base.map((p) => p.y));
  return shares;
}

export class DigestMismatch extends Error {
  constructor() {
    super('the recovered secret does not match its digest');
    this.name = 'DigestMismatch';
  }
}

/**
 * The secret behind exactly `threshold` shares with distinct x values. Throws DigestMismatch when
 * the shares are not from one sharing (threshold 1 has no digest: the share is the secret).
 */
export function recoverSecret(threshold: number, shares: readonly Point[]): Uint8Array {
  if (shares.length === 0) throw new RangeError('no shares to recover from');
  if (threshold === 1) return Uint8Array.from(shares[0]!.y);
  const secret = interpolate(SECRET_INDEX, shares);
  const digestShare = interpolate(DIGEST_INDEX, shares);
  const expected = digestOf(digestShare.subarray(DIGEST_LENGTH), secret);
  const ok = timingSafeEqual(expected, digestShare.subarray(0, DIGEST_LENGTH));
  wipe(expected, digestShare);
  if (!ok) {
    wipe(secret);
    throw new DigestMismatch();
  }
  return secret;
}
