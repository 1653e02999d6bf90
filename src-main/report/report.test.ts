import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { runCli } from '../cli/run.js';
import type { CliIo } from '../cli/io.js';
import { seedDemo } from '../demo/seed.js';

/** Demo seeding, the CLI of issue 8 (in-process) and the reports, checked with pdftotext and the audit bundle verifier. */

const PASS = 'alice long passphrase';
let dir: ReturnType<typeof tempDir>;
let vault: string;
let passFile: string;

async function custos(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { HOME: dir.path }, readStdin: async () => '' };
  const code = await runCli(args, io, 'test');
  return { code, out, err };
}
const auth = () => ['--vault', vault, '--user', 'alice', '--passphrase-file', passFile];

beforeAll(async () => {
  dir = tempDir('custos-report-');
  vault = join(dir.path, 'vault');
  passFile = join(dir.path, 'pass.txt');
  writeFileSync(passFile, PASS + '\n', { mode: 0o600 });
  (await UnlockedVault.create(vault, { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST })).close();
  const r = await custos(...auth(), 'demo', 'seed', '--keys', '3000', '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
});
afterAll(() => dir.cleanup());

describe('demo seed', () => {
  it('fills the vault with marked demo keys, no private material, real certificates, one audit event per batch', async () => {
    const v = await UnlockedVault.unlock(vault, { user: 'alice', passphrase: PASS });
    try {
      const db = v.db;
      expect(db.prepare('SELECT count(*) FROM keys').pluck().get()).toBe(3000);
      expect(db.prepare("SELECT count(*) FROM keys WHERE created_by <> 'demo'").pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM key_material').pluck().get()).toBe(0);
      // Every state, algorithm family and store is present.
      expect((db.prepare('SELECT DISTINCT state FROM keys').pluck().all() as string[]).length).toBe(7);
      expect((db.prepare('SELECT DISTINCT store FROM keys ORDER BY 1').pluck().all() as string[])).toEqual(['external', 'token', 'vault']);
      expect((db.prepare('SELECT DISTINCT family FROM keys').pluck().all() as string[]).length).toBe(5);
      // inventory_groups (triggers) agrees with a GROUP BY over the keys.
      const grouped = db.prepare(`SELECT algorithm, state, store, coalesce(purpose, '') AS purpose, count(*) AS n FROM keys GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`).all();
      const summary = db.prepare(`SELECT algorithm, state, store, purpose, sum(n) AS n FROM inventory_groups WHERE n > 0 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`).all();
      expect(summary).toEqual(grouped);
      // Certificates are real X.509 for the key whose fingerprint they carry.
      const certs = db.prepare('SELECT c.der, k.fingerprint FROM certificates c JOIN keys k ON k.fingerprint = c.spki_fingerprint').all() as Array<{ der: Buffer; fingerprint: string }>;
      expect(certs.length).toBeGreaterThan(5);
      for (const c of certs.slice(0, 5)) {
        const x = new X509Certificate(c.der);
        expect(createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')).toBe(c.fingerprint);
        expect(x.issuer).toContain('Demo Issuing CA 1');
      }
      expect(db.prepare("SELECT count(*) FROM audit_events WHERE operation = 'demo.seed'").pluck().get()).toBe(1);
      // Batches of 1,000: three more events, each naming its first and last id.
      const r = seedDemo(v, { keys: 2500, actor: 'alice', batch: 1000 });
      expect(r).toMatchObject({ keys: 2500, auditEvents: 3 });
      const events = v.audit.list({ operation: 'demo.seed', limit: 10 });
      expect(events.map((e) => e.details.keys)).toEqual([500, 1000, 1000, 3000]);
      expect(events[0]!.details.lastId).toBe(r.lastId);
      expect(db.prepare('SELECT count(*) FROM keys WHERE id >= ? AND id <= ?').pluck().get(events[1]!.details.firstId, events[1]!.details.lastId)).toBe(1000);
      expect((await v.verifyAudit()).ok).toBe(true);
    } finally {
      v.close();
    }
  });

  it('refuses a vault that holds real keys', async () => {
    const other = join(dir.path, 'real');
    const v = await UnlockedVault.create(other, { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST });
    v.db.prepare("INSERT INTO keys (id, name, algorithm, family, size, store, current_version, state, created_at, created_by) VALUES (?, 'real', 'aes-256', 'aes', 256, 'vault', 1, 'active', '2026-01-01T00:00:00.000Z', 'alice')").run('a'.repeat(32));
    v.close();
    const r = await custos('--vault', other, '--user', 'alice', '--passphrase-file', passFile, 'demo', 'seed', '--keys', '10');
    expect(r.code).toBe(8);
    expect(r.err).toMatch(/holds real keys/);
  });
});

describe('inventory and report commands', () => {
  it('lists a filtered page and prints the summary', async () => {
    const list = await custos(...auth(), 'inventory', 'list', '--filter', '{"states":["active"],"stores":["token"]}', '--sort', 'name:asc', '--limit', '5', '--json');
    expect(list.code).toBe(0);
    const page = JSON.parse(list.out);
    expect(page.rows).toHaveLength(5);
    expect(page.rows.every((r: { state: string; store: string }) => r.state === 'active' && r.store === 'token')).toBe(true);
    const names = page.rows.map((r: { name: string }) => r.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect((await custos(...auth(), 'inventory', 'list', '--filter', '{"states":["melted"]}')).code).toBe(2);
    const summary = await custos(...auth(), 'inventory', 'summary');
    expect(summary.out).toMatch(/^5,500 keys as of \d{4}-\d{2}-\d{2}; compliance [\d.]+ %/);
  });

  it('writes the compliance report as JSON and as a PDF whose text pdftotext reads', async () => {
    const json = join(dir.path, 'report.json');
    expect((await custos(...auth(), 'report', 'compliance', '--as-of', '2031-01-01', '--out', json)).code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.asOf).toBe('2031-01-01T00:00:00.000Z');
    expect(report.inventory.total).toBe(5500); // 3,000 from the CLI, 2,500 from the batch test
    expect(report.policyFindings.length).toBeGreaterThan(0);
    expect(report.policyFindings.every((f: { remediation: string }) => f.remediation.length > 0)).toBe(true);
    expect(report.analysisFindings.map((f: { rule: string }) => f.rule)).toContain('cert-expired');
    const pdf = join(dir.path, 'report.pdf');
    const r = await custos(...auth(), 'report', 'compliance', '--as-of', '2036-01-01', '--out', pdf);
    expect(r.err).toBe('');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
    expect(text).toContain('Compliance report as of 2036-01-01');
    expect(text).toContain('Compliance score');
    expect(text).toContain('Policy findings and remediation');
    expect(text).toContain('Upcoming rotations');
    expect(text).toMatch(/5,500 keys in total/);
    expect((await custos(...auth(), 'report', 'compliance', '--out', join(dir.path, 'r.docx'))).code).toBe(2);
  });

  it('writes the evidence pack: report, verifiable audit bundle, CBOM, policy and a manifest of hashes', async () => {
    const out = join(dir.path, 'evidence');
    const r = await custos(...auth(), 'report', 'evidence', '--as-of', '2031-01-01', '--out', out, '--json');
    expect(r.err).toBe('');
    const pack = JSON.parse(r.out) as { dir: string; files: Array<{ name: string; sha256: string }> };
    expect(readdirSync(pack.dir).sort()).toEqual(['audit-bundle.tar', 'cbom.json', 'compliance-report.json', 'compliance-report.pdf', 'manifest.json', 'policy.json']);
    const manifest = JSON.parse(readFileSync(join(pack.dir, 'manifest.json'), 'utf8'));
    expect(manifest.notes).toEqual([]);
    for (const f of manifest.files as Array<{ name: string; sha256: string }>) {
      expect(createHash('sha256').update(readFileSync(join(pack.dir, f.name))).digest('hex')).toBe(f.sha256);
    }
    expect(JSON.parse(readFileSync(join(pack.dir, 'cbom.json'), 'utf8')).bomFormat).toBe('CycloneDX');
    const verify = await custos('audit', 'verify', join(pack.dir, 'audit-bundle.tar'));
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/Audit bundle intact/);
  });
});
