import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from '../vault/vault.js';
import { VECTORS_DIR } from '../testing/vectors.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'custos');
let dir: { path: string; cleanup: () => void };

async function custos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(BIN, args, { env: { PATH: process.env.PATH ?? '', HOME: dir.path } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir.path, 'pass'), 'TREZOR\n', { mode: 0o600 });
});
afterAll(() => dir.cleanup());

describe('custos shares (SLIP-0039)', () => {
  it('splits a secret into 3-of-5 mnemonics and combines any three back', async () => {
    const secret = 'bb54aac4b89dc868ba37d9cc21b2cece';
    const split = await custos(['shares', 'split', '--secret-hex', secret, '--threshold', '3', '--shares', '5', '--passphrase-file', join(dir.path, 'pass')]);
    expect(split.code, split.stderr).toBe(0);
    const lines = split.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    writeFileSync(join(dir.path, 'three'), [lines[4], lines[0], lines[2]].join('\n') + '\n');
    const combined = await custos(['shares', 'combine', '--in', join(dir.path, 'three'), '--passphrase-file', join(dir.path, 'pass')]);
    expect(combined.stdout.trim()).toBe(secret);
    writeFileSync(join(dir.path, 'two'), [lines[1], lines[3]].join('\n') + '\n');
    const tooFew = await custos(['shares', 'combine', '--in', join(dir.path, 'two'), '--passphrase-file', join(dir.path, 'pass')]);
    expect(tooFew.code).toBe(2);
    expect(tooFew.stderr.trim().split('\n')).toHaveLength(1);
    expect(tooFew.stderr).toMatch(/Not enough shares/);
  });

  it('combines a shared vector with the reference passphrase', async () => {
    const vectors = JSON.parse(readFileSync(join(VECTORS_DIR, 'slip39', 'vectors.json'), 'utf8')) as Array<[string, string[], string, string]>;
    const valid = vectors.find(([, m, s]) => s !== '' && m.length > 1)!;
    writeFileSync(join(dir.path, 'vector'), valid[1].join('\n') + '\n');
    const r = await custos(['shares', 'combine', '--in', join(dir.path, 'vector'), '--passphrase-file', join(dir.path, 'pass')]);
    expect(r.stdout.trim()).toBe(valid[2]);
  });

  it('lists the shipped ceremony templates and refuses an unknown one', async () => {
    const list = JSON.parse((await custos(['ceremony', 'list', '--json'])).stdout) as Array<{ id: string }>;
    expect(list.map((t) => t.id).sort()).toEqual(['key-backup', 'key-destruction', 'key-recovery', 'root-ca-key-generation', 'vault-quorum-setup']);
    const r = await custos(['ceremony', 'run', 'no-such-ceremony', '--script', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ceremony template/);
  });

  it('files the dual-controlled policy change that allows wrappable CA keys for ceremony backups', async () => {
    const vault = join(dir.path, 'vault');
    const v = await UnlockedVault.create(vault, { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
    await new UserService(v).add({ name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase', personalUnlock: false });
    v.close();
    writeFileSync(join(dir.path, 'alice.pass'), 'alice long passphrase\n', { mode: 0o600 });
    const r = await custos(['--vault', vault, '--user', 'alice', '--passphrase-file', join(dir.path, 'alice.pass'), 'ceremony', 'allow-wrappable-ca-keys']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Waiting for approval: Allow wrappable CA keys on tokens/);
  });
});
