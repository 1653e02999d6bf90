import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsm, type SoftHsmFixture } from '../testing/softhsm.js';
import { tempDir } from '../testing/temp.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'custos');
let dir: { path: string; cleanup: () => void };
let hsm: SoftHsmFixture;
let vault: string;
const f = (name: string) => join(dir.path, name);

async function custos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(BIN, args, { env: { PATH: process.env.PATH ?? '', HOME: dir.path, SOFTHSM2_CONF: hsm.conf } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const auth = () => ['--vault', vault, '--user', 'alice', '--passphrase-file', f('alice.pass')];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'pkcs11-worker.js'))) throw new Error('Build first: npm run build (npm test does this).');
  dir = tempDir();
  hsm = createSoftHsm({ labels: ['cli-token'], setProcessEnv: false });
  vault = f('vault');
  writeFileSync(f('alice.pass'), 'alice long passphrase\n', { mode: 0o600 });
  writeFileSync(f('pin'), hsm.tokens[0]!.userPin + '\n', { mode: 0o600 });
  writeFileSync(f('badpin'), 'nope-nope\n', { mode: 0o600 });
  writeFileSync(f('data.txt'), 'wire transfer batch 7\n');
  expect((await custos(['init', '--vault', vault, '--admin', 'alice', '--passphrase-file', f('alice.pass')])).code).toBe(0);
});
afterAll(() => {
  hsm?.cleanup();
  dir?.cleanup();
});

