import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CustosError } from '../../errors.js';
import { decryptMasterSecret, encryptMasterSecret } from './cipher.js';
import { gfDiv, gfMul, interpolate } from './gf256.js';
import { combineMnemonics, decodeMnemonic, mnemonicWordCount, shareSummary, SLIP39_WORDS, splitSecret, validateMnemonic, type Slip39SplitOptions } from './index.js';
import { createChecksum, verifyChecksum } from './rs1024.js';
import { encodeShare } from './share.js';
import { recoverSecret, splitSecret as splitOneLevel } from './sss.js';

/** Small seeded PRNG (mulberry32) so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(0, 255));
  const shuffle = <T>(xs: T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  const pick = <T>(xs: T[], k: number): T[] => shuffle(xs).slice(0, k);
  return { next, int, bytes, shuffle, pick };
}
type Rng = ReturnType<typeof prng>;

function randomLayout(r: Rng): Slip39SplitOptions['groups'] {
  const g = r.int(1, 4);
  return Array.from({ length: g }, () => {
    const count = r.int(1, 5);
    return { count, threshold: count === 1 ? 1 : r.int(2, count) };
  });
}

function randomPassphrase(r: Rng): string | undefined {
  if (r.next() < 0.4) return undefined;
  return String.fromCharCode(...Array.from({ length: r.int(0, 12) }, () => r.int(32, 126)));
}

/** A random set meeting the thresholds exactly: `groupThreshold` groups, `threshold` shares of each. */
function quorum(r: Rng, shares: string[][], options: Slip39SplitOptions): string[][] {
  return r.pick([...shares.keys()], options.groupThreshold).map((gi) => r.pick(shares[gi]!, options.groups[gi]!.threshold));
}

function inputError(fn: () => unknown): CustosError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CustosError);
    expect((e as CustosError).code).toBe('E_INPUT');
    return e as CustosError;
  }
  throw new Error('expected a CustosError, nothing was thrown');
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('SLIP-0039 building blocks', () => {
  it('ships the official word list (1024 sorted words, unique 4-letter prefixes, pinned hash)', () => {
    const file = readFileSync(new URL('./wordlist.txt', import.meta.url));
    expect(createHash('sha256').update(file).digest('hex')).toBe('bcc4555340332d169718aed8bf31dd9d5248cb7da6e5d355140ef4f1e601eec3');
    expect(SLIP39_WORDS.length).toBe(1024);
    expect(new Set(SLIP39_WORDS.map((w) => w.slice(0, 4))).size).toBe(1024);
    expect(SLIP39_WORDS.every((w) => /^[a-z]{4,8}$/.test(w))).toBe(true);
    expect([SLIP39_WORDS[0], SLIP39_WORDS[1023]]).toEqual(['academic', 'zero']);
    // The module the code reads is the same list as the pinned file, word for word.
    expect(SLIP39_WORDS).toEqual(file.toString('utf8').split('\n').map((w) => w.trim()).filter(Boolean));
  });

  it('multiplies in GF(256) with the Rijndael polynomial', () => {
    expect(gfMul(0x57, 0x83)).toBe(0xc1); // FIPS-197 section 4.2
    expect(gfMul(0x53, 0xca)).toBe(0x01); // inverses
    for (let a = 1; a < 256; a++) expect(gfMul(gfDiv(1, a), a)).toBe(1);
  });

  it('interpolates a line through two points', () => {
    const pts = [{ x: 1, y: Uint8Array.of(5) }, { x: 2, y: Uint8Array.of(9) }];
    const at3 = interpolate(3, pts);
    // three points of one line: any two give back the third
    expect(interpolate(1, [{ x: 2, y: Uint8Array.of(9) }, { x: 3, y: at3 }])).toEqual(Uint8Array.of(5));
  });

  it('RS1024: a made checksum verifies, any single-word change does not, nor under the other customization', () => {
    const r = prng(7);
    for (let n = 0; n < 50; n++) {
      const data = Array.from({ length: 17 }, () => r.int(0, 1023));
      const all = [...data, ...createChecksum('shamir', data)];
      expect(verifyChecksum('shamir', all)).toBe(true);
      expect(verifyChecksum('shamir_extendable', all)).toBe(false);
      const i = r.int(0, all.length - 1);
      const changed = [...all];
      changed[i] = (changed[i]! + r.int(1, 1023)) % 1024;
      expect(verifyChecksum('shamir', changed)).toBe(false);
    }
  });

  it('one-level sharing: any threshold of shares recovers; a forged share fails the digest', () => {
    const r = prng(11);
    const secret = r.bytes(32);
    const shares = splitOneLevel(3, 5, secret);
    for (const xs of [[0, 1, 2], [4, 2, 0], [1, 3, 4]]) {
      expect(hex(recoverSecret(3, xs.map((x) => ({ x, y: shares[x]! }))))).toBe(hex(secret));
    }
    const forged = Uint8Array.from(shares[1]!);
    forged[0]! ^= 1;
    expect(() => recoverSecret(3, [{ x: 0, y: shares[0]! }, { x: 1, y: forged }, { x: 2, y: shares[2]! }])).toThrow(/digest/);
  });

  it('Feistel encryption is invertible; only extendable backups ignore the identifier', () => {
    const ms = prng(3).bytes(16);
    const pass = new Uint8Array(Buffer.from('pass'));
    const a = encryptMasterSecret(ms, pass, 0, 1234, false);
    expect(hex(decryptMasterSecret(a, pass, 0, 1234, false))).toBe(hex(ms));
    expect(hex(encryptMasterSecret(ms, pass, 0, 4321, false))).not.toBe(hex(a));
    const e1 = encryptMasterSecret(ms, pass, 0, 1234, true);
    expect(hex(encryptMasterSecret(ms, pass, 0, 4321, true))).toBe(hex(e1));
    expect(hex(e1)).not.toBe(hex(a));
  });

  it('encodes and decodes every header field', () => {
    const r = prng(5);
    for (let n = 0; n < 100; n++) {
      const groupCount = r.int(1, 16);
      const memberThreshold = r.int(1, 16);
      const share = {
        identifier: r.int(0, 0x7fff),
        extendable: r.next() < 0.5,
        iterationExponent: r.int(0, 15),
        groupIndex: r.int(0, groupCount - 1),
        groupThreshold: r.int(1, groupCount),
        groupCount,
        memberIndex: r.int(0, 15),
        memberThreshold,
        value: r.bytes(2 * r.int(8, 40)),
      };
      const m = encodeShare(share);
      expect(m.split(' ').length).toBe(mnemonicWordCount(share.value.length));
      expect(decodeMnemonic(m)).toEqual(share);
    }
  });
});

