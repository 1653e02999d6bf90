import type { RequestOutcome } from '../../src-shared/approvals';
import { api, errorMessage, isApiError } from '../api/client';
import { outcomeNotice } from '../lib/outcome';
import { useApp } from './store';

let unsubscribeLocked: (() => void) | null = null;

/** Connects to the core, reads what the console needs to start, and listens for locks. */
export async function boot(): Promise<void> {
  const app = useApp.getState();
  app.setBoot({ state: 'connecting' });
  try {
    const host = await api.connect();
    const [info, status] = await Promise.all([api.call('app.info'), api.call('vault.status')]);
    useApp.getState().connected(host, info, status);
    unsubscribeLocked?.();
    unsubscribeLocked = api.on('vault.locked', ({ reason }) => {
      if (useApp.getState().status?.unlocked) useApp.getState().markLocked(reason);
    });
  } catch (err) {
    useApp.getState().setBoot({ state: 'failed', message: errorMessage(err) });
  }
}

export async function lockVault(): Promise<void> {
  const { status } = useApp.getState();
  try {
    const next = await api.call('vault.lock');
    useApp.getState().markLocked('manual');
    useApp.getState().setStatus(next);
  } catch (err) {
    // If the core says it is already locked, the result is the same.
    if (isApiError(err, 'E_VAULT_LOCKED')) {
      useApp.getState().markLocked('manual');
      return;
    }
    useApp.getState().notify({ color: 'red', title: 'Lock failed', message: errorMessage(err) });
    if (status) useApp.getState().setStatus(status);
  }
}

/**
 * Common handling for a failed call made while unlocked: a locked vault sends the user to the
 * unlock screen (the session ended under us); anything else is for the caller to show.
 * Returns true when the error was handled here.
 */
export function handleSessionError(err: unknown): boolean {
  if (isApiError(err, 'E_VAULT_LOCKED')) {
    if (useApp.getState().status?.unlocked) useApp.getState().markLocked('session');
    return true;
  }
  return false;
}

/** Ends the person's session; the vault stays unlocked and the sign-in screen asks for the next one. */
export async function signOut(): Promise<void> {
  try {
    const next = await api.call('session.logout');
    useApp.getState().signedOut(next);
  } catch (err) {
    if (handleSessionError(err)) return;
    useApp.getState().notify({ color: 'red', title: 'Sign out failed', message: errorMessage(err) });
  }
}

/** Re-reads how many requests wait for approval (for the navigation badge). Quiet on failure. */
export async function refreshPendingApprovals(): Promise<void> {
  try {
    const pending = await api.call('approvals.list', { status: 'pending' });
    useApp.getState().setPendingApprovals(pending.length);
  } catch (err) {
    handleSessionError(err);
  }
}

/** Says what happened to a dual-controllable change: done, or waiting (with a link to Approvals). */
export function reportOutcome(outcome: RequestOutcome): void {
  const n = outcomeNotice(outcome);
  useApp.getState().notify({
    color: n.color,
    title: n.title,
    message: n.message,
    ...(n.toApprovals ? { action: { label: 'Open Approvals', view: { name: 'approvals' } } } : {}),
  });
  void refreshPendingApprovals();
}
