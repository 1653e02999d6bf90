import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { createCore, type CustosCore } from '../app/core.js';
import { splitSecret } from '../backup/slip39/index.js';
import { readBundle } from '../audit/bundle.js';
import { verifyBundle } from '../audit/verify-bundle.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import { createSoftHsm, type SoftHsmFixture } from '../testing/softhsm.js';
import { filesUnder, findSecrets } from '../testing/scan.js';
import { tempDir } from '../testing/temp.js';
import { UserService } from '../users/user-service.js';
import { UnlockedVault } from '../vault/vault.js';
import { allowWrappableCaKeys } from './ca-backup-policy.js';

// The console's ceremony and backup channels against a real core, vault and SoftHSM token.
const pass = (u: string) => `${u} long passphrase`;
const me = (user: string) => ({ user, passphrase: pass(user) });
let dir: { path: string; cleanup: () => void };
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };
let core: CustosCore;
const exportDir = () => join(dir.path, 'exports');

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function refused(channel: ChannelName, input: unknown): Promise<{ code: string; message: string }> {
  const r = await dispatch(core.handlers, channel, input);
  if (r.ok) throw new Error(`${channel} should have been refused`);
  return r.error;
}
function pdfText(b64: string | Buffer, name: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, typeof b64 === 'string' ? Buffer.from(b64, 'base64') : b64);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
}

beforeAll(async () => {
  dir = tempDir();
  hsm = createSoftHsm({ labels: ['ceremony-card', 'recovery-card'] });
  worker = await buildPkcs11WorkerForTests();
  const v = await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'alice', passphrase: pass('alice'), kdfCost: MINIMUM_KDF_COST });
  const users = new UserService(v);
  await users.add({ name: 'bob', role: 'security-officer', passphrase: pass('bob'), personalUnlock: false });
  for (const c of ['carol', 'dave', 'erin']) {
    const r = await users.add({ name: c, role: 'key-custodian', passphrase: pass(c), personalUnlock: false });
    new ApprovalService(v, OPERATIONS).approve(r.requestId!, await v.authenticate('bob', pass('bob'), 'approval'));
  }
  allowWrappableCaKeys(v, await v.authenticate('bob', pass('bob'), 'approval'));
  v.close();
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, exportDir: exportDir(), pkcs11: { allowlist: [hsm.modulePath], workerScript: worker.script } });
  await call('vault.unlock', me('alice'));
  for (const t of hsm.tokens) await call('tokens.login', { serial: t.serial, pin: t.userPin });
}, 60_000);
afterAll(async () => {
  await core?.close();
  worker?.cleanup();
  hsm?.cleanup();
  dir?.cleanup();
});

const CAST = [
  { user: 'alice', role: 'ceremony-administrator' },
  { user: 'bob', role: 'internal-witness' },
  { user: 'carol', role: 'key-custodian' },
  { user: 'dave', role: 'key-custodian' },
  { user: 'erin', role: 'key-custodian' },
];

