import { generateKeyPairSync, generatePrimeSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeInventory, inventorySource, persistAnalysis, type AnalysisRunResult } from '../analysis/inventory-run.js';
import { publicKeyChecks } from '../analysis/key-checks.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { seedDemo } from '../demo/seed.js';
import type { Db } from '../vault/database.js';
import { UnlockedVault } from '../vault/vault.js';
import { analysisWorker, rsaSpki } from './analysis-support.js';
import { ms, type BenchRow } from './table.js';

/**
 * Issue 7: the whole analysis run over the inventory at 100,000 and 1,000,000 keys
 * (`npm run bench -- --only=analysis-inventory`), as `custos demo seed --keys N` followed by a
 * full `analysis run` does it: keys/s, wall and CPU time, peak RSS, the time of each phase and
 * what dominates.
 *
 * Two runs per size, because the demo seeder stores no public key except on the ~3% of keys it
 * gives an X.509 certificate (real P-256 keys; every other key has a random fingerprint only):
 *   1. the seeded vault as it is — what the command pair measures, and nearly nothing to check;
 *   2. the same vault with a public key on every live asymmetric key (our corpus, planted here):
 *      RSA moduli of the key's size built from pairwise coprime factors (see coprimeOdds, plantCorpus), and
 *      real EC / Ed25519 keys from Node (a pool per curve: a check costs the same for any key).
 * The second is the meaningful figure.
 */

/** Odd primes below `limit` (sieve of Eratosthenes). */
function oddPrimesBelow(limit: number): Uint32Array {
  const composite = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 3; i < limit; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += 2 * i) composite[j] = 1;
  }
  return Uint32Array.from(out);
}

/**
 * `count` odd numbers of `bits` bits, pairwise coprime and free of every prime below the sieve
 * length L: the terms x_k = B + D·k (k < L) of an arithmetic progression with B odd and
 * D = 2·(a 600-bit prime), with the k whose term has a prime factor below L struck out. A prime
 * dividing two terms divides D·(j − k) with 0 < j − k < L, so it is that 600-bit prime (which
 * divides no term, as it does not divide B) or below L (struck out). Terms are ≥ D > 2^601 apart (Fermat's
 * 1,000 steps reach |p − q| of about 2^519 for 1,024-bit factors), so a
 * product of two is never caught by Fermat's method, and no structure makes ROCA fire: the products
 * cost every per-key check and the batch GCD what RSA moduli cost, and only a pair made to share
 * a factor is found. (Real RSA keys at this count would take hours to generate.)
 */
function coprimeOdds(count: number, bits: number): bigint[] {
  // About 1 term in 14 survives sieving by the primes below a few million (Mertens: 2e^-γ / ln L).
  let length = Math.max(1 << 16, Math.ceil(count * 16));
  for (;;) {
    if (length >= 1 << 26) throw new Error(`coprimeOdds: ${count} terms need a longer progression than this bench sieves`);
    const primes = oddPrimesBelow(length);
    const d = 2n * generatePrimeSync(600, { bigint: true });
    const top = randomBytes(bits / 8);
    top[0]! |= 0xc0; // two top bits: a product of two has exactly 2·bits bits
    top[top.length - 1]! |= 1;
    const b = BigInt(`0x${top.toString('hex')}`);
    const struck = new Uint8Array(length);
    for (const p of primes) {
      const bp = Number(b % BigInt(p));
      const dp = Number(d % BigInt(p));
      // B + D·k ≡ 0 (mod p) ⇔ k ≡ −B · D⁻¹ (mod p); D⁻¹ by Fermat's little theorem.
      // In doubles: p < 2^26 keeps every product below 2^52, exact.
      let inv = 1;
      let base = dp;
      for (let e = p - 2; e > 0; e = Math.floor(e / 2)) {
        if (e & 1) inv = (inv * base) % p;
        base = (base * base) % p;
      }
      const k0 = (((p - bp) % p) * inv) % p;
      for (let k = k0; k < length; k += p) struck[k] = 1;
    }
    const out: bigint[] = [];
    for (let k = 0; k < length && out.length < count; k++) if (!struck[k]) out.push(b + d * BigInt(k));
    if (out.length === count) return out;
    length *= 2;
  }
}


