/**
 * Encryption of the master secret under the passphrase (SLIP-0039 "Encryption of the master
 * secret"): a 4-round Feistel network over the two halves of the secret whose round function is
 * PBKDF2-HMAC-SHA256 with (2500 << e) iterations, so 10000 x 2^e in all. The salt starts with
 * "shamir" and the 2-byte big-endian identifier, except for extendable backups, where it is empty
 * so that new share sets of the same secret can get new identifiers.
 */
import { pbkdf2Sync } from 'node:crypto';
import { wipe } from '../../crypto/wipe.js';

export const ROUNDS = 4;
export const BASE_ITERATIONS = 10000;
const SALT_LABEL = 'shamir';

function saltPrefix(identifier: number, extendable: boolean): Uint8Array {
  if (extendable) return new Uint8Array(0);
  const label = Buffer.from(SALT_LABEL, 'ascii');
  const out = new Uint8Array(label.length + 2);
  out.set(label, 0);
  out[label.length] = (identifier >>> 8) & 0xff;
  out[label.length + 1] = identifier & 0xff;
  return out;
}

function roundFunction(round: number, passphrase: Uint8Array, iterationExponent: number, prefix: Uint8Array, half: Uint8Array): Uint8Array {
  const password = new Uint8Array(1 + passphrase.length);
  password[0] = round;
  password.set(passphrase, 1);
  const salt = new Uint8Array(prefix.length + half.length);
  salt.set(prefix, 0);
  salt.set(half, prefix.length);
  const iterations = (BASE_ITERATIONS / ROUNDS) << iterationExponent;
  const out = pbkdf2Sync(password, salt, iterations, half.length, 'sha256');
  wipe(password, salt);
  return out;
}

function feistel(input: Uint8Array, passphrase: Uint8Array, iterationExponent: number, identifier: number, extendable: boolean, rounds: readonly number[]): Uint8Array {
  if (input.length % 2 !== 0) throw new RangeError('the secret must have an even number of bytes');
  const h = input.length / 2;
  const prefix = saltPrefix(identifier, extendable);
  let left = Uint8Array.from(input.subarray(0, h));
  let right = Uint8Array.from(input.subarray(h));
  for (const round of rounds) {
    const f = roundFunction(round, passphrase, iterationExponent, prefix, right);
    const next = new Uint8Array(h);
    for (let k = 0; k < h; k++) next[k] = left[k]! ^ f[k]!;
    wipe(left, f);
    left = right;
    right = next;
  }
  const out = new Uint8Array(input.length);
  out.set(right, 0);
  out.set(left, h);
  wipe(left, right);
  return out;
}

export function encryptMasterSecret(masterSecret: Uint8Array, passphrase: Uint8Array, iterationExponent: number, identifier: number, extendable: boolean): Uint8Array {
  return feistel(masterSecret, passphrase, iterationExponent, identifier, extendable, [0, 1, 2, 3]);
}

export function decryptMasterSecret(encrypted: Uint8Array, passphrase: Uint8Array, iterationExponent: number, identifier: number, extendable: boolean): Uint8Array {
  return feistel(encrypted, passphrase, iterationExponent, identifier, extendable, [3, 2, 1, 0]);
}
