import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsm, pkcs11Tool, type SoftHsmFixture } from '../testing/softhsm.js';
import { tempDir } from '../testing/temp.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { UserService } from '../users/user-service.js';
import { MethodService } from '../vault/method-service.js';
import { UnlockedVault } from '../vault/vault.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'custos');
let dir: { path: string; cleanup: () => void };
let hsm: SoftHsmFixture;
let vault: string;
const f = (name: string) => join(dir.path, name);

async function custos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(BIN, ['--vault', vault, ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir.path, SOFTHSM2_CONF: hsm.conf } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const as = (user: string) => ['--user', user, '--passphrase-file', f(`${user}.pass`)];
/** alice and carol's shares unlock the vault; bob signs in with his card. */
const quorumCard = (pinFile: string, serial = hsm.tokens[0]!.serial) => ['--quorum', '--custodians', 'alice,carol', '--share-passphrase-files', `${f('alice.share')},${f('carol.share')}`, '--user', 'bob', '--card', serial, '--pin-file', pinFile];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'pkcs11-worker.js'))) throw new Error('Build first: npm run build (npm test does this).');
  dir = tempDir();
  hsm = createSoftHsm({ labels: ['bob-card'], setProcessEnv: false });
  vault = f('vault');
  for (const u of ['alice', 'bob', 'carol']) {
    writeFileSync(f(`${u}.pass`), `${u} long passphrase\n`, { mode: 0o600 });
    writeFileSync(f(`${u}.share`), `${u} share passphrase\n`, { mode: 0o600 });
  }
  writeFileSync(f('pin'), hsm.tokens[0]!.userPin + '\n', { mode: 0o600 });
  writeFileSync(f('badpin'), 'nope-nope\n', { mode: 0o600 });
  // The vault is made in-process at the minimum KDF cost (custos init calibrates to a slow one),
  // with bob and carol added and a 2-of-2 custodian quorum (alice, carol) approved by carol.
  const v = await UnlockedVault.create(vault, { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  try {
    for (const [u, role] of [['bob', 'key-custodian'], ['carol', 'security-officer']] as const) await new UserService(v).add({ name: u, role, passphrase: `${u} long passphrase`, personalUnlock: true });
    const q = await new MethodService(v).setQuorum(2, ['alice', 'carol'].map((u) => ({ user: u, passphrase: `${u} share passphrase` })));
    await new ApprovalService(v, OPERATIONS).approve(q.requestId!, await v.authenticate('carol', 'carol long passphrase', 'approval'));
  } finally {
    v.close();
  }
});
afterAll(() => {
  hsm?.cleanup();
  dir?.cleanup();
});

describe('CLI: smart-card login', () => {
  it('registers a card for bob (approved by carol), then bob signs in with it after a quorum unlock; a wrong PIN fails clearly', async () => {
    const serial = hsm.tokens[0]!.serial;
    // bob's card key made by another tool (pkcs11-tool), so it is registered by its CKA_ID on the card.
    const ckaId = 'b0b0c4d5';
    pkcs11Tool(hsm, ['--token-label', 'bob-card', '--login', '--pin', hsm.tokens[0]!.userPin, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', ckaId, '--label', 'bob-login']);

    const set = await custos([...as('alice'), 'users', 'set-card', 'bob', '--token', serial, '--key', ckaId, '--pin-file', f('pin'), '--json']);
    expect(set.code, set.stderr).toBe(0);
    const request = JSON.parse(set.stdout) as { status: string; requestId: string };
    expect(request.status).toBe('pending');
    expect((await custos([...as('carol'), 'approvals', 'approve', request.requestId])).code).toBe(0);
    const signedIn = await custos([...quorumCard(f('pin')), 'users', 'cards', '--json']);
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(JSON.parse(signedIn.stdout)).toEqual([expect.objectContaining({ user: 'bob', serial, ckaId, keyId: null, algorithm: 'ec-p256' })]);
    const wrongPin = await custos([...quorumCard(f('badpin')), 'users', 'cards']);
    expect(wrongPin.code).toBe(3);
    expect(wrongPin.stderr).toMatch(/PIN/);
    expect(wrongPin.stderr).not.toContain('nope-nope');
    const noQuorum = await custos(['--user', 'bob', '--card', serial, '--pin-file', f('pin'), 'users', 'cards']);
    expect(noQuorum.code).toBe(2);
    expect(noQuorum.stderr).toContain('--card signs a person in after a custodian quorum');

    const audit = await custos([...as('alice'), 'audit', 'list', '--operation', 'session.login', '--json']);
    const logins = (JSON.parse(audit.stdout) as Array<{ actor: string; outcome: string; details: Record<string, unknown> }>).filter((e) => e.details.method === 'card');
    expect(logins.map((e) => `${e.actor}:${e.outcome}`)).toEqual(['bob:success', 'bob:failed']);
    expect(audit.stdout).not.toContain(hsm.tokens[0]!.userPin);
  });
});