describe('SLIP-0039 round trips (random secrets, layouts and passphrases)', () => {
  const seed = Number(process.env.SLIP39_SEED ?? 20240601);

  it(`any quorum of a random split gives back the secret (seed ${seed})`, () => {
    const r = prng(seed);
    for (let n = 0; n < 40; n++) {
      const length = r.next() < 0.5 ? 16 : 32;
      const secret = r.bytes(length);
      const groups = randomLayout(r);
      const options: Slip39SplitOptions = {
        groupThreshold: r.int(1, groups.length),
        groups,
        passphrase: randomPassphrase(r),
        iterationExponent: 0,
        extendable: r.next() < 0.5,
      };
      const shares = splitSecret(secret, options);
      const where = `case ${n}: ${JSON.stringify({ ...options, passphrase: options.passphrase === undefined ? 'none' : 'set' })}`;

      // Shape: group sizes, word counts, shared prefixes (2 words per backup, 3 per group).
      expect(shares.map((g) => g.length), where).toEqual(groups.map((g) => g.count));
      const all = shares.flat();
      expect(all.every((m) => m.split(' ').length === mnemonicWordCount(length)), where).toBe(true);
      expect(new Set(all.map((m) => m.split(' ').slice(0, 2).join(' '))).size, where).toBe(1);
      for (const g of shares) expect(new Set(g.map((m) => m.split(' ').slice(0, 3).join(' '))).size, where).toBe(1);
      for (const m of all) {
        const v = validateMnemonic(m);
        expect(v.valid, where).toBe(true);
        if (v.valid) expect(v.share.extendable).toBe(options.extendable);
      }

      for (let k = 0; k < 2; k++) {
        const set = quorum(r, shares, options);
        const mnemonics = r.shuffle(set.flat());
        expect(hex(combineMnemonics(mnemonics, options.passphrase)), where).toBe(hex(secret));

        // Fewer than the threshold: drop one share.
        if (mnemonics.length > 1) {
          const drop = r.int(0, mnemonics.length - 1);
          const fewer = mnemonics.filter((_, i) => i !== drop);
          expect(inputError(() => combineMnemonics(fewer, options.passphrase)).message, where).toMatch(/^Not enough shares/);
        }
      }

      // A different passphrase gives a different secret (SLIP-0039 cannot tell a wrong one).
      const other = (options.passphrase ?? '') + 'x';
      expect(hex(combineMnemonics(quorum(r, shares, options).flat(), other)), where).not.toBe(hex(secret));
    }
  });

  it(`shares of two different splits are never combined (seed ${seed + 1})`, () => {
    const r = prng(seed + 1);
    let tried = 0;
    for (let n = 0; n < 40 && tried < 25; n++) {
      const secret = r.bytes(r.next() < 0.5 ? 16 : 32);
      const groups = randomLayout(r);
      const options: Slip39SplitOptions = { groupThreshold: r.int(1, groups.length), groups, iterationExponent: 0, extendable: r.next() < 0.5 };
      const a = splitSecret(secret, options);
      const b = splitSecret(secret, options); // same secret and layout, a new split
      const set = quorum(r, a, options);
      if (set.flat().length < 2) continue;
      tried++;
      const gi = r.int(0, set.length - 1);
      const mi = r.int(0, set[gi]!.length - 1);
      // The foreign share takes the very same place (same group and member index) in split b.
      const place = decodeMnemonic(set[gi]![mi]!);
      const foreign = b[place.groupIndex]![place.memberIndex]!;
      const mixed = set.map((g, i) => g.map((m, j) => (i === gi && j === mi ? foreign : m))).flat();
      expect(inputError(() => combineMnemonics(r.shuffle(mixed))).message).toMatch(/different backup|do not fit together/);
    }
    expect(tried).toBeGreaterThanOrEqual(10);
  });

  it('rejects a same-identifier forgery through the digest', () => {
    const r = prng(99);
    const options: Slip39SplitOptions = { groupThreshold: 1, groups: [{ threshold: 2, count: 3 }], iterationExponent: 0, extendable: false };
    const shares = splitSecret(r.bytes(16), options)[0]!;
    const s = decodeMnemonic(shares[1]!);
    const forged = encodeShare({ ...s, value: Uint8Array.from(s.value, (v, i) => (i === 5 ? v ^ 0x40 : v)) });
    expect(inputError(() => combineMnemonics([shares[0]!, forged])).message).toMatch(/do not fit together \(shares 1 and 2 fail the digest check\)/);
  });
});

