// Worker entry: copies committed WAL frames into the database file on its own connection, so the
// thread that commits (the main thread) is not held up for milliseconds by a checkpoint of a
// thousand pages. Built as out/main/vault-checkpoint-worker.js; see checkpointer.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { openHandedDatabase, type Db } from './database.js';
import { FIRST_PACE, nextCheckpointDelay, type CheckpointJob } from './checkpoint-pace.js';

const job = workerData as CheckpointJob;
const port = parentPort!;
let db: Db | null = null;
try {
  db = openHandedDatabase(job);
  // This connection never writes pages of its own; it only checkpoints.
  db.pragma('wal_autocheckpoint = 0');
} catch (e) {
  port.postMessage({ stopped: (e as { code?: string }).code ?? 'E_INTERNAL' });
}

let timer: NodeJS.Timeout | null = null;
let pace = FIRST_PACE;
const round = () => {
  try {
    // PASSIVE never waits for and never blocks the writer: it copies what is committed and stops.
    const r = (db!.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>)[0]!;
    const next = nextCheckpointDelay(r, pace, job.intervalMs);
    pace = next.state;
    timer = setTimeout(round, next.delayMs);
  } catch (e) {
    // Nothing is lost: the writer's own automatic checkpoints take over.
    stop((e as { code?: string }).code ?? 'E_INTERNAL');
  }
};

function stop(reason: string | null): void {
  if (timer) clearTimeout(timer);
  timer = null;
  try {
    db?.close();
  } catch {
    // closing is best effort; the writer owns the file
  }
  db = null;
  if (reason) port.postMessage({ stopped: reason });
  port.close();
}

if (db) {
  port.on('message', (m: unknown) => {
    if (m === 'stop') stop(null);
  });
  timer = setTimeout(round, job.intervalMs);
} else {
  port.close();
}
