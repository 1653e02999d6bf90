import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { runCeremony, type CeremonyRun } from './runner.js';
import { loadTemplateFile } from './template.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pass = (u: string) => `${u} long passphrase`;
let dir: { path: string; cleanup: () => void };
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };
let tokens: TokenService;
let v: UnlockedVault;
let rootRun: CeremonyRun | null = null;

beforeAll(async () => {
  dir = tempDir();
  hsm = createSoftHsm({ labels: ['ceremony-card', 'recovery-card', 'cli-card'] });
  worker = await buildPkcs11WorkerForTests();
  tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: worker.script });
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: pass('alice'), kdfCost: MINIMUM_KDF_COST });
  const users = new UserService(v);
  await users.add({ name: 'bob', role: 'security-officer', passphrase: pass('bob'), personalUnlock: false });
  for (const c of ['carol', 'dave', 'erin']) {
    const r = await users.add({ name: c, role: 'key-custodian', passphrase: pass(c), personalUnlock: false });
    new ApprovalService(v, OPERATIONS).approve(r.requestId!, await v.authenticate('bob', pass('bob'), 'approval'));
  }
  for (const t of hsm.tokens) await (await tokens.clientForToken(t.serial)).login(t.serial, t.userPin);
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
    rootRun = run;
  });

  it('recovers the key into a fresh token in a scripted key-recovery ceremony: the script answers the shares', async () => {
    const template = loadTemplateFile(join(ROOT, 'resources', 'ceremonies', 'key-recovery.json'));
    const run = rootRun!;
    const packageText = readFileSync(run.files.package!, 'utf8');
    const fresh = hsm.tokens[1]!.serial;
    const participants = ['alice', 'bob', 'dave', 'erin'].map((user, i) => ({ user, role: (['ceremony-administrator', 'internal-witness', 'key-custodian', 'key-custodian'] as const)[i]!, passphrase: pass(user) }));
    const shares = Object.fromEntries(run.shares.map((s) => [s.custodian, s.share]));
    // A share brought by the wrong custodian refuses the recovery; nothing is restored.
    await expect(runCeremony(v, template, { participants, token: { serial: fresh }, notes: {}, recovery: { packageText, shares: { ...shares, erin: shares.carol! } } }, join(dir.path, 'r0'), tokens)).rejects.toThrow(/belongs to carol/);
    const copies = () => (v.db.prepare('SELECT token_serial AS s FROM keys WHERE fingerprint = ?').all(run.state.fingerprint) as Array<{ s: string }>).map((r) => r.s);
    expect(copies()).toEqual([hsm.tokens[0]!.serial]);
    const r = await runCeremony(v, template, { participants, token: { serial: fresh }, notes: {}, recovery: { packageText, shares } }, join(dir.path, 'r1'), tokens);
    expect(r.state.status).toBe('completed');
    expect(r.state.fingerprint).toBe(run.state.fingerprint);
    expect(copies().sort()).toEqual([hsm.tokens[0]!.serial, fresh].sort());
    const entry = r.state.transcript.find((e) => e.operation === 'ceremony.recover-backup')!;
    expect(entry.details).toMatchObject({ fingerprint: run.state.fingerprint, fingerprintMatches: true, tokenSerial: fresh, approvedBy: 'bob' });
    expect(verifyBundle(await readBundle(r.files.transcript), publicKeyFingerprint(publicPem(v.signingKey())))).toMatchObject({ ok: true });
  });

  it('runs the key-recovery ceremony from the CLI: the script file names the package and a share file per custodian', async () => {
    const run = rootRun!;
    const w = join(dir.path, 'cli');
    mkdirSync(w);
    const t = hsm.tokens[2]!;
    const secret = (name: string, text: string) => writeFileSync(join(w, name), `${text}\n`, { mode: 0o600 });
    for (const u of ['alice', 'bob', 'dave', 'erin']) secret(`${u}.pass`, pass(u));
    secret('pin', t.userPin);
    for (const s of run.shares) secret(`${s.custodian}.share`, s.share);
    writeFileSync(join(w, 'key.backup.json'), readFileSync(run.files.package!));
    const roles = { alice: 'ceremony-administrator', bob: 'internal-witness', dave: 'key-custodian', erin: 'key-custodian' };
    const script = {
      participants: Object.entries(roles).map(([user, role]) => ({ user, role, passphraseFile: `${user}.pass` })),
      token: { serial: t.serial, pinFile: 'pin' },
      recovery: { packageFile: 'key.backup.json', shareFiles: { dave: 'dave.share', erin: 'erin.share' } },
    };
    writeFileSync(join(w, 'script.json'), JSON.stringify(script));
    const r = spawnSync(join(ROOT, 'bin', 'custos'), ['--vault', join(dir.path, 'v'), '--user', 'alice', '--passphrase-file', join(w, 'alice.pass'), 'ceremony', 'run', 'key-recovery', '--script', join(w, 'script.json'), '--out', join(w, 'out'), '--json'], {
      env: { PATH: process.env.PATH ?? '', HOME: dir.path, SOFTHSM2_CONF: hsm.conf, CUSTOS_PKCS11_MODULES: hsm.modulePath },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', fingerprintWords: run.fingerprintWords });
    const restored = v.db.prepare('SELECT fingerprint FROM keys WHERE token_serial = ?').all(t.serial) as Array<{ fingerprint: string }>;
    expect(restored.map((k) => k.fingerprint)).toEqual([run.state.fingerprint]);
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