describe('SLIP-0039 rejections a custodian can act on', () => {
  const r = prng(1);
  const secret = r.bytes(16);
  const options: Slip39SplitOptions = { groupThreshold: 2, groups: [{ threshold: 1, count: 1 }, { threshold: 2, count: 3 }, { threshold: 3, count: 5 }], iterationExponent: 0 };
  const shares = splitSecret(secret, options);
  const [g1, g2, g3] = [shares[0]!, shares[1]!, shares[2]!];

  it('accepts words in any case and spacing', () => {
    const messy = [`  ${g1[0]!.toUpperCase()} `, g2[2]!.split(' ').join('\n\t  '), g2[0]!];
    expect(hex(combineMnemonics(messy))).toBe(hex(secret));
  });

  it('names the share, the word number and the word that is not in the list', () => {
    const words = g2[1]!.split(' ');
    words[6] = 'xylophone';
    const e = inputError(() => combineMnemonics([g1[0]!, words.join(' ')]));
    expect(e.message).toBe("Share 2, word 7 'xylophone' is not in the SLIP-0039 word list.");
    expect(validateMnemonic(words.join(' '))).toMatchObject({ valid: false });
    expect(inputError(() => decodeMnemonic(words.join(' '))).message).toBe("Word 7 'xylophone' is not in the SLIP-0039 word list.");
  });

  it('names the share whose checksum is wrong (a valid word mistyped into another, two words swapped)', () => {
    const words = g2[1]!.split(' ');
    const i = SLIP39_WORDS.indexOf(words[9]!);
    words[9] = SLIP39_WORDS[(i + 1) % 1024]!;
    expect(inputError(() => combineMnemonics([g1[0]!, g2[0]!, words.join(' ')])).message).toMatch(/^The checksum of share 3 is wrong: a word was mistyped/);
    const swapped = g3[0]!.split(' ');
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    if (swapped[5] !== swapped[6]) expect(validateMnemonic(swapped.join(' ')).valid).toBe(false);
  });

  it('reports a missing word', () => {
    const short = g1[0]!.split(' ').slice(0, 19).join(' ');
    expect(inputError(() => combineMnemonics([short])).message).toMatch(/^Share 1 has 19 words, but a SLIP-0039 share has at least 20/);
  });

  it('rejects a share entered twice', () => {
    const e = inputError(() => combineMnemonics([g2[0]!, g1[0]!, g2[0]!]));
    expect(e.message).toBe('Share 3 is the same share as share 1: each share counts once. Remove the duplicate and add a different share.');
  });

  it('says what is missing', () => {
    expect(inputError(() => combineMnemonics([g3[0]!, g3[1]!, g2[0]!])).message).toBe(
      'Not enough shares: this backup needs complete sets of shares from 2 of its 3 groups, and 0 groups are complete (group 2 needs 2 shares and has 1; group 3 needs 3 shares and has 2). Complete 2 more groups.',
    );
    expect(inputError(() => combineMnemonics([g1[0]!])).message).toMatch(/^Not enough shares: .* and 1 group is complete\. Complete 1 more group\.$/);
    expect(inputError(() => combineMnemonics([])).message).toBe('No shares were given.');
  });

  it('rejects more shares than the specification allows, saying which to leave out', () => {
    expect(inputError(() => combineMnemonics([g1[0]!, g2[0]!, g2[1]!, g2[2]!])).message).toBe(
      'Too many shares: group 2 needs exactly 2 shares and 3 were given. Leave out 1 share.',
    );
    expect(inputError(() => combineMnemonics([g1[0]!, g2[0]!, g2[1]!, g3[0]!, g3[1]!, g3[2]!])).message).toMatch(/^Too many shares: this backup needs shares from exactly 2 groups/);
    expect(inputError(() => combineMnemonics([g1[0]!, g2[0]!, g2[1]!, g3[0]!])).message).toMatch(/^Too many shares: 2 groups are already complete, and group 3 needs 3 shares and has 1/);
  });

  it('describes a share for a verify-share screen', () => {
    expect(shareSummary(decodeMnemonic(g3[4]!))).toBe('share 5 (3 needed) of group 3 (2 of 3 groups needed)');
  });

  it('checks the split parameters', () => {
    const one = (o: Partial<Slip39SplitOptions>, s = secret) => inputError(() => splitSecret(s, { groupThreshold: 1, groups: [{ threshold: 2, count: 3 }], iterationExponent: 0, ...o })).message;
    expect(one({}, new Uint8Array(15))).toMatch(/at least 16 bytes and an even number/);
    expect(one({}, new Uint8Array(17))).toMatch(/even number of bytes/);
    expect(one({ groups: [] })).toMatch(/between 1 and 16 groups/);
    expect(one({ groups: Array.from({ length: 17 }, () => ({ threshold: 1, count: 1 })) })).toMatch(/between 1 and 16 groups/);
    expect(one({ groupThreshold: 2 })).toMatch(/group threshold/);
    expect(one({ groupThreshold: 0 })).toMatch(/group threshold/);
    expect(one({ groups: [{ threshold: 1, count: 3 }] })).toMatch(/1-of-3/);
    expect(one({ groups: [{ threshold: 4, count: 3 }] })).toMatch(/threshold/);
    expect(one({ groups: [{ threshold: 2, count: 17 }] })).toMatch(/between 1 and 16 shares/);
    expect(one({ iterationExponent: 16 })).toMatch(/iteration exponent/);
    expect(one({ passphrase: 'pässword' })).toMatch(/printable ASCII.*character 2/);
    expect(inputError(() => combineMnemonics([g1[0]!], 'tab\there')).message).toMatch(/printable ASCII/);
  });

  it('defaults to an extendable backup with iteration exponent 1, like the reference implementation', () => {
    const s = decodeMnemonic(splitSecret(secret, { groupThreshold: 1, groups: [{ threshold: 1, count: 1 }] })[0]![0]!);
    expect(s).toMatchObject({ extendable: true, iterationExponent: 1, groupCount: 1, memberThreshold: 1 });
  });
});
