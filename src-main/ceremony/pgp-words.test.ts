import { describe, expect, it } from 'vitest';
import { hexToPgpWords, PGP_EVEN_WORDS, PGP_ODD_WORDS, toPgpWords } from './pgp-words.js';

describe('PGP word list', () => {
  it('has 256 distinct words in each list, none shared', () => {
    expect(PGP_EVEN_WORDS).toHaveLength(256);
    expect(PGP_ODD_WORDS).toHaveLength(256);
    expect(new Set([...PGP_EVEN_WORDS, ...PGP_ODD_WORDS].map((w) => w.toLowerCase())).size).toBe(512);
  });

  it('reads even positions from the two-syllable list and odd positions from the three-syllable list', () => {
    expect(toPgpWords(Uint8Array.of(0x00, 0x00, 0xff, 0xff))).toEqual(['aardvark', 'adroitness', 'Zulu', 'Yucatan']);
    expect(toPgpWords(Uint8Array.of(0xe5, 0x82))).toEqual(['topmost', 'Istanbul']);
    expect(toPgpWords(Uint8Array.of(0x82, 0xe5))).toEqual(['miser', 'travesty']);
    expect(toPgpWords(new Uint8Array(0))).toEqual([]);
  });

  it('encodes the published example fingerprint', () => {
    // The example of the PGP word list's description: a 160-bit fingerprint read as 20 words.
    expect(hexToPgpWords('E582 94F2 E9A2 2748 6E8B 061B 31CC 528F D7FA 3F19').join(' ')).toBe(
      'topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell bottomless',
    );
  });

  it('refuses hex that is not whole bytes', () => {
    expect(() => hexToPgpWords('abc')).toThrow(/whole bytes/);
    expect(() => hexToPgpWords('zz')).toThrow(/whole bytes/);
  });
});
