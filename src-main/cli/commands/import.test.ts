import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../../crypto/passphrase-kdf.js';
import { buildCorpus, PASSPHRASE, type CorpusFile } from '../../import/test-corpus.js';
import { tempDir } from '../../testing/temp.js';
import { UnlockedVault } from '../../vault/vault.js';
import type { CliIo } from '../io.js';
import { runCli } from '../run.js';

let dir: { path: string; cleanup: () => void };
let corpus: CorpusFile[];
let auth: string[];

async function custos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { HOME: dir.path }, readStdin: async () => '' };
  const code = await runCli(args, io, 'test');
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = tempDir();
  corpus = buildCorpus().files;
  const v = await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  v.close();
  writeFileSync(join(dir.path, 'pass'), 'alice long passphrase\n', { mode: 0o600 });
  writeFileSync(join(dir.path, 'keypass'), `${PASSPHRASE}\n`, { mode: 0o600 });
  auth = ['--vault', join(dir.path, 'vault'), '--user', 'alice', '--passphrase-file', join(dir.path, 'pass')];
  mkdirSync(join(dir.path, 'in'));
  corpus.forEach((f, i) => writeFileSync(join(dir.path, 'in', `${String(i).padStart(2, '0')}-${f.name}`), f.bytes));
});
afterAll(() => dir.cleanup());

describe('custos import', () => {
  it('prints each file with its outcome and reason, and exits 1 when some could not be imported', async () => {
    const r = await custos([...auth, 'import', join(dir.path, 'in')]);
    expect(r.code, r.stderr).toBe(1);
    for (const f of corpus) expect(r.stdout).toMatch(new RegExp(`${f.outcome}\\s+\\S*${f.name.replace('.', '\\.')}`));
    expect(r.stdout).toContain('DH keys cannot be held');
    expect(r.stdout).toMatch(/\d+ file\(s\): \d+ imported/);
  });

  it('--json gives the outcomes as data; --key-passphrase-file opens encrypted files; --private imports private keys', async () => {
    const p12 = join(dir.path, 'in', `${String(corpus.findIndex((f) => f.name === 'www.p12')).padStart(2, '0')}-www.p12`);
    const r = await custos([...auth, 'import', p12, '--key-passphrase-file', join(dir.path, 'keypass'), '--private', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Array<{ outcome: string; items: Array<{ type: string; result: string }> }>;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ outcome: 'imported' });
    expect(out[0]!.items.find((i) => i.type === 'private-key')).toMatchObject({ result: 'new' });
  });

  it('refuses a call without paths and unknown options', async () => {
    expect((await custos([...auth, 'import'])).code).toBe(2);
    expect((await custos([...auth, 'import', '/x', '--ca'])).code).toBe(2);
  });
});