const EC_MAKERS: Record<string, () => Buffer> = {
  'ec-p256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
  'ec-p384': () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' }),
  'ec-p521': () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey.export({ type: 'spki', format: 'der' }),
  ed25519: () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }),
};

/**
 * A public key on every live asymmetric key without one: RSA keys a modulus of their size (the
 * product of 2, 3 or 4 terms of ONE coprime progression of 1,024-bit numbers: terms of separate
 * progressions could share a prime above the sieve bound, and the batch GCD would rightly find
 * it), EC and Ed25519 keys one of 256 real keys of their curve. The first and the last RSA key by
 * id (far apart: different chunks) share a factor, which the run must find. Returns counts per algorithm.
 */
function plantCorpus(db: Db): Record<string, number> {
  const keys = db
    .prepare("SELECT k.id, k.algorithm, k.size FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.state NOT IN ('destroyed', 'destroyed-compromised') AND v.public_spki IS NULL ORDER BY k.id")
    .all() as Array<{ id: string; algorithm: string; size: number }>;
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k.algorithm] = (counts[k.algorithm] ?? 0) + 1;
  const rsa = keys.filter((k) => k.algorithm.startsWith('rsa-') && k.size % 1024 === 0);
  const terms = coprimeOdds(rsa.reduce((a, k) => a + k.size / 1024, 1), 1024);
  let next = 1; // terms[0] is the planted shared factor
  const pools = new Map<string, Buffer[]>();
  let o = 0;
  const set = db.prepare('UPDATE key_versions SET public_spki = ? WHERE key_id = ? AND version = (SELECT current_version FROM keys WHERE id = ?)');
  const [first, last] = [rsa[0]?.id, rsa.at(-1)?.id];
  db.transaction(() => {
    for (const k of keys) {
      let spki: Buffer | undefined;
      if (k.algorithm.startsWith('rsa-') && k.size % 1024 === 0) {
        const parts = k.size / 1024;
        let modulus = k.id === first || (k.id === last && last !== first) ? terms[0]! : 1n;
        for (let j = modulus === 1n ? 0 : 1; j < parts; j++) modulus *= terms[next++]!;
        spki = rsaSpki(modulus);
      } else if (EC_MAKERS[k.algorithm]) {
        let pool = pools.get(k.algorithm);
        if (!pool) pools.set(k.algorithm, (pool = Array.from({ length: 256 }, EC_MAKERS[k.algorithm]!)));
        spki = pool[o++ % pool.length]!;
      }
      if (spki) set.run(spki, k.id, k.id);
    }
  })();
  return counts;
}

interface Measured {
  result: AnalysisRunResult;
  wallMs: number;
  cpuMs: number;
  rssBefore: number;
  rssPeak: number;
  phases: Record<string, number>;
  persistMs: number;
  findings: number;
  publicKeys: number;
  /** The most frequent stored rules. */
  byRule: string;
}

/** One full run (analyse + store), as the core runs it, with phases, CPU (all threads) and peak RSS. */
async function measureRun(v: UnlockedVault, workerScript: string): Promise<Measured> {
  const publicKeys = v.db.prepare("SELECT COUNT(*) FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.state NOT IN ('destroyed', 'destroyed-compromised') AND v.public_spki IS NOT NULL").pluck().get() as number;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
  const phases: Record<string, number> = {};
  let phase = '';
  let phaseStart = performance.now();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await analyzeInventory(inventorySource((read) => read(v.db)), {
    now: new Date(),
    workerScript,
    onProgress: (_f, label) => {
      if (label === phase) return;
      if (phase) phases[phase] = (phases[phase] ?? 0) + performance.now() - phaseStart;
      phase = label;
      phaseStart = performance.now();
    },
  });
  const tp = performance.now();
  const summary = persistAnalysis(v, result, 'alice');
  const persistMs = performance.now() - tp;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const byRule = (v.db.prepare('SELECT rule, COUNT(*) AS c FROM analysis_findings GROUP BY rule ORDER BY c DESC LIMIT 5').all() as Array<{ rule: string; c: number }>).map((r) => `${r.rule} ${r.c.toLocaleString('en')}`).join(', ');
  return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, rssBefore, rssPeak, phases, persistMs, findings: summary.findings, publicKeys, byRule };
}

const mb = (b: number) => `${Math.round(b / 1_048_576).toLocaleString('en')} MB`;
const n = (x: number) => Math.round(x).toLocaleString('en');