describe('CLI with a PKCS#11 token', () => {
  it('lists the token, generates a key on it, signs a file that openssl verifies, and discovers idempotently', async () => {
    const token = hsm.tokens[0]!;
    const list = await custos([...auth(), 'tokens', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((t: { serial: string }) => t.serial)).toContain(token.serial);

    const bad = await custos([...auth(), 'keys', 'generate', '--token', token.serial, '--pin-file', f('badpin'), '--alg', 'ec-p256', '--name', 'x']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).not.toContain('nope-nope');

    const gen = await custos([...auth(), 'keys', 'generate', '--token', token.serial, '--pin-file', f('pin'), '--alg', 'ec-p256', '--name', 'cli-token-key', '--json']);
    expect(gen.code, gen.stderr).toBe(0);
    const key = JSON.parse(gen.stdout);
    expect(key).toMatchObject({ store: 'token', state: 'pre-active', token: { serial: token.serial } });

    const refused = await custos([...auth(), 'keys', 'sign', key.id, '--in', f('data.txt'), '--out', f('data.sig'), '--pin-file', f('pin')]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/not active yet/);
    expect((await custos([...auth(), 'keys', 'activate', key.id])).code).toBe(0);
    const signed = await custos([...auth(), 'keys', 'sign', key.id, '--in', f('data.txt'), '--out', f('data.sig'), '--pin-file', f('pin')]);
    expect(signed.code, signed.stderr).toBe(0);

    writeFileSync(f('pub.pem'), JSON.parse((await custos([...auth(), 'keys', 'show', key.id, '--json'])).stdout).publicKeyPem);
    expect(execFileSync('openssl', ['dgst', '-sha256', '-verify', f('pub.pem'), '-signature', f('data.sig'), f('data.txt')], { encoding: 'utf8' })).toMatch(/Verified OK/);
    expect((await custos([...auth(), 'keys', 'verify', key.id, '--in', f('data.txt'), '--sig', f('data.sig')])).code).toBe(0);
    writeFileSync(f('other.txt'), 'tampered\n');
    expect((await custos([...auth(), 'keys', 'verify', key.id, '--in', f('other.txt'), '--sig', f('data.sig')])).code).toBe(1);

    // A file round-trip through an AES key in the vault.
    const aes = JSON.parse((await custos([...auth(), 'keys', 'generate', '--alg', 'aes-256', '--name', 'file-key', '--json'])).stdout);
    await custos([...auth(), 'keys', 'activate', aes.id]);
    expect((await custos([...auth(), 'keys', 'encrypt', aes.id, '--in', f('data.txt'), '--out', f('data.enc')])).code).toBe(0);
    expect((await custos([...auth(), 'keys', 'decrypt', aes.id, '--in', f('data.enc'), '--out', f('data.out')])).code).toBe(0);
    expect(readFileSync(f('data.out'), 'utf8')).toBe('wire transfer batch 7\n');

    // A CSR through the token, checked by openssl; the public key as an OpenSSH line.
    expect((await custos([...auth(), 'keys', 'csr', key.id, '--subject', 'CN=cli.example, O=Example', '--out', f('req.pem'), '--pin-file', f('pin')])).code).toBe(0);
    const req = spawnSync('openssl', ['req', '-verify', '-noout', '-in', f('req.pem')], { encoding: 'utf8' });
    expect(req.stdout + req.stderr).toMatch(/verify OK/);
    expect((await custos([...auth(), 'keys', 'export-public', key.id, '--format', 'openssh'])).stdout).toMatch(/^ecdsa-sha2-nistp256 /);

    const d1 = JSON.parse((await custos([...auth(), 'tokens', 'discover', token.serial, '--pin-file', f('pin'), '--json'])).stdout);
    const d2 = JSON.parse((await custos([...auth(), 'tokens', 'discover', token.serial, '--pin-file', f('pin'), '--json'])).stdout);
    expect(d1).toMatchObject({ added: 0, matched: 1 });
    expect(d2).toEqual(d1);
  });

  it('adds a token unlock method and opens the vault with the token and its PIN', async () => {
    const token = hsm.tokens[0]!;
    const r = await custos([...auth(), 'methods', 'add-token', 'alice', '--token', token.serial, '--pin-file', f('pin'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    // An unlock-method change waits for a second person, even while alice is alone.
    const o = JSON.parse(r.stdout);
    expect(o.status).toBe('pending');
    writeFileSync(f('bob.pass'), 'bob long passphrase\n', { mode: 0o600 });
    expect((await custos([...auth(), 'users', 'add', 'bob', '--role', 'administrator', '--new-passphrase-file', f('bob.pass')])).code).toBe(0);
    expect((await custos(['--vault', vault, '--user', 'bob', '--passphrase-file', f('bob.pass'), 'approvals', 'approve', o.requestId])).code).toBe(0);
    const viaToken = await custos(['--vault', vault, '--unlock-token', token.serial, '--pin-file', f('pin'), 'keys', 'list', '--json']);
    expect(viaToken.code, viaToken.stderr).toBe(0);
    const wrong = await custos(['--vault', vault, '--unlock-token', token.serial, '--pin-file', f('badpin'), 'keys', 'list']);
    expect(wrong.code).toBe(3);
  });

  it('backs up a wrappable token key and restores it into a token once approved', async () => {
    const token = hsm.tokens[0]!;
    const gen = JSON.parse((await custos([...auth(), 'keys', 'generate', '--token', token.serial, '--pin-file', f('pin'), '--alg', 'ec-p384', '--name', 'wrappable-ca', '--wrappable', '--json'])).stdout);
    const pkg = f('ca.backup.json');
    const created = await custos([...auth(), 'backup', 'create', gen.id, '--scheme', 'slip39', '--threshold', '2', '--shares', '3', '--custodians', 'alice,bob,carol', '--pin-file', f('pin'), '--out', pkg, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const mnemonics: string[] = JSON.parse(created.stdout).mnemonics;
    writeFileSync(f('two-shares'), mnemonics.slice(1).join('\n') + '\n', { mode: 0o600 });
    const r = JSON.parse((await custos([...auth(), 'backup', 'recover', pkg, '--mnemonics-file', f('two-shares'), '--token', token.serial, '--name', 'ca-restored', '--json'])).stdout);
    expect(r.status).toBe('pending');
    const ok = await custos(['--vault', vault, '--user', 'bob', '--passphrase-file', f('bob.pass'), 'approvals', 'approve', r.requestId, '--token', token.serial, '--pin-file', f('pin'), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const restored = JSON.parse((await custos([...auth(), 'keys', 'list', '--search', 'ca-restored', '--json'])).stdout);
    expect(restored).toEqual([expect.objectContaining({ fingerprint: gen.fingerprint, store: 'token', origin: 'unwrapped' })]);
  });
});
