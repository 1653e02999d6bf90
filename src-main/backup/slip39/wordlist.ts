import { WORDLIST_TEXT } from './wordlist-data.js';

/** Number of words in the SLIP-0039 list: each word carries 10 bits. */
export const RADIX = 1024;

function parse(text: string): readonly string[] {
  const words = text.split(/\s+/).map((w) => w.trim()).filter((w) => w.length > 0);
  // A damaged data file must fail loudly: a wrong list would make shares nobody else can read.
  if (words.length !== RADIX) throw new Error(`SLIP-0039 word list has ${words.length} words, expected ${RADIX}`);
  for (let i = 1; i < words.length; i++) {
    if (words[i - 1]! >= words[i]!) throw new Error(`SLIP-0039 word list is not sorted at word ${i + 1}`);
  }
  return Object.freeze(words);
}

/** The 1024 words of SLIP-0039, in order: a word's position is its 10-bit value. */
export const SLIP39_WORDS: readonly string[] = parse(WORDLIST_TEXT);

const indexOf = new Map<string, number>(SLIP39_WORDS.map((w, i) => [w, i]));

/** The 10-bit value of a word, or undefined when it is not in the list. Expects lowercase. */
export function wordValue(word: string): number | undefined {
  return indexOf.get(word);
}

export function wordAt(value: number): string {
  const w = SLIP39_WORDS[value];
  if (w === undefined) throw new RangeError(`no SLIP-0039 word has the value ${value}`);
  return w;
}