function runRows(label: string, m: Measured): BenchRow[] {
  const keys = m.result.keysAnalyzed;
  const phaseRows = Object.entries(m.phases).sort((a, b) => b[1] - a[1]);
  const dominant = phaseRows[0];
  return [
    {
      what: `${label}: ${n(keys)} live keys (${n(m.publicKeys)} with a public key) + ${n(m.result.certificatesAnalyzed)} certificates → ${n(m.findings)} findings stored`,
      measured: `${ms(m.wallMs)} wall, ${ms(m.cpuMs)} CPU (all threads), ${n(keys / (m.wallMs / 1000))} keys/s, ${n(m.publicKeys / (m.wallMs / 1000))} public keys/s`,
      anchor: 'no goal: figures',
    },
    ...phaseRows.map(([p, t]) => ({ what: `  - ${p}`, measured: `${ms(t)} (${Math.round((100 * t) / m.wallMs)}%)`, anchor: p === dominant?.[0] ? 'dominates' : '' })),
    { what: '  - storing the findings (one audited transaction)', measured: ms(m.persistMs), anchor: '' },
    { what: '  findings stored, most frequent rules', measured: m.byRule || 'none', anchor: '' },
    { what: '  keys factored (planted: one pair, far apart)', measured: String(m.result.factoredKeys), anchor: label.startsWith('seeded') ? '0 (no moduli)' : '2' },
    { what: '  RSS before → peak (sampled every 100 ms, worker threads included)', measured: `${mb(m.rssBefore)} → ${mb(m.rssPeak)}`, anchor: 'must stay below 8 GB' },
  ];
}

/** Per-key check cost by algorithm on this machine (one thread), and its share of the per-key phase. */
function perKeyCosts(counts: Record<string, number>): BenchRow[] {
  const rows: Array<{ alg: string; each: number; total: number }> = [];
  for (const [alg, make] of Object.entries({
    ...EC_MAKERS,
    'rsa-2048': () => rsaSpki(coprimeOdds(2, 1024).reduce((a, b) => a * b)),
    'rsa-3072': () => rsaSpki(coprimeOdds(3, 1024).reduce((a, b) => a * b)),
    'rsa-4096': () => rsaSpki(coprimeOdds(4, 1024).reduce((a, b) => a * b)),
  })) {
    if (!counts[alg]) continue;
    const sample = Array.from({ length: 8 }, make);
    for (const s of sample) publicKeyChecks(s);
    const t0 = performance.now();
    for (let r = 0; r < 5; r++) for (const s of sample) publicKeyChecks(s);
    const each = (performance.now() - t0) / (5 * sample.length);
    rows.push({ alg, each, total: each * counts[alg] });
  }
  const all = rows.reduce((a, r) => a + r.total, 0);
  return rows
    .sort((a, b) => b.total - a.total)
    .map((r) => ({ what: `  per-key checks of one ${r.alg} key × ${n(counts[r.alg]!)} keys`, measured: `${r.each.toFixed(3)} ms each → ${ms(r.total)} CPU (${Math.round((100 * r.total) / all)}%)`, anchor: r === rows[0] ? 'largest share' : '' }));
}

export async function analysisInventoryBench(size: number): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'custos-analysis-inventory-bench-'));
  const workerScript = await analysisWorker();
  try {
    const v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: 'bench passphrase long', kdfCost: MINIMUM_KDF_COST });
    const t0 = performance.now();
    seedDemo(v, { keys: size, actor: 'alice' });
    const rows: BenchRow[] = [{ what: `custos demo seed --keys ${n(size)} (setup; ${cpus().length} cores, shared)`, measured: ms(performance.now() - t0), anchor: 'setup' }];
    rows.push(...runRows('seeded vault as it is', await measureRun(v, workerScript)));
    const t1 = performance.now();
    const counts = plantCorpus(v.db);
    rows.push({ what: `corpus planted: ${Object.entries(counts).filter(([a]) => !a.startsWith('aes') && !a.startsWith('hmac')).map(([a, c]) => `${n(c)} ${a}`).join(', ')}`, measured: ms(performance.now() - t1), anchor: 'setup' });
    rows.push(...runRows('with a public key on every asymmetric key', await measureRun(v, workerScript)));
    rows.push(...perKeyCosts(counts));
    v.close();
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

