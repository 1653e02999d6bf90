import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance as perf, type EventLoopUtilization } from 'node:perf_hooks';
import { createTokenService } from '../app/token-setup.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { createSoftHsm } from '../testing/softhsm.js';
import { UnlockedVault } from '../vault/vault.js';
import type { BenchRow } from './table.js';

/**
 * Signatures per second through Custos (KeyService.sign: permission, state, usage period and
 * limit, the worker hop, one audit event and use-count change per signature, committed before the
 * signature is released) against raw pkcs11js in a separate process, on the same SoftHSM token
 * and key.
 *
 * Like with like: both sides use exactly one PKCS#11 session on the token. A session runs one
 * operation at a time, so raw pkcs11js with one session is a tight synchronous loop — the most that
 * session can give, whatever the number of callers. Custos is measured with 1, 8 and 32 callers
 * queued onto its one session. The machine is shared, so each comparison runs several rounds, and
 * in each round every Custos run is bracketed by raw runs; a ratio divides by the mean of the raw
 * rates just before and just after it. The table gives the median and range of those ratios.
 */
export async function pkcs11Bench(options: { rawChild: string; workerScript?: string; seconds: number; rounds: number }): Promise<BenchRow[]> {
  const hsm = createSoftHsm({ labels: ['bench'] });
  const root = mkdtempSync(join(tmpdir(), 'custos-bench-p11-'));
  const tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: options.workerScript });
  const rows: BenchRow[] = [];
  try {
    const token = hsm.tokens[0]!;
    const v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: 'bench passphrase', kdfCost: MINIMUM_KDF_COST });
    const keys = new KeyService(v, tokens);
    await (await tokens.clientForToken(token.serial)).login(token.serial, token.userPin);
    const data = Buffer.from('benchmark data to sign, the same for both sides');
    // Busy time per signature on each thread (event-loop utilisation), for where the time goes.
    let busy: { main: number; worker: number } = { main: 0, worker: 0 };
    let cpu = null as { main: number; others: number; busiest: number } | null;
    // `per`: signatures made by one call of `one` (signMany makes several).
    const timed = async (inFlight: number, one: () => Promise<unknown>, per = 1): Promise<number> => {
      const worker0 = clientRef?.threadUtilization() ?? null;
      const main0 = perf.eventLoopUtilization();
      const cpu0 = threadCpu();
      const start = performance.now();
      const deadline = start + options.seconds * 1000;
      let n = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (performance.now() < deadline) {
            await one();
            n += per;
          }
        }),
      );
      const main = perf.eventLoopUtilization(main0);
      const worker = worker0 ? (clientRef!.threadUtilization() as EventLoopUtilization) : null;
      busy = { main: (main.active * 1000) / n, worker: worker && worker0 ? ((worker.active - worker0.active) * 1000) / n : 0 };
      const cpu1 = threadCpu();
      cpu = cpu0 && cpu1 ? { main: (cpu1.main - cpu0.main) / n, others: (cpu1.others - cpu0.others) / n, busiest: busiestOther(cpu0, cpu1) / n } : null;
      return (n * 1000) / (performance.now() - start);
    };
    let clientRef: Awaited<ReturnType<typeof tokens.clientForToken>> | null = null;
    for (const [algorithm, mech, label] of [
      ['ec-p256', 'ecdsa', 'ECDSA P-256'],
      ['rsa-2048', 'rsa', 'RSA-2048 PKCS#1 v1.5'],
    ] as const) {
      const k = await keys.generate({ name: `bench-${algorithm}`, algorithm, tokenSerial: token.serial });
      keys.transition(k.id, 'activate');
      const ref = { serial: token.serial, ckaId: k.token!.ckaId };
      const client = await tokens.clientForToken(token.serial);
      clientRef = client;
      const rawCpu: number[] = [];
      const cpuMain: number[] = [];
      const cpuOthers: number[] = [];
      const cpuWorker: number[] = [];
      const rawOnce = (): number => {
        const raw = spawnSync(process.execPath, [options.rawChild, hsm.modulePath, token.serial, token.userPin, k.token!.ckaId, mech, String(options.seconds)], { env: hsm.env, encoding: 'utf8' });
        if (raw.status !== 0) throw new Error(`raw pkcs11js benchmark failed: ${raw.stderr}`);
        const r = JSON.parse(raw.stdout.trim()) as { perSecond: number; cpuMicrosPerSignature: number };
        rawCpu.push(r.cpuMicrosPerSignature);
        return r.perSecond;
      };
      const sixteen = Array.from({ length: 16 }, () => data);
      const cases: Array<{ what: string; anchor: string; run: () => Promise<number> }> = [
        // The token worker as Custos uses it (signMany of 16, two requests in flight), with nothing else.
        { what: 'the token worker alone (signMany of 16, 2 in flight; no checks, no audit)', anchor: 'the thread hop alone: the ceiling for Custos', run: () => timed(2, () => client.signMany(ref, mech === 'ecdsa' ? 'ecdsa-sha256' : 'rsa-pkcs1-sha256', sixteen), 16) },
        // The goal is the session's throughput (32 callers keep it busy); 1 and 8 callers show how
        // it builds up: with 1, every signature waits for its own commit before the next is asked.
        { what: 'Custos, 1 caller', anchor: 'latency-bound by design: each signature waits for its own commit', run: () => timed(1, () => keys.sign(k.id, data)) },
        { what: 'Custos, 8 callers', anchor: 'for comparison: at most 8 signatures in flight', run: () => timed(8, () => keys.sign(k.id, data)) },
        { what: 'Custos, 32 callers', anchor: 'goal: ratio ≥ 0.9 (the session\'s throughput)', run: () => timed(32, () => keys.sign(k.id, data)) },
      ];
      const loadBefore = loadavg()[0]!;
      const busyMain: number[] = [];
      const busyWorker: number[] = [];
      const raws: number[] = [];
      const rates = cases.map(() => [] as number[]);
      const ratios = cases.map(() => [] as number[]);
      for (let round = 0; round < options.rounds; round++) {
        // Raw runs bracket every case (raw, case, raw, case, …): each ratio uses the raw rates
        // measured just before and just after it, so load from elsewhere hits both sides alike.
        let before = rawOnce();
        raws.push(before);
        for (let i = 0; i < cases.length; i++) {
          const m = await cases[i]!.run();
          if (i === cases.length - 1) {
            // The last case is Custos with 32 callers.
            busyMain.push(busy.main);
            busyWorker.push(busy.worker);
            if (cpu) {
              cpuMain.push(cpu.main);
              cpuOthers.push(cpu.others);
              cpuWorker.push(cpu.busiest);
            }
          }
          const after = rawOnce();
          raws.push(after);
          rates[i]!.push(m);
          ratios[i]!.push(m / ((before + after) / 2));
          before = after;
        }
      }
      const loadAfter = loadavg()[0]!;
      const r = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
      rows.push({
        what: `${label}: raw pkcs11js, 1 session, 1 caller`,
        measured: `${r(median(raws))} (${r(Math.min(...raws))}–${r(Math.max(...raws))})`,
        // Like with like: a session runs one operation at a time, so raw callers beyond one could not go faster.
        anchor: `1 session on each side; ${options.rounds} rounds × ${options.seconds} s`,
      });
      rows.push({
        what: `${label}: machine load (1-minute average, 2 cores shared), before and after`,
        measured: `${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`,
        // Two threads (token worker, main) against one: rates and ratios move with the load, CPU time per signature hardly does.
        anchor: 'ratios are meaningful below ~1',
      });
      cases.forEach((c, i) => {
        const q = ratios[i]!;
        rows.push({
          what: `${label}: ${c.what}, 1 session`,
          measured: `${r(median(rates[i]!))}, ratio ${median(q).toFixed(2)} (${Math.min(...q).toFixed(2)}–${Math.max(...q).toFixed(2)})`,
          anchor: c.anchor,
        });
      });
      const us = (x: number) => `${x.toFixed(0)} µs`;
      rows.push({
        what: `${label}: Custos, 32 callers: busy time per signature`,
        measured: `main thread ${us(median(busyMain))}, token worker ${us(median(busyWorker))}`,
        anchor: `raw: ${us(1e6 / median(raws))} on one thread`,
      });
      if (cpuMain.length) {
        const total = median(cpuMain) + median(cpuOthers);
        rows.push({
          what: `${label}: CPU time per signature (load-independent)`,
          measured: `raw ${us(median(rawCpu))}; Custos, 32 callers ${us(total)} = main thread ${us(median(cpuMain))} + worker and other threads ${us(median(cpuOthers))} (the token worker ${us(median(cpuWorker))}, the rest mostly GC helpers)`,
          anchor: `raw / Custos: ${(median(rawCpu) / total).toFixed(2)}`,
        });
        // With a free core per thread the pipeline runs at the pace of its busier thread. "Worker and
        // other threads" includes the garbage collector's helpers, so this estimate errs low.
        rows.push({
          what: `${label}: Custos, 32 callers, ratio with a free core per thread (estimate from CPU time)`,
          measured: `${(median(rawCpu) / Math.max(median(cpuMain), median(cpuOthers))).toFixed(2)} = raw ${us(median(rawCpu))} / busier thread ${us(Math.max(median(cpuMain), median(cpuOthers)))} (counting GC helpers with the worker; the worker alone: ${(median(rawCpu) / Math.max(median(cpuMain), median(cpuWorker))).toFixed(2)})`,
          anchor: 'goal: ratio ≥ 0.9 (not a measured rate)',
        });
      }
    }
    v.close();
  } finally {
    await tokens.close();
    hsm.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

/**
 * CPU time so far of this process's main thread and of all its other threads (the token worker,
 * GC helpers), in µs, from /proc (Linux); null elsewhere. Unlike rates, CPU time per signature
 * hardly depends on how busy the rest of the machine is.
 */
function threadCpu(): { main: number; others: number; byThread: Map<string, number> } | null {
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  try {
    let main = 0;
    let others = 0;
    const byThread = new Map<string, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = (Number(fields[11]) + Number(fields[12])) * tick;
      if (tid === String(process.pid)) main += micros;
      else others += micros;
      byThread.set(tid, micros);
    }
    return { main, others, byThread };
  } catch {
    return null;
  }
}

/** CPU time between two readings of the non-main thread that used the most: the token worker. */
function busiestOther(a: { byThread: Map<string, number> }, b: { byThread: Map<string, number> }): number {
  let most = 0;
  for (const [tid, micros] of b.byThread) most = Math.max(most, micros - (a.byThread.get(tid) ?? 0));
  return most;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
