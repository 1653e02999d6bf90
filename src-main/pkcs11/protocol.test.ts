import { describe, expect, it } from 'vitest';
import { packByteList, unpackByteList } from './protocol.js';

describe('byte lists across the thread boundary', () => {
  it('travel as one buffer and come back as the same bytes, in order, empty ones included', () => {
    const list = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Buffer.from('a pooled Buffer'), Uint8Array.of(255)];
    const packed = structuredClone(packByteList(list)) as { packedByteList: Uint8Array; lengths: number[] };
    expect(packed.packedByteList.byteLength).toBe(3 + 0 + 15 + 1);
    const back = unpackByteList(packed) as Uint8Array[];
    expect(back.map((b) => Buffer.from(b).toString('hex'))).toEqual(list.map((b) => Buffer.from(b).toString('hex')));
    // Views into one buffer, not copies.
    expect(new Set(back.map((b) => b.buffer)).size).toBe(1);
  });

  it('leaves everything else alone', () => {
    for (const v of [[], ['text'], [Uint8Array.of(1), 'mixed'], Uint8Array.of(1), { serial: 's', ckaId: 'ab' }, null, 3]) {
      expect(packByteList(v)).toBe(v);
      expect(unpackByteList(v)).toBe(v);
    }
  });

  it('does not unpack lengths that do not add up to the buffer (the operation then refuses the input)', () => {
    const buf = new Uint8Array(4);
    for (const lengths of [[5], [1, 2], [-1, 5], [1.5, 2.5], ['4']]) {
      const bad = { packedByteList: buf, lengths };
      expect(unpackByteList(bad)).toBe(bad);
    }
  });
});
