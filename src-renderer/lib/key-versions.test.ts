import { describe, expect, it } from 'vitest';
import {
  activationBlocked,
  cancelBlocked,
  checkMaxUses,
  checkWholeDays,
  destroyBlocked,
  purposeLabel,
  rotateBlocked,
  timeline,
  versionDates,
  versionSegments,
  type KeyVersion,
} from './key-versions';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();

const version = (patch: Partial<KeyVersion>): KeyVersion => ({
  version: 1,
  state: 'pre-active',
  fingerprint: null,
  kcv: null,
  generatedAt: at(0),
  activationAt: null,
  deactivatedAt: null,
  compromisedAt: null,
  destroyedAt: null,
  protectStopAt: null,
  processStopAt: null,
  ...patch,
});

describe('version segments', () => {
  const now = T0 + 100 * DAY;

  it('a pre-active version is pre-active until now and on', () => {
    expect(versionSegments(version({}), now)).toEqual([{ phase: 'pre-active', from: T0, to: null }]);
    // A future activation date is a plan: still pre-active.
    expect(versionSegments(version({ activationAt: at(200) }), now)).toEqual([{ phase: 'pre-active', from: T0, to: null }]);
  });

  it('a rotated version: pre-active, active, then process-only until its process-stop', () => {
    const v = version({ state: 'deactivated', activationAt: at(1), deactivatedAt: at(50), processStopAt: at(415) });
    expect(versionSegments(v, now)).toEqual([
      { phase: 'pre-active', from: T0, to: T0 + DAY },
      { phase: 'active', from: T0 + DAY, to: T0 + 50 * DAY },
      { phase: 'process-only', from: T0 + 50 * DAY, to: T0 + 415 * DAY },
    ]);
  });

  it('a version active since its generation has no pre-active stretch; suspended shows as such', () => {
    expect(versionSegments(version({ state: 'active', activationAt: at(0) }), now)).toEqual([{ phase: 'active', from: T0, to: null }]);
    expect(versionSegments(version({ state: 'suspended', activationAt: at(0) }), now)).toEqual([{ phase: 'suspended', from: T0, to: null }]);
  });

  it('compromise ends the active stretch; destruction ends everything', () => {
    expect(versionSegments(version({ state: 'compromised', activationAt: at(1), compromisedAt: at(10) }), now)).toEqual([
      { phase: 'pre-active', from: T0, to: T0 + DAY },
      { phase: 'active', from: T0 + DAY, to: T0 + 10 * DAY },
      { phase: 'compromised', from: T0 + 10 * DAY, to: null },
    ]);
    expect(versionSegments(version({ state: 'destroyed-compromised', activationAt: at(1), compromisedAt: at(10), destroyedAt: at(20) }), now).at(-1)).toEqual({
      phase: 'compromised',
      from: T0 + 10 * DAY,
      to: T0 + 20 * DAY,
    });
    expect(versionSegments(version({ state: 'destroyed', activationAt: at(1), deactivatedAt: at(5), processStopAt: at(365), destroyedAt: at(30) }), now).at(-1)).toEqual({
      phase: 'process-only',
      from: T0 + 5 * DAY,
      to: T0 + 30 * DAY,
    });
    // Revoked for compromise while pre-active.
    expect(versionSegments(version({ state: 'compromised', compromisedAt: at(3) }), now)).toEqual([
      { phase: 'pre-active', from: T0, to: T0 + 3 * DAY },
      { phase: 'compromised', from: T0 + 3 * DAY, to: null },
    ]);
  });
});

