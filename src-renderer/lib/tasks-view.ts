import type { ChannelOutput } from '../../src-shared/contract';

/* The Tasks page and its badge, pure: ordering, counting, wording. */

export type TaskList = ChannelOutput<'tasks.list'>;
export type RotationTask = TaskList['rotations'][number];

/** Horizons the page offers (days ahead for due rotations); the badge counts the default one. */
export const HORIZONS = [7, 30, 90, 365] as const;
export const DEFAULT_HORIZON = 30;

/** Overdue first (the most overdue on top), then the soonest due. */
export function sortRotations(rotations: readonly RotationTask[]): RotationTask[] {
  return [...rotations].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt.localeCompare(b.dueAt) || a.keyName.localeCompare(b.keyName));
}

export function taskCount(t: TaskList): number {
  return t.rotations.length + t.destructions.length + t.activations.length + t.expiring.length;
}

export function overdueCount(t: TaskList): number {
  return t.rotations.filter((r) => r.overdue).length;
}

export function isEmpty(t: TaskList): boolean {
  return taskCount(t) === 0;
}

/** "overdue by 3 days", "due today", "in 12 days". */
export function dueLabel(r: Pick<RotationTask, 'overdue' | 'daysLeft'>): string {
  const days = Math.abs(Math.trunc(r.daysLeft));
  if (r.overdue) return days === 0 ? 'overdue since today' : `overdue by ${days} day${days === 1 ? '' : 's'}`;
  if (days === 0) return 'due today';
  return `in ${days} day${days === 1 ? '' : 's'}`;
}

/** "in 6 days" / "due now" for a scheduled date, from now. */
export function untilLabel(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const days = Math.floor((t - now) / 86_400_000);
  if (t <= now) return 'due now';
  if (days === 0) return 'within a day';
  return `in ${days} day${days === 1 ? '' : 's'}`;
}
