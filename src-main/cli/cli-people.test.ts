import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'custos');

let dir: { path: string; cleanup: () => void };
let vault: string;
const file = (name: string, content: string) => {
  const p = join(dir.path, name);
  writeFileSync(p, content + '\n', { mode: 0o600 });
  return p;
};

async function custos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(BIN, args, { env: { PATH: process.env.PATH ?? '', HOME: dir.path } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const as = (user: string) => ['--vault', vault, '--user', user, '--passphrase-file', join(dir.path, `${user}.pass`)];
const json = async (args: string[]) => {
  const r = await custos([...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('Build first: npm run build (npm test does this).');
  dir = tempDir();
  vault = join(dir.path, 'vault');
  for (const u of ['alice', 'bob', 'carol']) file(`${u}.pass`, `${u} has a long passphrase`);
  for (const u of ['alice', 'bob', 'carol']) file(`${u}.share`, `${u} guards a share`);
  expect((await custos(['init', '--vault', vault, '--admin', 'alice', '--passphrase-file', join(dir.path, 'alice.pass')])).code).toBe(0);
});
afterAll(() => dir?.cleanup());

describe('CLI: people, approvals, quorum and audit bundles', () => {
  it('adds people with dual control: pending until another person approves', async () => {
    expect(await json([...as('alice'), 'users', 'add', 'bob', '--role', 'security-officer', '--new-passphrase-file', join(dir.path, 'bob.pass')])).toMatchObject({ status: 'executed' });
    const pending = await json([...as('alice'), 'users', 'add', 'carol', '--role', 'key-custodian', '--new-passphrase-file', join(dir.path, 'carol.pass')]);
    expect(pending.status).toBe('pending');
    const self = await custos([...as('alice'), 'approvals', 'approve', pending.requestId]);
    expect(self.code).toBe(7);
    expect(self.stderr).toMatch(/own request/);
    const list = await json([...as('bob'), 'approvals', 'list', '--status', 'pending']);
    expect(list.map((r: { id: string }) => r.id)).toEqual([pending.requestId]);
    expect(await json([...as('bob'), 'approvals', 'approve', pending.requestId])).toMatchObject({ status: 'executed' });
    const users = await json([...as('carol'), 'users', 'list']);
    expect(users.map((u: { name: string }) => u.name)).toEqual(['alice', 'bob', 'carol']);
  });

  it('sets a 2-of-3 quorum and unlocks with it; too few or a wrong share fail with a clear line', async () => {
    const shares = ['alice', 'bob', 'carol'].map((u) => join(dir.path, `${u}.share`)).join(',');
    const q = await json([...as('alice'), 'methods', 'set-quorum', '--threshold', '2', '--custodians', 'alice,bob,carol', '--share-passphrase-files', shares]);
    expect(q.status).toBe('pending');
    await json([...as('bob'), 'approvals', 'approve', q.requestId]);

    const ok = await custos(['--vault', vault, 'unlock', '--quorum', '--custodians', 'carol,alice', '--share-passphrase-files', `${join(dir.path, 'carol.share')},${join(dir.path, 'alice.share')}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/quorum \(carol, alice\) unlocked/);

    const few = await custos(['--vault', vault, 'unlock', '--quorum', '--custodians', 'carol', '--share-passphrase-files', join(dir.path, 'carol.share')]);
    expect(few.code).toBe(3);
    expect(few.stderr.trim().split('\n')).toHaveLength(1);
    expect(few.stderr).toMatch(/needs 2 custodians/);
    const wrong = await custos(['--vault', vault, 'unlock', '--quorum', '--custodians', 'carol,bob', '--share-passphrase-files', `${join(dir.path, 'carol.share')},${join(dir.path, 'alice.share')}`]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/Wrong share passphrase for custodian bob/);
    const dup = await custos(['--vault', vault, 'unlock', '--quorum', '--custodians', 'carol,carol', '--share-passphrase-files', `${join(dir.path, 'carol.share')},${join(dir.path, 'carol.share')}`]);
    expect(dup.code).toBe(2);

    // A quorum unlock followed by a login, for an ordinary command.
    const keys = await custos(['--vault', vault, '--quorum', '--custodians', 'bob,carol', '--share-passphrase-files', `${join(dir.path, 'bob.share')},${join(dir.path, 'carol.share')}`, '--user', 'carol', '--passphrase-file', join(dir.path, 'carol.pass'), 'keys', 'list', '--json']);
    expect(keys.code, keys.stderr).toBe(0);
  });

  it('exports an audit bundle that verifies without the vault, and names the first bad event when edited', async () => {
    const out = join(dir.path, 'audit.tar');
    const m = await json([...as('bob'), 'audit', 'export', '--out', out]);
    const ok = await custos(['audit', 'verify', out, '--expect-key', m.publicKeyFingerprint]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Audit bundle intact: ${m.events} events`);
    expect(ok.stdout).toContain(m.headHash);

    // Edit one event inside the tar (same length, so the archive stays readable).
    const tar = readFileSync(out);
    const at = tar.indexOf(Buffer.from('"operation":"users.add"'.replace('users.add', 'user.add')));
    expect(at).toBeGreaterThan(0);
    const edited = Buffer.from(tar);
    edited.write('"operation":"user.ADD"', at);
    const bad = join(dir.path, 'edited.tar');
    writeFileSync(bad, edited);
    const r = await custos(['audit', 'verify', bad]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/NOT intact at event \d+: event \d+ was altered/);
    const wrongKey = await custos(['audit', 'verify', out, '--expect-key', 'ab'.repeat(32)]);
    expect(wrongKey.code).toBe(6);
  });

  it('rotates a key, and schedules and cancels its destruction under dual control', async () => {
    const k = await json([...as('alice'), 'keys', 'generate', '--name', 'batch-kek', '--alg', 'aes-256']);
    await json([...as('alice'), 'keys', 'activate', k.id]);
    const r = await json([...as('alice'), 'keys', 'rotate', k.id]);
    expect(r).toMatchObject({ version: 2, state: 'active' });
    expect(r.kcv).not.toBe(k.kcv);
    const active = await custos([...as('alice'), 'keys', 'destroy', k.id]);
    expect(active.code).toBe(8);
    expect(active.stderr).toMatch(/deactivate or revoke it first/);
    await json([...as('alice'), 'keys', 'deactivate', k.id]);
    const d = await json([...as('alice'), 'keys', 'destroy', k.id, '--after', '5']);
    expect(d.status).toBe('pending');
    await json([...as('bob'), 'approvals', 'approve', d.requestId]);
    expect((await json([...as('bob'), 'keys', 'show', k.id])).destroyAt).toMatch(/^\d{4}-/);
    expect((await json([...as('bob'), 'keys', 'cancel-destruction', k.id])).destroyAt).toBeNull();
  });

  it('evaluates the policy as of a date and lists tasks', async () => {
    await json([...as('alice'), 'keys', 'generate', '--name', 'web-rsa', '--alg', 'rsa-2048', '--purpose', 'tls-server']);
    const now = await json([...as('alice'), 'policy', 'evaluate']);
    const later = await json([...as('alice'), 'policy', 'evaluate', '--as-of', '2036-01-01']);
    expect(later.total).toBeGreaterThan(now.total);
    const text = await custos([...as('alice'), 'policy', 'evaluate', '--as-of', '2036-01-01']);
    expect(text.stdout).toMatch(/Policy findings as of 2036-01-01/);
    expect((await custos([...as('alice'), 'policy', 'evaluate', '--as-of', 'soon'])).code).toBe(2);
    expect((await custos([...as('alice'), 'tasks', 'list'])).code).toBe(0);
  });

  it('backs a key up to share files, verifies a share, and restores it after a second person approves', async () => {
    const k = await json([...as('alice'), 'keys', 'generate', '--name', 'archive-signing', '--alg', 'ed25519']);
    const pkg = join(dir.path, 'archive.backup.json');
    const shares = ['alice', 'bob', 'carol'].map((u) => join(dir.path, `${u}.share`)).join(',');
    const created = await json([...as('alice'), 'backup', 'create', k.id, '--scheme', 'files', '--threshold', '2', '--shares', '3', '--custodians', 'alice,bob,carol', '--share-passphrase-files', shares, '--out', pkg]);
    expect(created.shareFiles).toHaveLength(3);
    const ok = await custos(['backup', 'verify-share', pkg, '--share-files', `${pkg}.share-2.json`, '--share-passphrase-files', join(dir.path, 'bob.share')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Share 2 is intact/);
    const wrong = await custos(['backup', 'verify-share', pkg, '--share-files', `${pkg}.share-2.json`, '--share-passphrase-files', join(dir.path, 'alice.share')]);
    expect(wrong.code).toBe(3);
    const r = await json([...as('alice'), 'backup', 'recover', pkg, '--share-files', `${pkg}.share-3.json,${pkg}.share-1.json`, '--share-passphrase-files', `${join(dir.path, 'carol.share')},${join(dir.path, 'alice.share')}`]);
    expect(r.status).toBe('pending');
    expect(r.checkValue).toBe(k.fingerprint);
    await json([...as('bob'), 'approvals', 'approve', r.requestId]);
    const restored = (await json([...as('bob'), 'keys', 'list', '--search', 'archive-signing'])) as Array<{ fingerprint: string; origin: string }>;
    expect(restored.map((x) => [x.fingerprint, x.origin]).sort()).toEqual([
      [k.fingerprint, 'generated'],
      [k.fingerprint, 'imported'],
    ]);
  });

  it('analyzes the inventory and records that it did', async () => {
    const r = await custos([...as('alice'), 'analyze', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const events = await json([...as('alice'), 'audit', 'list', '--operation', 'inventory.analyze']);
    expect(events).toHaveLength(1);
  });
});