describe('timeline', () => {
  it('one row per version, newest first, open stretches drawn to the end', () => {
    const now = T0 + 60 * DAY;
    const t = timeline(
      [
        version({ version: 1, state: 'deactivated', activationAt: at(1), deactivatedAt: at(50), processStopAt: at(415) }),
        version({ version: 2, state: 'active', generatedAt: at(50), activationAt: at(50) }),
      ],
      now,
    );
    expect(t.start).toBe(T0);
    expect(t.end).toBeGreaterThan(T0 + 415 * DAY);
    expect(t.rows.map((r) => r.label)).toEqual(['v2', 'v1']);
    const [v2, v1] = t.rows;
    expect(v2!.offset).toBe(50 * DAY);
    expect(v2!.s0).toBe(t.end - (T0 + 50 * DAY));
    expect(v2!.open).toBe(true);
    expect(v2!.phases).toEqual(['active', null, null, null]);
    expect(v1!.offset).toBe(0);
    expect([v1!.s0, v1!.s1, v1!.s2, v1!.s3]).toEqual([DAY, 49 * DAY, 365 * DAY, 0]);
    expect(v1!.open).toBe(false);
  });

  it('lists the dates that are set, in SP 800-57 order', () => {
    expect(versionDates(version({ activationAt: at(1), processStopAt: at(5) })).map((d) => d.label)).toEqual(['Generated', 'Activation', 'Process-stop']);
  });
});

describe('what the state allows', () => {
  it('rotation: active or suspended only', () => {
    expect(rotateBlocked('active')).toBeNull();
    expect(rotateBlocked('suspended')).toBeNull();
    expect(rotateBlocked('deactivated')).toBe('Only an active or suspended key can be rotated; this key is deactivated.');
  });

  it('destruction follows nextState, once', () => {
    expect(destroyBlocked('deactivated', null)).toBeNull();
    expect(destroyBlocked('pre-active', null)).toBeNull();
    expect(destroyBlocked('compromised', null)).toBeNull();
    expect(destroyBlocked('active', null)).toBe('An active key cannot be destroyed; deactivate or revoke it first.');
    expect(destroyBlocked('suspended', null)).toBe('A suspended key cannot be destroyed; deactivate or revoke it first.');
    expect(destroyBlocked('destroyed', null)).toBe('This key has been destroyed.');
    expect(destroyBlocked('deactivated', at(7))).toMatch(/already scheduled/);
    expect(cancelBlocked(at(7), T0)).toBeNull();
    expect(cancelBlocked(at(7), T0 + 8 * DAY)).toMatch(/waiting period is over/);
    expect(cancelBlocked(null, T0)).toMatch(/No destruction/);
    expect(activationBlocked('pre-active')).toBeNull();
    expect(activationBlocked('active')).toMatch(/Only a pre-active key/);
  });

  it('checks the numbers people type', () => {
    expect(checkWholeDays(7, 1, 90, 'The waiting period')).toEqual({ ok: true, days: 7 });
    expect(checkWholeDays(0, 1, 90, 'The waiting period')).toEqual({ ok: false, error: 'The waiting period is a whole number of days from 1 to 90.' });
    expect(checkWholeDays('', 1, 90, 'x').ok).toBe(false);
    expect(checkWholeDays(2.5, 1, 90, 'x').ok).toBe(false);
    expect(checkMaxUses('', 3)).toEqual({ ok: true, maxUses: null });
    expect(checkMaxUses(10, 3)).toEqual({ ok: true, maxUses: 10 });
    expect(checkMaxUses(0, 0).ok).toBe(false);
    expect(checkMaxUses(2, 3).ok).toBe(false);
  });

  it('names purposes', () => {
    expect(purposeLabel('tls-server')).toBe('TLS server (tls-server)');
    expect(purposeLabel(null)).toBe('General (none set)');
    expect(purposeLabel('vpn')).toBe('vpn');
  });
});

describe('a scheduled deactivation', () => {
  it('ends the active stretch of the current version, process-only follows', () => {
    const now = T0 + 10 * DAY;
    const v = version({ state: 'active', activationAt: at(0) });
    expect(versionSegments(v, now, at(30))).toEqual([
      { phase: 'active', from: T0, to: T0 + 30 * DAY },
      { phase: 'process-only', from: T0 + 30 * DAY, to: null },
    ]);
    // A date already past is history the core will apply, not a plan; deactivated versions ignore it.
    expect(versionSegments(v, now, at(5))).toEqual([{ phase: 'active', from: T0, to: null }]);
    const t = timeline([v], now, { version: 1, deactivationAt: at(30) });
    expect(t.end).toBeGreaterThan(T0 + 30 * DAY);
    expect(t.rows[0]!.phases).toEqual(['active', 'process-only', null, null]);
  });
});
