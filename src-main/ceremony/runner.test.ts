import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { createTokenService } from '../app/token-setup.js';
import { readBundle } from '../audit/bundle.js';
import { verifyBundle } from '../audit/verify-bundle.js';
import { publicKeyFingerprint, publicPem } from '../audit/signing.js';
import { openBackup, parsePackage } from '../backup/package.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import type { TokenService } from '../pkcs11/service.js';
import { createSoftHsm, type SoftHsmFixture } from '../testing/softhsm.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from '../vault/vault.js';
import { allowWrappableCaKeys } from './ca-backup-policy.js';
import { runCeremony } from './runner.js';
import { loadTemplateFile } from './template.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pass = (u: string) => `${u} long passphrase`;
let dir: { path: string; cleanup: () => void };
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };
let tokens: TokenService;
let v: UnlockedVault;

beforeAll(async () => {
  dir = tempDir();
  hsm = createSoftHsm({ labels: ['ceremony-card'] });
  worker = await buildPkcs11WorkerForTests();
  tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: worker.script });
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: pass('alice'), kdfCost: MINIMUM_KDF_COST });
  const users = new UserService(v);
  await users.add({ name: 'bob', role: 'security-officer', passphrase: pass('bob'), personalUnlock: false });
  for (const c of ['carol', 'dave', 'erin']) {
    const r = await users.add({ name: c, role: 'key-custodian', passphrase: pass(c), personalUnlock: false });
    new ApprovalService(v, OPERATIONS).approve(r.requestId!, await v.authenticate('bob', pass('bob'), 'approval'));
  }
  const t = hsm.tokens[0]!;
  await (await tokens.clientForToken(t.serial)).login(t.serial, t.userPin);
});
afterAll(async () => {
  v.close();
  await tokens.close();
  worker.cleanup();
  hsm.cleanup();
  dir.cleanup();
});

describe('a scripted root CA ceremony', () => {
  it('generates on the token, issues a root openssl accepts, splits 2-of-3, and leaves a transcript that verifies', async () => {
    const template = loadTemplateFile(join(ROOT, 'resources', 'ceremonies', 'root-ca-key-generation.json'));
    const participants = [
      { user: 'alice', role: 'ceremony-administrator' as const },
      { user: 'bob', role: 'internal-witness' as const },
      ...['carol', 'dave', 'erin'].map((u) => ({ user: u, role: 'key-custodian' as const })),
    ].map((p) => ({ ...p, passphrase: pass(p.user) }));
    const out = join(dir.path, 'ceremony');
    const script = { participants, token: { serial: hsm.tokens[0]!.serial }, notes: {} };
    // The shipped baseline forbids extractable CA keys: the ceremony's wrappable root key is refused…
    await expect(runCeremony(v, template, script, join(dir.path, 'refused'), tokens)).rejects.toThrow(/baseline\.storage\.ca|forbids/);
    // …until the organisation, under dual control, allows wrappable CA keys on tokens.
    allowWrappableCaKeys(v, await v.authenticate('bob', pass('bob'), 'approval'));
    const run = await runCeremony(v, template, { participants, token: { serial: hsm.tokens[0]!.serial }, notes: { 'witness-statement': 'No departures.' } }, out, tokens);
    expect(run.state.status).toBe('completed');
    expect(run.fingerprintWords).toHaveLength(32);
    const verify = execFileSync('openssl', ['verify', '-x509_strict', '-check_ss_sig', '-CAfile', run.files.certificate!, run.files.certificate!], { encoding: 'utf8' });
    expect(verify).toMatch(/OK/);
    // Two custodians' shares open the backup package (the key itself stays on the token).
    const pkg = parsePackage(readFileSync(run.files.package!, 'utf8'));
    expect(pkg.cipher.alg).toBe('AES-KWP-ON-TOKEN');
    expect(run.shares.map((s) => s.custodian)).toEqual(['carol', 'dave', 'erin']);
    await expect(openBackup(pkg, run.shares.slice(1).map((s) => ({ kind: 'mnemonic', mnemonic: s.share })))).rejects.toThrow(/recover it into a token/);
    // The transcript is an audit bundle signed by the vault's audit key.
    const fp = publicKeyFingerprint(publicPem(v.signingKey()));
    const files = await readBundle(run.files.transcript);
    expect(verifyBundle(files, fp)).toMatchObject({ ok: true });
    const events = files.get('events.jsonl')!.toString();
    for (const s of run.shares) expect(events).not.toContain(s.share.split(' ').slice(0, 5).join(' '));
    const edited = new Map(files);
    edited.set('events.jsonl', Buffer.from(events.replace('No departures.', 'No departures!')));
    expect(verifyBundle(edited, fp).ok).toBe(false);
    expect(v.audit.list({ operation: 'ceremony.complete', limit: 1 })[0]!.details).toMatchObject({ ceremonyId: run.ceremonyId });
  });

  it('refuses a cast without enough custodians before anything happens', async () => {
    const template = loadTemplateFile(join(ROOT, 'resources', 'ceremonies', 'root-ca-key-generation.json'));
    const before = v.audit.list({ limit: 1 })[0]!.seq;
    await expect(
      runCeremony(v, template, { participants: [{ user: 'alice', role: 'ceremony-administrator', passphrase: pass('alice') }, { user: 'bob', role: 'internal-witness', passphrase: pass('bob') }, { user: 'carol', role: 'key-custodian', passphrase: pass('carol') }], notes: {} }, join(dir.path, 'x'), tokens),
    ).rejects.toMatchObject({ code: expect.stringMatching(/E_/) });
    expect(v.audit.list({ operation: 'ceremony.start', limit: 5 }).filter((e) => e.seq > before)).toHaveLength(0);
  });
});
