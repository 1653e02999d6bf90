import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { bundleScript } from '../testing/script-bundle.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';

let dir: { path: string; cleanup: () => void };
let worker: string;
let v: UnlockedVault;

beforeAll(async () => {
  dir = tempDir();
  worker = await bundleScript(join(import.meta.dirname, 'verify-worker.ts'), 'audit-verify-worker');
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  v.db.transaction(() => {
    for (let i = 0; i < 2500; i++) v.audit.append({ actor: 'alice', operation: 'test', outcome: 'success', details: { i } });
  })();
});
afterAll(() => {
  v.close();
  dir.cleanup();
  rmSync(worker, { force: true });
});

describe('audit verification in worker threads', () => {
  it('gives the same answer as the single-threaded check on an intact chain (with checkpoints)', async () => {
    const parallel = await v.verifyAudit({ workerScript: worker, workers: 3, minRange: 500 });
    expect(parallel).toEqual(v.audit.verify());
    expect(parallel).toMatchObject({ ok: true, events: 2502 });
  });

  it('finds an edit, a deletion and a broken link across range boundaries at the same position', async () => {
    v.db.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;');
    // An edit in the third range.
    v.db.prepare(`UPDATE audit_events SET details = '{"i":999}' WHERE seq = 2100`).run();
    let p = await v.verifyAudit({ workerScript: worker, workers: 3, minRange: 500 });
    expect(p).toMatchObject({ ok: false, firstBadSeq: 2100 });
    expect(p).toEqual(v.audit.verify());
    // A deletion right at the start of the second range is caught by the gap in sequence numbers.
    v.db.prepare('DELETE FROM audit_events WHERE seq = 835').run();
    p = await v.verifyAudit({ workerScript: worker, workers: 3, minRange: 500 });
    expect(p).toMatchObject({ ok: false, firstBadSeq: 835 });
  });
});
