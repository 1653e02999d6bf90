// Worker entry: verifies one range of the audit chain on its own database connection, so a long
// chain verifies on every core at once. Built as out/main/audit-verify-worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import { openHandedDatabase, type DatabaseHandoff } from '../vault/database.js';
import { ROW_SQL, verifyRows, type RawRow } from './verify-rows.js';

interface Job extends DatabaseHandoff {
  auditKey: Uint8Array;
  from: number;
  to: number;
  macAfter: number;
}

const job = workerData as Job;
const db = openHandedDatabase(job, { readOnly: true });
try {
  const rows = db.prepare(`${ROW_SQL} WHERE seq >= ? AND seq <= ? ORDER BY seq`).raw(true).iterate(job.from, job.to) as Iterable<RawRow>;
  parentPort!.postMessage(verifyRows(rows, job.from, null, job.auditKey, job.macAfter));
} finally {
  job.auditKey.fill(0);
  db.close();
}
