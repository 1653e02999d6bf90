import type { DatabaseHandoff } from './database.js';

/** What the checkpoint worker is given (workerData). */
export interface CheckpointJob extends DatabaseHandoff {
  /** Pause between rounds while there is work. */
  intervalMs: number;
}

/** Rounds with nothing to copy before the worker slows to IDLE_DELAY_MS. */
export const IDLE_ROUNDS_BEFORE_SLOWING = 100;
export const IDLE_DELAY_MS = 250;

/** What the pacing remembers between rounds. */
export interface PaceState {
  idleRounds: number;
  /** The last round's report: frames in the log, and frames copied. */
  log: number;
  checkpointed: number;
}

export const FIRST_PACE: PaceState = { idleRounds: 0, log: -1, checkpointed: -1 };

/**
 * When to run the next round, from what the last PASSIVE checkpoint reported: at `intervalMs`
 * while the log moves (new frames, or frames copied), and at IDLE_DELAY_MS once it has stood still
 * for IDLE_ROUNDS_BEFORE_SLOWING rounds, so an idle console does not wake a thread a hundred times
 * a second.
 */
export function nextCheckpointDelay(r: { log: number; checkpointed: number }, before: PaceState, intervalMs: number): { delayMs: number; state: PaceState } {
  const moved = r.log !== before.log || r.checkpointed !== before.checkpointed;
  const idleRounds = moved ? 0 : before.idleRounds + 1;
  return { delayMs: idleRounds >= IDLE_ROUNDS_BEFORE_SLOWING ? IDLE_DELAY_MS : intervalMs, state: { idleRounds, log: r.log, checkpointed: r.checkpointed } };
}
