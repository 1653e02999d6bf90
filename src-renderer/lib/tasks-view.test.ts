import { describe, expect, it } from 'vitest';
import { dueLabel, isEmpty, overdueCount, sortRotations, taskCount, untilLabel, type RotationTask } from './tasks-view';

const rot = (keyName: string, dueAt: string, overdue: boolean, daysLeft: number): RotationTask => ({ keyId: 'a'.repeat(32), keyName, dueAt, overdue, daysLeft, reason: 'r' });

describe('tasks helpers', () => {
  it('puts overdue rotations first, then the soonest', () => {
    const sorted = sortRotations([rot('c', '2027-03-01', false, 90), rot('b', '2026-01-01', true, -300), rot('a', '2026-12-01', false, 3), rot('d', '2026-06-01', true, -100)]);
    expect(sorted.map((r) => r.keyName)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('counts and words them', () => {
    const t = { rotations: [rot('a', '2026-01-01', true, -2)], destructions: [{ keyId: 'b'.repeat(32), keyName: 'b', destroyAt: '2026-12-01T00:00:00Z' }], activations: [], expiring: [] };
    expect(taskCount(t)).toBe(2);
    expect(overdueCount(t)).toBe(1);
    expect(isEmpty({ rotations: [], destructions: [], activations: [], expiring: [] })).toBe(true);
    expect(dueLabel({ overdue: true, daysLeft: -2.4 })).toBe('overdue by 2 days');
    expect(dueLabel({ overdue: true, daysLeft: -1 })).toBe('overdue by 1 day');
    expect(dueLabel({ overdue: false, daysLeft: 0.2 })).toBe('due today');
    expect(dueLabel({ overdue: false, daysLeft: 12 })).toBe('in 12 days');
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(untilLabel('2026-12-05T12:00:00Z', now)).toBe('in 7 days');
    expect(untilLabel('2026-11-28T18:00:00Z', now)).toBe('within a day');
    expect(untilLabel('2026-11-28T11:00:00Z', now)).toBe('due now');
  });
});
