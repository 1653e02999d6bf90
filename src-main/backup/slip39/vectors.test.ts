import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CustosError } from '../../errors.js';
import { VECTORS_DIR } from '../../testing/vectors.js';
import { combineMnemonics, decodeMnemonic, validateMnemonic } from './index.js';

type Vector = [description: string, mnemonics: string[], masterSecretHex: string, xprv: string];

const vectors = JSON.parse(readFileSync(join(VECTORS_DIR, 'slip39', 'vectors.json'), 'utf8')) as Vector[];
const PASSPHRASE = 'TREZOR';

/** What each kind of invalid vector must be rejected for. */
function reasonFor(description: string): RegExp {
  const table: Array<[RegExp, RegExp]> = [
    [/invalid checksum/, /checksum of share 1 is wrong/],
    [/invalid padding/, /padding bits are not zero/],
    [/insufficient length/, /has 19 words, but a SLIP-0039 share has at least 20/],
    [/invalid master secret length/, /not a valid SLIP-0039 share length/],
    [/different identifiers|different iteration exponents/, /is from a different backup than share 1/],
    [/mismatching group (thresholds|counts)/, /disagree on how many groups/],
    [/greater group threshold than group counts/, /2 groups are needed but the backup has only 1/],
    [/duplicate member indices/, /both claim to be share \d+ of group \d+ but differ/],
    [/mismatching member thresholds/, /disagree on how many of its shares are needed/],
    [/invalid digest/, /do not fit together/],
    [/Insufficient number of groups|insufficient number of members|Basic sharing/, /^Not enough shares/],
  ];
  const hit = table.find(([d]) => d.test(description));
  if (!hit) throw new Error(`no expected reason for vector "${description}"`);
  return hit[1];
}

describe('SLIP-0039 conformance vectors (trezor/python-shamir-mnemonic)', () => {
  it('has the whole file', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(45);
    expect(vectors.filter((v) => v[2] !== '').length).toBeGreaterThanOrEqual(15);
    expect(vectors.filter((v) => v[2] === '').length).toBeGreaterThanOrEqual(25);
  });

  for (const [description, mnemonics, secretHex] of vectors) {
    if (secretHex !== '') {
      it(`accepts: ${description}`, () => {
        const secret = combineMnemonics(mnemonics, PASSPHRASE);
        expect(Buffer.from(secret).toString('hex')).toBe(secretHex);
        // Each share on its own passes "verify a share".
        for (const m of mnemonics) expect(validateMnemonic(m).valid).toBe(true);
      });
    } else {
      it(`rejects: ${description}`, () => {
        let error: unknown;
        try {
          combineMnemonics(mnemonics, PASSPHRASE);
        } catch (e) {
          error = e;
        }
        expect(error, 'the set must be rejected').toBeInstanceOf(CustosError);
        expect((error as CustosError).code).toBe('E_INPUT');
        // Rejected for the reason the vector is about, not by accident.
        expect((error as CustosError).message).toMatch(reasonFor(description));
      });
    }
  }

  it('reads the extendable flag and the header fields', () => {
    const ext = vectors.find((v) => v[0].startsWith('42.'))!;
    const plain = vectors.find((v) => v[0].startsWith('1.'))!;
    expect(decodeMnemonic(ext[1][0]!).extendable).toBe(true);
    const s = decodeMnemonic(plain[1][0]!);
    expect(s.extendable).toBe(false);
    expect(s.groupCount).toBe(1);
    expect(s.groupThreshold).toBe(1);
    expect(s.memberThreshold).toBe(1);
    expect(s.value.length).toBe(16);
    const basic = vectors.find((v) => v[0].startsWith('4.'))!;
    const shares = basic[1].map((m) => decodeMnemonic(m));
    expect(shares.map((x) => x.memberThreshold)).toEqual([2, 2]);
    expect(new Set(shares.map((x) => x.identifier)).size).toBe(1);
  });

  it('rejects the single-share faults on their own, as "verify a share" would', () => {
    for (const prefix of ['2.', '3.', '21.', '22.', '39.', '40.']) {
      const v = vectors.find((x) => x[0].startsWith(prefix))!;
      const r = validateMnemonic(v[1][0]!);
      expect(r.valid, v[0]).toBe(false);
    }
  });
});
