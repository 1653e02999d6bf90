import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findSecrets } from '../testing/scan.js';
import { tempDir } from '../testing/temp.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'custos');
const PASS = 'orange tractor quietly 42 sings';

let dir: { path: string; cleanup: () => void };
let scratchTmp: { path: string; cleanup: () => void };
let vault: string;
let passFile: string;

/** Runs the real executable, as a script or a person would, with its own temp dir to scan. */
async function custos(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(BIN, args, { env: { PATH: process.env.PATH ?? '', HOME: dir.path, TMPDIR: scratchTmp.path, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const auth = () => ['--vault', vault, '--user', 'alice', '--passphrase-file', passFile];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('Build first: npm run build (npm test does this).');
  dir = tempDir();
  scratchTmp = tempDir('custos-cli-tmp-');
  vault = join(dir.path, 'vault');
  passFile = join(dir.path, 'pass.txt');
  writeFileSync(passFile, PASS + '\n', { mode: 0o600 });
  const init = await custos(['init', '--vault', vault, '--admin', 'alice', '--passphrase-file', passFile]);
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
});
afterAll(() => {
  dir?.cleanup();
  scratchTmp?.cleanup();
});

describe('custos CLI', () => {
  it('prints help and version', async () => {
    const help = await custos(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('custos init --vault DIR --admin NAME --passphrase-file FILE');
    const version = await custos(['--version']);
    expect(version.stdout).toMatch(/^custos \d+\.\d+\.\d+\n$/);
  });

  it('generates keys and prints them as JSON with id, fingerprint or KCV', async () => {
    const ec = await custos([...auth(), 'keys', 'generate', '--name', 'tls-edge', '--alg', 'ec-p256', '--json']);
    expect(ec.code, ec.stderr).toBe(0);
    const k = JSON.parse(ec.stdout);
    expect(k).toMatchObject({ name: 'tls-edge', algorithm: 'ec-p256', state: 'pre-active', store: 'vault', kcv: null });
    expect(k.id).toMatch(/^[0-9a-f]{32}$/);
    expect(k.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(k.createdAt)).not.toBeNaN();

    const aes = JSON.parse((await custos([...auth(), 'keys', 'generate', '--name', 'db-kek', '--alg', 'aes-256', '--json'])).stdout);
    expect(aes).toMatchObject({ algorithm: 'aes-256', fingerprint: null });
    expect(aes.kcv).toMatch(/^[0-9a-f]{6}$/);

    const list = await custos([...auth(), 'keys', 'list', '--json']);
    const ids = JSON.parse(list.stdout).map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining([k.id, aes.id]));

    const show = JSON.parse((await custos([...auth(), 'keys', 'show', k.id, '--json'])).stdout);
    const spki = createPublicKey(show.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(createHash('sha256').update(spki).digest('hex')).toBe(k.fingerprint);

    const text = await custos([...auth(), 'keys', 'show', k.id]);
    expect(text.stdout).toContain('tls-edge');
    expect(text.stdout).toContain(k.fingerprint);
  });

  it('reads the vault from CUSTOS_VAULT', async () => {
    const r = await custos(['--user', 'alice', '--passphrase-file', passFile, 'keys', 'list'], { CUSTOS_VAULT: vault });
    expect(r.code, r.stderr).toBe(0);
  });

  it('fails with one clear line and a meaningful exit code, changing nothing', async () => {
    const before = (await custos([...auth(), 'audit', 'list', '--json'])).stdout;
    const bad = join(dir.path, 'bad.txt');
    writeFileSync(bad, 'not the passphrase\n', { mode: 0o600 });
    const cases: Array<[string[], number, RegExp]> = [
      [['--vault', vault, '--user', 'alice', '--passphrase-file', bad, 'keys', 'list'], 3, /E_AUTH_FAILED/],
      [['--vault', join(dir.path, 'nowhere'), '--user', 'alice', '--passphrase-file', passFile, 'keys', 'list'], 5, /E_VAULT_MISSING/],
      [[...auth(), 'keys', 'generate', '--name', 'x', '--alg', 'rsa-512'], 2, /--alg/],
      [[...auth(), 'keys', 'generate', '--alg', 'ec-p256'], 2, /--name/],
      [[...auth(), 'keys', 'show', 'nothex'], 2, /key id/],
      [[...auth(), 'keys', 'show', '0'.repeat(32)], 4, /E_NOT_FOUND/],
      [[...auth(), 'keys', 'frobnicate'], 2, /unknown command/],
      [[...auth(), '--bogus'], 2, /bogus/],
      [['init', '--vault', vault, '--admin', 'bob', '--passphrase-file', passFile], 8, /E_VAULT_EXISTS/],
    ];
    for (const [args, code, message] of cases) {
      const r = await custos(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const after = JSON.parse((await custos([...auth(), 'audit', 'list', '--json'])).stdout) as Array<{ operation: string }>;
    // Only the unlock events of the successful reads above were added; no failed case changed anything.
    const added = after.slice(JSON.parse(before).length).map((e) => e.operation);
    expect(new Set(added)).toEqual(new Set(['vault.unlock']));
  });

  it('verifies its own audit chain', async () => {
    const r = await custos([...auth(), 'audit', 'verify', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, firstBadSeq: null });
  });

  it('leaves no passphrase or key name in the vault or the temp dir after a scripted session', async () => {
    await custos([...auth(), 'keys', 'generate', '--name', 'very-secret-label-9c1e', '--alg', 'rsa-2048']);
    const hits = findSecrets([...filesUnder(vault), ...filesUnder(scratchTmp.path)], [
      { label: 'passphrase', bytes: Buffer.from(PASS) },
      { label: 'key name', bytes: Buffer.from('very-secret-label-9c1e') },
      { label: 'admin name in header', bytes: Buffer.from('"alice"') },
    ]);
    expect(hits).toEqual([]);
    expect(readFileSync(join(vault, 'vault.db')).subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
  });
});
