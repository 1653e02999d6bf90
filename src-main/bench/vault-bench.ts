import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportAudit } from '../audit/export.js';
import { calibrateKdfCost, derivePassphraseKey, newKdfParams } from '../crypto/passphrase-kdf.js';
import { MethodService } from '../vault/method-service.js';
import { UserService } from '../users/user-service.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { UnlockedVault } from '../vault/vault.js';
import { ms, type BenchRow } from './table.js';

const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
};

/** Unlock and audit benchmarks for issue 3, on a real vault in a temp dir. */
export async function vaultBench(events: number): Promise<{ unlock: BenchRow[]; audit: BenchRow[] }> {
  const root = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  try {
    const dir = join(root, 'v');
    const cost = await calibrateKdfCost();
    const pass = 'bench passphrase long';
    const v0 = await UnlockedVault.create(dir, { adminName: 'alice', passphrase: pass, kdfCost: cost });
    // Five custodians; bob approves the quorum so it takes effect.
    const users = new UserService(v0);
    for (const u of ['bob', 'carol', 'dave', 'erin']) await users.add({ name: u, role: 'key-custodian', passphrase: `${u} passphrase long`, personalUnlock: u === 'bob' });
    const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const custodians = names.map((u) => ({ user: u, passphrase: `${u} share passphrase` }));
    const q = await new MethodService(v0).setQuorum(3, custodians);
    v0.close();
    if (q.status === 'pending') {
      const b = await UnlockedVault.unlock(dir, { user: 'bob', passphrase: 'bob passphrase long' });
      new ApprovalService(b, OPERATIONS).approve(q.requestId!, b.user);
      b.close();
    }

    const kdfParams = newKdfParams(cost);
    const [, kdfOnce] = await time(async () => (await derivePassphraseKey(pass, kdfParams)).fill(0));
    const unlockRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [v, t] = await time(() => UnlockedVault.unlock(dir, { user: 'alice', passphrase: pass }));
      unlockRuns.push(t);
      v.close();
    }
    const quorumRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [v, t] = await time(() => UnlockedVault.unlockWithQuorum(dir, { custodians: [custodians[4]!, custodians[1]!, custodians[2]!] }));
      quorumRuns.push(t);
      v.close();
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    const unlock: BenchRow[] = [
      { what: `Argon2id derivation (${cost.memoryKiB / 1024} MiB, ${cost.iterations} passes)`, measured: ms(kdfOnce), anchor: 'calibrated to ~500 ms' },
      { what: 'passphrase unlock, total', measured: ms(med(unlockRuns)), anchor: '' },
      { what: '  of which KDF', measured: ms(kdfOnce), anchor: '' },
      { what: '  of which the rest (unwrap, open db, checks)', measured: ms(Math.max(0, med(unlockRuns) - kdfOnce)), anchor: '' },
      { what: '3-of-5 quorum unlock, total', measured: ms(med(quorumRuns)), anchor: '' },
      { what: '  of which KDF (3 derivations)', measured: ms(3 * kdfOnce), anchor: '' },
      { what: '  of which the rest (Shamir, open db, checks)', measured: ms(Math.max(0, med(quorumRuns) - 3 * kdfOnce)), anchor: '' },
    ];

    const v = await UnlockedVault.unlock(dir, { user: 'alice', passphrase: pass });
    const single = 2000;
    const [, tSingle] = await time(() => {
      for (let i = 0; i < single; i++) v.record({ actor: 'alice', operation: 'bench.single', outcome: 'success', details: { i } });
    });
    let remaining = events - single;
    const [, tBatch] = await time(() => {
      while (remaining > 0) {
        const n = Math.min(10_000, remaining);
        v.db.transaction(() => {
          for (let i = 0; i < n; i++) v.audit.append({ actor: 'alice', operation: 'key.generate', keyId: 'ab'.repeat(16), keyVersion: 1, outcome: 'success', details: { algorithm: 'ec-p256', store: 'vault', fingerprint: 'cd'.repeat(32) } });
        })();
        remaining -= n;
      }
    });
    const batched = events - single;
    const [check1, tVerify1] = await time(() => v.audit.verify());
    const [, tVerifyAll] = await time(() => v.verifyAudit({ everyMac: true }));
    const [check, tVerify] = await time(() => v.verifyAudit());
    const sample = join(root, 'sample.tar');
    const m = await exportAudit(v, sample);
    v.close();
    const audit: BenchRow[] = [
      { what: 'append, one event per transaction', measured: `${Math.round(single / (tSingle / 1000)).toLocaleString('en')} events/s`, anchor: 'synchronous=FULL: each commit fsyncs' },
      { what: 'append, batches of 10,000', measured: `${Math.round(batched / (tBatch / 1000)).toLocaleString('en')} events/s`, anchor: '' },
      { what: `verify chain of ${check1.events.toLocaleString('en')} events, one thread`, measured: ms(tVerify1), anchor: 'hashes, checkpoint signatures, MACs of the unsigned tail' },
      { what: `verify chain, every event's MAC too, worker per core`, measured: ms(tVerifyAll), anchor: '' },
      { what: `verify chain of ${check.events.toLocaleString('en')} events, worker per core`, measured: ms(tVerify), anchor: events >= 1_000_000 ? 'goal: < 3 s for 1,000,000' : '' },
      { what: 'export bundle size per event', measured: `${(statSync(sample).size / m.events).toFixed(0)} bytes`, anchor: '' },
    ];
    return { unlock, audit };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
