import { describe, expect, it } from 'vitest';
import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';
import { dueRotations, evaluate, forEachFinding, FindingSummaryBuilder } from './evaluate.js';
import { loadPolicy } from './load.js';
import type { PolicyKey } from './model.js';

/** A large synthetic inventory: the evaluation must complete (no time is asserted; `npm run bench` is for timings). */
function inventory(n: number): PolicyKey[] {
  const shapes = [
    { algorithm: 'rsa-2048', family: 'rsa', size: 2048, curve: null, usageMask: U.Sign | U.Verify, purpose: null },
    { algorithm: 'rsa-3072', family: 'rsa', size: 3072, curve: null, usageMask: U.Sign | U.Verify, purpose: 'code-signing' },
    { algorithm: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', usageMask: U.Sign | U.Verify, purpose: 'tls-server' },
    { algorithm: 'ec-p384', family: 'ec', size: 384, curve: 'P-384', usageMask: U.Sign | U.Verify | U.CertificateSign | U.CRLSign, purpose: 'ca-intermediate' },
    { algorithm: 'ed25519', family: 'eddsa', size: 255, curve: 'Ed25519', usageMask: U.Sign | U.Verify, purpose: 'ssh' },
    { algorithm: 'aes-256', family: 'aes', size: 256, curve: null, usageMask: U.Encrypt | U.Decrypt, purpose: 'data-encryption' },
    { algorithm: 'aes-128', family: 'aes', size: 128, curve: null, usageMask: U.WrapKey | U.UnwrapKey, purpose: 'key-wrapping' },
    { algorithm: 'hmac-sha256', family: 'hmac', size: 256, curve: null, usageMask: U.MACGenerate | U.MACVerify, purpose: null },
  ] as const;
  const states = ['active', 'active', 'active', 'pre-active', 'suspended', 'deactivated', 'destroyed'] as const;
  const stores = ['vault', 'token'] as const;
  const day = 86_400_000;
  const t0 = Date.parse('2019-01-01T00:00:00Z');
  const keys: PolicyKey[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = shapes[i % shapes.length]!;
    const created = t0 + ((i * 7919) % 2900) * day;
    keys[i] = {
      id: i.toString(16).padStart(32, '0'),
      name: `key-${i}`,
      ...s,
      state: states[i % states.length]!,
      store: stores[(i >> 3) % 2]!,
      extractable: i % 5 === 0,
      createdAt: new Date(created).toISOString(),
      activationDate: i % 4 === 0 ? null : new Date(created + day).toISOString(),
      protectStopAt: i % 6 === 0 ? new Date(created + 400 * day).toISOString() : null,
      processStopAt: null,
    };
  }
  return keys;
}

describe('a large inventory', () => {
  const policy = loadPolicy();
  const keys = inventory(100_000);

  it('evaluates 100,000 keys at the three dates, and summaries agree with the findings', () => {
    const totals: number[] = [];
    for (const d of ['2026-11-28T00:00:00Z', '2031-01-01T00:00:00Z', '2036-01-01T00:00:00Z']) {
      const at = new Date(d);
      const b = new FindingSummaryBuilder();
      forEachFinding(keys, policy, at, b.add);
      const s = b.result();
      expect(s.total).toBe(Object.values(s.bySeverity).reduce((a, x) => a + x, 0));
      expect(s.total).toBe(s.byRule.reduce((a, r) => a + r.count, 0));
      totals.push(s.total);
      if (d.startsWith('2036')) {
        // Every live quantum-vulnerable signing key (5 of 8 shapes, 6 of 7 states) is disallowed then.
        const live = keys.filter((k) => k.state !== 'destroyed' && ['rsa', 'ec', 'eddsa'].includes(k.family)).length;
        expect(s.byRule.find((r) => r.ruleId === 'ir8547.signature.disallowed')?.count).toBe(live);
      }
    }
    expect(new Set(totals).size).toBe(3);
    expect(evaluate(keys.slice(0, 1000), policy, new Date('2031-01-01T00:00:00Z')).length).toBeGreaterThan(0);
  });

  it('lists due rotations for 100,000 keys', () => {
    const due = dueRotations(keys, policy, new Date('2026-11-28T00:00:00Z'), 90);
    expect(due.length).toBeGreaterThan(0);
    expect(due.every((d, i) => i === 0 || due[i - 1]!.dueAt <= d.dueAt)).toBe(true);
  });
});
