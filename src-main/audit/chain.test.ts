import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import { chainEvent, encodeBody, encodeDetails, eventHash, eventHashReference, genesisHash, verifyChain, type AuditBody, type ChainedEvent } from './chain.js';

function randomBody(seq: number): AuditBody {
  const r = randomBytes(8);
  const details: AuditBody['details'] = {};
  for (let i = 0; i < r[0]! % 5; i++) details[`k${r[i + 1]! % 7}é"\\\u0001`] = i % 2 ? r[i]! * 1.5 : i % 3 ? null : `v\u2028${r[i]}`;
  return {
    seq,
    time: new Date(1.7e12 + seq).toISOString(),
    actor: r[5]! % 3 ? 'alice' : null,
    operation: 'op.x',
    keyId: r[6]! % 2 ? 'ab'.repeat(16) : null,
    keyVersion: r[6]! % 2 ? 1 : null,
    outcome: (['success', 'refused', 'failed'] as const)[r[7]! % 3]!,
    details,
  };
}

describe('audit chain', () => {
  it('encodes bodies exactly as the generic canonical JSON does', () => {
    for (let i = 1; i < 2000; i++) {
      const b = randomBody(i);
      expect(encodeBody(b)).toBe(canonicalJson(b as unknown as Canonical));
      expect(eventHash('00', b)).toBe(eventHashReference('00', b));
    }
  });

  it('encodes details canonically whether their keys come sorted (one JSON.stringify) or not', () => {
    const flat: Array<Record<string, string | number | boolean | null>> = [{ dataSha256: 'ab'.repeat(32), mechanism: 'ecdsa-sha256', store: 'token' }, { bytes: 12, mechanism: 'aes-gcm', store: 'vault' }, { a: true, b: null, c: -0.5, 'd"é': 'x\u2028' }];
    for (const d of flat) {
      expect(encodeDetails(d)).toBe(canonicalJson(d));
      const reversed = Object.fromEntries(Object.entries(d).reverse());
      expect(encodeDetails(reversed)).toBe(canonicalJson(d));
    }
    // Not finite: refused on both paths.
    expect(() => encodeDetails({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => encodeDetails({ b: Infinity, a: 1 })).toThrow(/NaN/);
  });

  it('verifies a chain and reports the first broken position with its reason', () => {
    const key = randomBytes(32);
    const g = genesisHash('cd'.repeat(16));
    const events: ChainedEvent[] = [];
    let prev = g;
    for (let i = 1; i <= 50; i++) {
      const e = chainEvent(prev, randomBody(i), key);
      events.push(e);
      prev = e.hash;
    }
    expect(verifyChain(events, g, key)).toMatchObject({ ok: true, events: 50, headHash: prev });
    expect(verifyChain(events, g, randomBytes(32))).toMatchObject({ ok: false, firstBadSeq: 1, problem: expect.stringContaining('MAC') });
    const edited = events.map((e) => (e.seq === 20 ? { ...e, operation: 'op.y' } : e));
    expect(verifyChain(edited, g, key)).toMatchObject({ ok: false, firstBadSeq: 20 });
    expect(verifyChain(events.filter((e) => e.seq !== 31), g, key)).toMatchObject({ ok: false, firstBadSeq: 31 });
  });
});