describe('a root CA ceremony run step by step through the console channels', () => {
  it('enforces order, people and quorum in the core, hands each custodian their share once, and exports a transcript that verifies', async () => {
    let c = await call('ceremonies.start', { templateId: 'root-ca-key-generation', participants: CAST, administrator: me('alice'), tokenSerial: hsm.serial });
    const id = c.ceremonyId;
    expect(c.pending).toMatchObject({ stepId: 'room-ready', actor: 'alice', attested: [], needs: { 'ceremony-administrator': 1, 'internal-witness': 1 } });
    expect((await refused('ceremonies.start', { templateId: 'key-backup', participants: CAST, administrator: me('alice') })).code).toBe('E_CONFLICT');
    // No step without its attestations; none out of order; only the roles the step names attest.
    expect((await refused('ceremonies.perform', { ceremonyId: id, stepId: 'room-ready', actor: me('alice') })).code).toBe('E_PERMISSION');
    expect((await refused('ceremonies.perform', { ceremonyId: id, stepId: 'generate', actor: me('alice') })).message).toMatch(/cannot run yet/);
    expect((await refused('ceremonies.attest', { ceremonyId: id, stepId: 'room-ready', person: me('carol') })).code).toBe('E_PERMISSION');
    expect((await refused('ceremonies.attest', { ceremonyId: id, stepId: 'room-ready', person: { user: 'bob', passphrase: 'not bob at all' } })).code).toBe('E_AUTH_FAILED');
    const step = async (stepId: string, attestors: string[], actor = 'alice', extra: Record<string, unknown> = {}) => {
      for (const a of attestors) c = await call('ceremonies.attest', { ceremonyId: id, stepId, person: me(a) });
      c = await call('ceremonies.perform', { ceremonyId: id, stepId, actor: me(actor), ...extra });
    };
    await step('room-ready', ['alice', 'bob']);
    await step('authenticate', ['alice', 'bob', 'carol', 'dave', 'erin']);
    await step('generate', ['bob']);
    expect(c.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(c.pgpWords).toHaveLength(32);
    expect(await call('keys.get', { id: c.keyId! })).toMatchObject({ purpose: 'ca-root', state: 'active', fingerprint: c.fingerprint });
    // Reading the fingerprint needs 2 of the 3 custodians: one is not enough.
    c = await call('ceremonies.attest', { ceremonyId: id, stepId: 'fingerprint', person: me('bob') });
    c = await call('ceremonies.attest', { ceremonyId: id, stepId: 'fingerprint', person: me('carol') });
    expect((await refused('ceremonies.perform', { ceremonyId: id, stepId: 'fingerprint', actor: me('alice') })).message).toMatch(/needs 2 of 3 key custodians to attest; 1 did \(carol\)/);
    await step('fingerprint', ['dave']);
    await step('certificate', ['bob']);
    expect(execFileSync('openssl', ['verify', '-x509_strict', '-check_ss_sig', '-CAfile', c.certificate!.path, c.certificate!.path], { encoding: 'utf8' })).toMatch(/OK/);
    await step('split', ['bob']);
    const pkgId = c.backup!.packageId;
    expect(c.backup).toMatchObject({ scheme: 'slip39', threshold: 2, count: 3, waiting: ['carol', 'dave', 'erin'] });

    // Each custodian alone, after authenticating: their share, once. Nobody else gets it.
    expect((await refused('backups.revealShare', { packageId: pkgId, person: me('bob') })).code).toBe('E_PERMISSION');
    const carol = await call('backups.revealShare', { packageId: pkgId, person: me('carol'), card: true });
    expect(carol.share.split(' ')).toHaveLength(33);
    const card = pdfText(carol.cardPdf!, 'card.pdf');
    expect(card).toContain('Custodian share card');
    expect(card).toContain(carol.share.split(' ')[5]);
    expect(card).toContain(pkgId);
    expect((await refused('backups.revealShare', { packageId: pkgId, person: me('carol') })).code).toBe('E_CONFLICT');
    const dave = await call('backups.revealShare', { packageId: pkgId, person: me('dave') });
    const erin = await call('backups.revealShare', { packageId: pkgId, person: me('erin') });
    expect(erin.waiting).toEqual([]);

    // Each verifies their own share: someone else's, or a mistyped one, is refused.
    const mnemonic = (s: string) => ({ kind: 'mnemonic', mnemonic: s });
    expect((await refused('ceremonies.attest', { ceremonyId: id, stepId: 'verify-shares', person: me('carol'), share: mnemonic(dave.share) })).message).toMatch(/belongs to dave/);
    const typo = carol.share.split(' ');
    typo[7] = typo[7] === 'academic' ? 'acid' : 'academic';
    expect((await refused('ceremonies.attest', { ceremonyId: id, stepId: 'verify-shares', person: me('carol'), share: mnemonic(typo.join(' ')) })).code).toBe('E_INPUT');
    for (const [u, s] of [['carol', carol], ['dave', dave], ['erin', erin]] as const) c = await call('ceremonies.attest', { ceremonyId: id, stepId: 'verify-shares', person: me(u), share: mnemonic(s.share) });
    c = await call('ceremonies.perform', { ceremonyId: id, stepId: 'verify-shares', actor: me('alice') });
    await step('destroy', ['bob']);
    expect((await refused('ceremonies.perform', { ceremonyId: id, stepId: 'witness-statement', actor: me('alice'), text: 'ok' })).code).toBe('E_PERMISSION');
    await step('witness-statement', [], 'bob', { text: 'The ceremony followed the script.' });
    expect(c.status).toBe('completed');
    expect(c.transcript.map((e) => e.operation)).toEqual(['ceremony.start', 'ceremony.checklist', 'ceremony.authenticate', 'ceremony.generate-key', 'ceremony.show-fingerprint', 'ceremony.certificate', 'ceremony.split-backup', 'ceremony.verify-shares', 'ceremony.destroy-temporary', 'ceremony.note', 'ceremony.complete']);

    const x = await call('ceremonies.export', { ceremonyId: id, pdf: true });
    const files = await readBundle(x.path);
    expect(verifyBundle(files, x.publicKeyFingerprint)).toMatchObject({ ok: true });
    const events = files.get('events.jsonl')!.toString();
    for (const s of [carol, dave, erin]) expect(events).not.toContain(s.share.split(' ').slice(2, 6).join(' '));
    const edited = new Map(files);
    edited.set('events.jsonl', Buffer.from(events.replace('followed the script', 'followed the scrip!')));
    expect(verifyBundle(edited, x.publicKeyFingerprint).ok).toBe(false);
    const text = pdfText(readFileSync(x.pdfPath!), 'transcript.pdf');
    expect(text).toContain('Ceremony transcript: Root CA key generation');
    expect(text).toContain(c.pgpWords![0]!);
    expect(readFileSync(c.backup!.path!, 'utf8')).not.toContain(carol.share.split(' ')[3]);
    // No share is anywhere on disk: not in the vault (its WAL included), the exports or the transcript.
    const needles = [carol, dave, erin].map((x) => ({ label: `share of ${x.custodian}`, bytes: Buffer.from(x.share.split(' ').slice(4, 10).join(' ')) }));
    expect(findSecrets([...filesUnder(join(dir.path, 'vault')), ...filesUnder(exportDir())], needles)).toEqual([]);

    // Recovery, in the key-recovery ceremony: each custodian enters their share at their own screen,
    // the witness's attestation approves the dual-controlled request, and the key is unwrapped into a
    // freshly initialised token with the same fingerprint.
    const pkgText = readFileSync(c.backup!.path!, 'utf8');
    const second = hsm.tokens[1]!.serial;
    const copies = async () => (await call('keys.list', {})).items.filter((k) => k.fingerprint === c.fingerprint).map((k) => k.token?.serial);
    let r = await call('ceremonies.start', { templateId: 'key-recovery', participants: [CAST[0], CAST[1], CAST[3], CAST[4]], administrator: me('alice'), backupPackage: pkgText, tokenSerial: second });
    const rid = r.ceremonyId;
    const rstep = async (stepId: string, attestors: Array<string | [string, string]>, actor = 'alice', extra: Record<string, unknown> = {}) => {
      for (const a of attestors) r = await call('ceremonies.attest', { ceremonyId: rid, stepId, person: me(typeof a === 'string' ? a : a[0]), ...(typeof a === 'string' ? {} : { share: mnemonic(a[1]) }) });
      r = await call('ceremonies.perform', { ceremonyId: rid, stepId, actor: me(actor), ...extra });
    };
    await rstep('authorisation', ['alice', 'bob']);
    await rstep('authenticate', ['alice', 'bob', 'dave', 'erin']);
    // A share of another backup, another custodian's share, or none at all: refused at the custodian's screen.
    const foreign = splitSecret(randomBytes(16), { groupThreshold: 1, groups: [{ threshold: 2, count: 3 }] })[0]![1]!;
    expect((await refused('ceremonies.attest', { ceremonyId: rid, stepId: 'restore', person: me('dave'), share: mnemonic(foreign) })).code).toBe('E_INPUT');
    expect((await refused('ceremonies.attest', { ceremonyId: rid, stepId: 'restore', person: me('dave'), share: mnemonic(erin.share) })).message).toMatch(/belongs to erin/);
    expect((await refused('ceremonies.attest', { ceremonyId: rid, stepId: 'restore', person: me('dave') })).code).toBe('E_INPUT');
    // Too few shares: the step is refused before anything is opened, and nothing is restored.
    r = await call('ceremonies.attest', { ceremonyId: rid, stepId: 'restore', person: me('bob') });
    r = await call('ceremonies.attest', { ceremonyId: rid, stepId: 'restore', person: me('dave'), share: mnemonic(dave.share) });
    expect((await refused('ceremonies.perform', { ceremonyId: rid, stepId: 'restore', actor: me('alice') })).message).toMatch(/needs 2 of 2 key custodians/);
    expect(await copies()).toEqual([hsm.serial]);
    r = await call('ceremonies.attest', { ceremonyId: rid, stepId: 'restore', person: me('erin'), share: mnemonic(erin.share) });
    r = await call('ceremonies.perform', { ceremonyId: rid, stepId: 'restore', actor: me('alice') });
    expect(r.fingerprint).toBe(c.fingerprint);
    expect(r.transcript.at(-1)).toMatchObject({ operation: 'ceremony.recover-backup', details: { fingerprint: c.fingerprint, packageFingerprint: c.fingerprint, fingerprintMatches: true, tokenSerial: second, requestedBy: 'alice', approvedBy: 'bob' } });
    expect((await copies()).sort()).toEqual([hsm.serial, second].sort());
    const copy = await call('keys.get', { id: r.keyId! });
    expect(copy).toMatchObject({ fingerprint: c.fingerprint, token: { serial: second } });
    const approvals = (await call('approvals.list', {})).filter((a) => a.kind === 'backup.recover-token');
    expect(approvals.at(0)).toMatchObject({ status: 'executed', requestedBy: 'alice', approvals: [{ user: 'bob' }] });
    // The restored key is read aloud; another key's fingerprint is refused.
    const other = await call('keys.generate', { name: 'unrelated', algorithm: 'ec-p384' });
    for (const a of ['bob', 'dave', 'erin']) r = await call('ceremonies.attest', { ceremonyId: rid, stepId: 'fingerprint', person: me(a) });
    expect((await refused('ceremonies.perform', { ceremonyId: rid, stepId: 'fingerprint', actor: me('alice'), keyId: other.id })).code).toBe('E_CONFLICT');
    r = await call('ceremonies.perform', { ceremonyId: rid, stepId: 'fingerprint', actor: me('alice') });
    expect(r.fingerprint).toBe(c.fingerprint);
    await rstep('destroy', ['bob']);
    await rstep('witness-statement', [], 'bob', { text: 'Restored into the recovery token; fingerprints match.' });
    expect(r.status).toBe('completed');
    const rx = await call('ceremonies.export', { ceremonyId: rid });
    expect(verifyBundle(await readBundle(rx.path), rx.publicKeyFingerprint)).toMatchObject({ ok: true });
    expect((await readBundle(rx.path)).get('events.jsonl')!.toString()).not.toContain(dave.share.split(' ').slice(2, 6).join(' '));
    // Refusals are not in the transcript but in the vault's audit trail.
    expect((await call('audit.list', { operation: 'ceremony.perform', outcome: 'refused' })).items.length).toBeGreaterThan(0);
  }, 90_000);

  it('lets the administrator or a witness abort with a reason, and nothing runs after', async () => {
    const c = await call('ceremonies.start', { templateId: 'root-ca-key-generation', participants: CAST, administrator: me('alice'), tokenSerial: hsm.serial });
    expect((await refused('ceremonies.abort', { ceremonyId: c.ceremonyId, person: me('carol'), reason: 'I am leaving' })).code).toBe('E_PERMISSION');
    const a = await call('ceremonies.abort', { ceremonyId: c.ceremonyId, person: me('bob'), reason: 'The token seal was broken.' });
    expect(a).toMatchObject({ status: 'aborted', abortReason: 'The token seal was broken.', pending: null });
    expect((await refused('ceremonies.attest', { ceremonyId: c.ceremonyId, stepId: 'room-ready', person: me('alice') })).code).toBe('E_CONFLICT');
    const x = await call('ceremonies.export', { ceremonyId: c.ceremonyId });
    expect(verifyBundle(await readBundle(x.path), x.publicKeyFingerprint)).toMatchObject({ ok: true });

    // A lock ends a ceremony in progress: after the next unlock it is gone, not resumable.
    const d = await call('ceremonies.start', { templateId: 'root-ca-key-generation', participants: CAST, administrator: me('alice'), tokenSerial: hsm.serial });
    await call('vault.lock', {});
    await call('vault.unlock', me('alice'));
    expect(await call('ceremonies.current', {})).toBeNull();
    expect((await refused('ceremonies.attest', { ceremonyId: d.ceremonyId, stepId: 'room-ready', person: me('alice') })).code).toBe('E_NOT_FOUND');
  });
});

describe('backups from the console', () => {
  it('splits a vault key to XOR components shown one custodian at a time, verifies a share, and restores it under dual control', async () => {
    const k = await call('keys.generate', { name: 'payments-signing', algorithm: 'ec-p256' });
    const b = await call('backups.create', { keyId: k.id, scheme: 'xor', threshold: 2, custodians: ['carol', 'dave'] });
    expect(b).toMatchObject({ scheme: 'xor', count: 2, waiting: ['carol', 'dave'], keyName: 'payments-signing' });
    expect(b.packageText).not.toMatch(/"kek"/);
    const carol = await call('backups.revealShare', { packageId: b.packageId, person: me('carol') });
    const dave = await call('backups.revealShare', { packageId: b.packageId, person: me('dave'), card: true });
    expect(carol.kcv).toMatch(/^[0-9A-F]{6}$/i);
    expect(pdfText(dave.cardPdf!, 'xor-card.pdf')).toContain(dave.kcv!);
    expect(await call('backups.verifyShare', { packageText: b.packageText, share: { kind: 'component', hex: dave.share } })).toMatchObject({ index: 2, custodian: 'dave' });
    const wrong = dave.share.slice(0, -1) + (dave.share.endsWith('0') ? '1' : '0');
    expect((await refused('backups.verifyShare', { packageText: b.packageText, share: { kind: 'component', hex: wrong } })).code).toBe('E_INPUT');
    const comp = (hex: string) => ({ kind: 'component', hex });
    expect((await refused('backups.recover', { packageText: b.packageText, custodians: [{ person: me('carol'), share: comp(carol.share) }, { person: me('carol'), share: comp(dave.share) }] })).code).toBe('E_INPUT');
    const o = await call('backups.recover', { packageText: b.packageText, custodians: [{ person: me('carol'), share: comp(carol.share) }, { person: me('dave'), share: comp(dave.share) }] });
    expect(o.status).toBe('pending');
    await call('approvals.approve', { id: o.requestId, approver: me('bob') });
    const twins = (await call('keys.list', {})).items.filter((x) => x.fingerprint === k.fingerprint);
    expect(twins).toHaveLength(2);
  }, 30_000);
});
