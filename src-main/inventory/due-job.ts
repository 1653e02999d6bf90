import type { CoreContext } from '../app/core-context.js';
import type { Db } from '../vault/database.js';
import { RESCAN_SLICE, rescanSlice, rescanState, setSlicedRescan } from './due.js';

/**
 * The recompute of every key's rotation due date after a policy change, in slices on the core's
 * queue: each slice is one queue turn (one transaction, ~40–55 ms of CPU at a million keys), so calls
 * made meanwhile run between two slices instead of waiting ~6 s at a million keys. Progress goes
 * out as 'job.progress'. The cursor is in the vault (inventory_meta.rescan_after): after a crash
 * or a lock the next inventory call on the reopened vault starts a job that continues from it.
 */

const JOB_LABEL = 'Recomputing rotation due dates for the new policy';
/** Connections with a job running (one per connection). */
const running = new WeakSet<Db>();
/** Connections where a slice failed: their queries then recompute unsliced and report the error themselves. */
const failed = new WeakSet<Db>();

export interface DueJobResult {
  slices: number;
  keys: number;
}

/**
 * Starts the sliced recompute on the vault's connection unless it is done or already running;
 * call it from inside a queue turn (ctx.run). From then on, the connection's queries leave the
 * whole-inventory part to the slices. Resolves when the job ends (null when none was needed);
 * callers do not wait for it.
 */
export function ensureDueRescan(ctx: Pick<CoreContext, 'run' | 'emit'>, db: Db, options: { slice?: number; jobId?: string } = {}): Promise<DueJobResult> | null {
  if (running.has(db) || failed.has(db) || !rescanState(db).pending) return null;
  running.add(db);
  setSlicedRescan(db, true);
  const jobId = options.jobId ?? `due-rescan-${Date.now().toString(36)}`;
  const slice = options.slice ?? RESCAN_SLICE;
  const job = (async () => {
    let slices = 0;
    let keys = 0;
    let percent = -1;
    try {
      for (;;) {
        // A new queue turn per slice: whatever was queued meanwhile runs first.
        const r = await ctx.run((v) => {
          if (v.db !== db) return null; // locked and reopened: the new connection gets its own job
          try {
            return rescanSlice(db, v.now(), slice);
          } catch (e) {
            // Within this turn, so that the next call already recomputes unsliced (see below).
            failed.add(db);
            setSlicedRescan(db, false);
            throw e;
          }
        });
        if (r === null) break;
        slices++;
        keys += r.keys;
        // 1 only when done: the slice that reaches the last key may not know yet that it was the
        // last. At most one event per percent (500 slices at a million keys).
        const fraction = r.finished || r.last === 0 ? 1 : Math.min(0.999, r.after / r.last);
        if (r.finished || Math.floor(fraction * 100) !== percent) ctx.emit('job.progress', { jobId, label: JOB_LABEL, fraction });
        percent = Math.floor(fraction * 100);
        if (r.finished) break;
      }
    } catch {
      // Locked mid-way: the cursor is stored, the next unlock continues from it. A slice that
      // failed marked the connection: no more jobs on it, so the next inventory call's own
      // refresh runs unsliced and reports the error to the person instead of a silent stall.
    } finally {
      running.delete(db);
      setSlicedRescan(db, false);
    }
    return { slices, keys };
  })();
  return job;
}

/**
 * Cores whose queue starts the job when the policy changes (held weakly: a closed core goes
 * away). The policy change itself runs inside some queue turn (an approval's execution); the
 * job's first slice is queued behind it, after its commit.
 */
const cores = new Set<WeakRef<Pick<CoreContext, 'run' | 'emit'>>>();

/** Called once per core (handlers-inventory.ts). */
export function startDueRescanOnPolicyChange(ctx: Pick<CoreContext, 'run' | 'emit'>): void {
  cores.add(new WeakRef(ctx));
}

/** The hook of a policy change (policy-service.ts): the core holding this connection starts the sliced recompute. */
export function policyChanged(db: Db): void {
  for (const ref of cores) {
    const ctx = ref.deref();
    if (!ctx) {
      cores.delete(ref);
      continue;
    }
    ctx
      .run((v) => {
        if (v.db === db) void ensureDueRescan(ctx, db);
      })
      .catch(() => undefined); // that core's vault is locked: nothing to start there
  }
}
