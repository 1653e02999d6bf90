import { create } from 'zustand';
import { api } from '../api/client';
import { DEFAULT_HORIZON, overdueCount, taskCount, type TaskList } from '../lib/tasks-view';
import { handleSessionError } from './actions';

/**
 * The count on the "Tasks" navigation item: rotations due within the default horizon (overdue
 * included), scheduled destructions and scheduled activations. Kept apart from the app store so the
 * Tasks page and its badge stay in their own files; it is re-read on every page change.
 */
interface TaskBadgeState {
  count: number | null;
  overdue: number;
  set(list: TaskList): void;
  clear(): void;
}

export const useTaskBadge = create<TaskBadgeState>()((set) => ({
  count: null,
  overdue: 0,
  set: (list) => set({ count: taskCount(list), overdue: overdueCount(list) }),
  clear: () => set({ count: null, overdue: 0 }),
}));

/** Re-reads the task list for the badge. Quiet on failure (the badge just goes away). */
export async function refreshTaskBadge(): Promise<void> {
  try {
    useTaskBadge.getState().set(await api.call('tasks.list', { horizonDays: DEFAULT_HORIZON }));
  } catch (err) {
    handleSessionError(err);
    useTaskBadge.getState().clear();
  }
}
