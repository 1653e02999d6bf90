// Known-compromised keys: matching against a blocklist in the badkeys format.
//
// Format (badkeys, Hanno Böck, docs/BLOCKLISTFORMAT.md, bkformat 0): `blocklist.dat` is a sequence
// of 16-byte records sorted in ascending byte order; each record is the first 15 bytes (120 bits)
// of a SHA-256 ("BKHASH120") followed by a one-byte blocklist id. The hashed value is one number
// of the public key, as big-endian bytes without leading zeros:
//   - RSA: the modulus n (so every exponent for a compromised modulus matches, as badkeys intends);
//   - ECDSA (NIST curves): the x coordinate of the public point;
//   - Ed25519 / X25519 / Ed448 / X448: the raw public key bytes read as an integer.
// An optional `badkeysdata.json` names the ids (`blocklists: [{id, name}]`).
// A lookup is a binary search over the records, O(log n) per key; the file is read into memory
// once per load (the published list is about 60 MB).
import { createHash, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { CustosError } from '../errors.js';
import { bigIntToBytes } from './bigint-math.js';
import type { AnalysisFinding } from './findings.js';

export const RECORD_SIZE = 16;
const HASH_SIZE = 15;

export interface Blocklist {
  /** The records, 16 bytes each, sorted. */
  readonly data: Buffer;
  readonly records: number;
  /** Names of the list ids, from badkeysdata.json when given. */
  readonly names: ReadonlyMap<number, string>;
}

const metadataSchema = z.object({
  blocklists: z.array(z.object({ id: z.union([z.number().int(), z.string().regex(/^\d+$/)]), name: z.string().max(200) }).loose()).max(1000),
}).loose();

/**
 * Validates and wraps a blocklist file: its length must be a whole number of records and the
 * records strictly ascending (binary search is only correct on a sorted list; a file that is not
 * sorted is not a badkeys blocklist and is refused rather than searched wrongly).
 */
export function parseBlocklist(data: Buffer, metadataJson?: string): Blocklist {
  if (data.length === 0 || data.length % RECORD_SIZE !== 0) {
    throw new CustosError('E_INPUT', `This is not a badkeys blocklist: its size (${data.length} bytes) is not a non-zero multiple of ${RECORD_SIZE}-byte records.`);
  }
  const records = data.length / RECORD_SIZE;
  for (let i = 1; i < records; i++) {
    if (Buffer.compare(data.subarray((i - 1) * RECORD_SIZE, i * RECORD_SIZE), data.subarray(i * RECORD_SIZE, (i + 1) * RECORD_SIZE)) >= 0) {
      throw new CustosError('E_INPUT', `This is not a badkeys blocklist: record ${i + 1} is not in ascending order.`);
    }
  }
  const names = new Map<number, string>();
  if (metadataJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadataJson);
    } catch {
      throw new CustosError('E_INPUT', 'The blocklist metadata (badkeysdata.json) is not valid JSON.');
    }
    const meta = metadataSchema.safeParse(parsed);
    if (!meta.success) throw new CustosError('E_INPUT', 'The blocklist metadata (badkeysdata.json) has no valid "blocklists" list of {id, name}.');
    for (const b of meta.data.blocklists) names.set(Number(b.id), b.name);
  }
  return { data, records, names };
}

/** BKHASH120 of a non-negative integer: SHA-256 of its minimal big-endian bytes, first 15 bytes. */
export function bkHash(value: bigint): Buffer {
  return createHash('sha256').update(bigIntToBytes(value)).digest().subarray(0, HASH_SIZE);
}

/** The list id of a hash in the blocklist, or null: binary search over the sorted records. */
export function lookupBkHash(list: Blocklist, hash: Buffer): number | null {
  let lo = 0;
  let hi = list.records - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = mid * RECORD_SIZE;
    const c = Buffer.compare(hash, list.data.subarray(at, at + HASH_SIZE));
    if (c === 0) return list.data[at + HASH_SIZE]!;
    if (c > 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}

const big = (b64u: string) => BigInt(`0x${Buffer.from(b64u, 'base64url').toString('hex') || '0'}`);

/** The number badkeys hashes for a public key (SPKI DER), or null for a key type it does not cover. */
export function blocklistValue(spki: Uint8Array): bigint | null {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  if (jwk.kty === 'RSA' && jwk.n) return big(jwk.n);
  if (jwk.kty === 'EC' && jwk.x) return big(jwk.x);
  if (jwk.kty === 'OKP' && jwk.x) return big(jwk.x);
  return null;
}

/** Finds a key (SPKI DER) in the blocklist: one critical finding when it is known-compromised. */
export function checkBlocklist(list: Blocklist, spki: Uint8Array): AnalysisFinding[] {
  const value = blocklistValue(spki);
  if (value === null) return [];
  const id = lookupBkHash(list, bkHash(value));
  if (id === null) return [];
  const name = list.names.get(id) ?? `list ${id}`;
  return [{ check: 'blocklist', severity: 'critical', message: `This key is known to be compromised: its public key is on the blocklist (${name}). Its private key is public knowledge; replace it.` }];
}

/** Builds a badkeys-format blocklist from values (tests, and officers' own lists): sorted records. */
export function buildBlocklist(entries: Array<{ value: bigint; listId: number }>): Buffer {
  const records = entries.map((e) => Buffer.concat([bkHash(e.value), Buffer.from([e.listId & 0xff])]));
  records.sort(Buffer.compare);
  const unique = records.filter((r, i) => i === 0 || Buffer.compare(records[i - 1]!, r) !== 0);
  return Buffer.concat(unique);
}
