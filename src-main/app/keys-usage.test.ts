import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import { createSoftHsm, pkcs11Tool, type SoftHsmFixture } from '../testing/softhsm.js';
import { createCore, type CustosCore } from './core.js';

let root: string;
let core: CustosCore;
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function code(channel: ChannelName, input: unknown): Promise<string> {
  const r = await dispatch(core.handlers, channel, input);
  return r.ok ? 'ok' : r.error.code;
}

/** openssl checks a signature made through Custos with the key's public PEM. */
function opensslVerifies(pem: string, data: Buffer, sig: Buffer, digest: string | null): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'custos-ossl-'));
  try {
    writeFileSync(join(dir, 'pub.pem'), pem);
    writeFileSync(join(dir, 'data'), data);
    writeFileSync(join(dir, 'sig'), sig);
    const args = digest
      ? ['dgst', `-${digest}`, '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'data')]
      : ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'data'), '-sigfile', join(dir, 'sig')];
    return /Verified OK|Signature Verified Successfully/.test(execFileSync('openssl', args, { encoding: 'utf8' }));
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'custos-keys-usage-'));
  hsm = createSoftHsm({ labels: ['custodian-card'] });
  worker = await buildPkcs11WorkerForTests();
  core = createCore({ vaultDir: join(root, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, pkcs11: { allowlist: [hsm.modulePath], workerScript: worker.script } });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
});
afterAll(async () => {
  await core.close();
  worker.cleanup();
  hsm.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const data = Buffer.from('the quarterly settlement file\n');

describe('keys in use: lifecycle gates, signatures openssl accepts, tokens', () => {
  it('refuses to sign with a pre-active key, signs once active, refuses again once deactivated but still verifies', async () => {
    const k = await call('keys.generate', { name: 'settlement-signing', algorithm: 'ec-p384' });
    expect(await code('keys.sign', { id: k.id, data: data.toString('base64') })).toBe('E_PERMISSION');
    await call('keys.transition', { id: k.id, action: 'activate' });
    const s = await call('keys.sign', { id: k.id, data: data.toString('base64') });
    expect(s.mechanism).toBe('ecdsa-sha384');
    const pem = (await call('keys.get', { id: k.id })).publicKeyPem!;
    expect(opensslVerifies(pem, data, Buffer.from(s.signature, 'base64'), 'sha384')).toBe(true);
    await call('keys.transition', { id: k.id, action: 'deactivate' });
    expect(await code('keys.sign', { id: k.id, data: data.toString('base64') })).toBe('E_PERMISSION');
    expect(await call('keys.verify', { id: k.id, data: data.toString('base64'), signature: s.signature })).toMatchObject({ valid: true });
    expect(await call('keys.verify', { id: k.id, data: Buffer.from('other').toString('base64'), signature: s.signature })).toMatchObject({ valid: false });
    expect(await code('keys.transition', { id: k.id, action: 'activate' })).toBe('E_CONFLICT');
    const revoked = await call('keys.transition', { id: k.id, action: 'revoke', reason: 'key-compromise' });
    expect(revoked.state).toBe('compromised');
    const ops = (await call('audit.list', { keyId: k.id })).items.map((e) => `${e.operation}:${e.outcome}`).reverse();
    expect(ops).toEqual(['key.generate:success', 'key.sign:refused', 'key.activate:success', 'key.sign:success', 'key.deactivate:success', 'key.sign:refused', 'key.activate:refused', 'key.revoke:success']);
  });

  it('signs with RSA (PKCS#1 v1.5 and PSS) and Ed25519 in software, verified by openssl', async () => {
    for (const [algorithm, mechanism, digest] of [
      ['rsa-2048', 'rsa-pkcs1-sha256', 'sha256'],
      ['ed25519', 'eddsa', null],
    ] as const) {
      const k = await call('keys.generate', { name: `sw-${algorithm}`, algorithm });
      await call('keys.transition', { id: k.id, action: 'activate' });
      const s = await call('keys.sign', { id: k.id, data: data.toString('base64'), mechanism });
      expect(opensslVerifies((await call('keys.get', { id: k.id })).publicKeyPem!, data, Buffer.from(s.signature, 'base64'), digest), algorithm).toBe(true);
    }
  });

  it('encrypts and decrypts with AES-GCM and RSA-OAEP, in the vault and on a token; tampering fails', async () => {
    const plain = Buffer.from('payroll March').toString('base64');
    const aes = await call('keys.generate', { name: 'files-aes', algorithm: 'aes-256' });
    await call('keys.transition', { id: aes.id, action: 'activate' });
    const aad = Buffer.from('file-42').toString('base64');
    const e = await call('keys.encrypt', { id: aes.id, data: plain, aad });
    expect(e.mechanism).toBe('aes-gcm');
    expect((await call('keys.decrypt', { id: aes.id, data: e.ciphertext, iv: e.iv!, aad })).plaintext).toBe(plain);
    expect(await code('keys.decrypt', { id: aes.id, data: e.ciphertext, iv: e.iv!, aad: Buffer.from('file-43').toString('base64') })).toBe('E_CRYPTO');

    const rsa = await call('keys.generate', { name: 'files-rsa', algorithm: 'rsa-2048', usage: 0x4 | 0x8 });
    await call('keys.transition', { id: rsa.id, action: 'activate' });
    const er = await call('keys.encrypt', { id: rsa.id, data: plain });
    expect(er.mechanism).toBe('rsa-oaep-sha256');
    expect((await call('keys.decrypt', { id: rsa.id, data: er.ciphertext })).plaintext).toBe(plain);

    const token = hsm.tokens[0]!;
    await call('tokens.login', { serial: token.serial, pin: token.userPin });
    const taes = await call('keys.generate', { name: 'token-aes', algorithm: 'aes-256', tokenSerial: token.serial });
    await call('keys.transition', { id: taes.id, action: 'activate' });
    const et = await call('keys.encrypt', { id: taes.id, data: plain });
    expect((await call('keys.decrypt', { id: taes.id, data: et.ciphertext, iv: et.iv! })).plaintext).toBe(plain);
    // A suspended key may still decrypt, never encrypt.
    await call('keys.transition', { id: aes.id, action: 'suspend' });
    expect(await code('keys.encrypt', { id: aes.id, data: plain })).toBe('E_PERMISSION');
    expect((await call('keys.decrypt', { id: aes.id, data: e.ciphertext, iv: e.iv!, aad })).plaintext).toBe(plain);
  });

  it('makes a CSR and a self-signed root certificate that openssl accepts, for a vault key and a token key', async () => {
    const token = hsm.tokens[0]!;
    await call('tokens.login', { serial: token.serial, pin: token.userPin });
    const vaultKey = await call('keys.generate', { name: 'issuing-ca', algorithm: 'ec-p384', usage: 0x1 | 0x2 | 0x1000 | 0x2000 });
    const tokenKey = await call('keys.generate', { name: 'root-ca-token', algorithm: 'ec-p384', usage: 0x1 | 0x2 | 0x1000 | 0x2000, tokenSerial: token.serial });
    for (const k of [vaultKey, tokenKey]) {
      expect(await code('keys.csr', { id: k.id, subject: 'CN=Too Early' })).toBe('E_PERMISSION');
      await call('keys.transition', { id: k.id, action: 'activate' });
      const csr = await call('keys.csr', { id: k.id, subject: 'CN=Example Issuing CA, O=Example, C=GB' });
      const cert = await call('keys.selfSign', { id: k.id, subject: `CN=Example Root ${k.store}, O=Example, C=GB`, days: 3650, ca: true });
      const dir = mkdtempSync(join(tmpdir(), 'custos-cert-'));
      try {
        writeFileSync(join(dir, 'req.pem'), csr.pem);
        writeFileSync(join(dir, 'root.pem'), cert.pem);
        // openssl 3.0 exits 0 even when the request's signature fails; read what it says.
        const req = spawnSync('openssl', ['req', '-verify', '-noout', '-in', join(dir, 'req.pem')], { encoding: 'utf8' });
        expect(req.stdout + req.stderr).toMatch(/verify OK/);
        const verify = execFileSync('openssl', ['verify', '-x509_strict', '-check_ss_sig', '-CAfile', join(dir, 'root.pem'), join(dir, 'root.pem')], { encoding: 'utf8' });
        expect(verify).toMatch(/OK/);
        const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'root.pem')], { encoding: 'utf8' });
        expect(text).toMatch(/CA:TRUE/);
        expect(text).toMatch(/Certificate Sign/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The certificate is in the store, linked to its key and seen as issued here.
      const linked = (await call('certificates.forKey', { keyId: k.id })).items;
      expect(linked.map((c) => c.fingerprint)).toContain(cert.fingerprint);
      const detail = await call('certificates.get', { id: linked.find((c) => c.fingerprint === cert.fingerprint)!.id });
      expect(detail.sightings).toEqual([expect.objectContaining({ kind: 'issued', location: `key:${k.id}` })]);
      const ssh = (await call('keys.exportPublic', { id: k.id, format: 'openssh' })).text;
      expect(ssh).toMatch(/^ecdsa-sha2-nistp384 [A-Za-z0-9+/=]+ /);
      const jwk = JSON.parse((await call('keys.exportPublic', { id: k.id, format: 'jwk' })).text);
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
      expect((await call('keys.exportPublic', { id: k.id, format: 'pem' })).text).toBe((await call('keys.get', { id: k.id })).publicKeyPem);
    }
    const ops = (await call('audit.list', { keyId: tokenKey.id })).items.map((e) => e.operation);
    expect(ops).toEqual(expect.arrayContaining(['key.csr', 'key.certify', 'key.sign']));
  });

  it('refuses a usage the mask does not grant', async () => {
    const k = await call('keys.generate', { name: 'verify-only', algorithm: 'ec-p256', usage: 0x2 });
    await call('keys.transition', { id: k.id, action: 'activate' });
    expect(await code('keys.sign', { id: k.id, data: 'AA==' })).toBe('E_PERMISSION');
    expect(await code('keys.generate', { name: 'bad', algorithm: 'ec-p256', usage: 0x4 })).toBe('E_INPUT');
  });

  it('logs in to a SoftHSM token, generates an EC P-384 key on it that pkcs11-tool sees, signs through the token', async () => {
    const token = hsm.tokens[0]!;
    const listed = await call('tokens.list', {});
    expect(listed.map((t) => t.serial)).toContain(token.serial);
    expect(await code('tokens.login', { serial: token.serial, pin: 'wrong-pin' })).toBe('E_AUTH_FAILED');
    expect((await call('tokens.login', { serial: token.serial, pin: token.userPin })).loggedIn).toBe(true);
    const k = await call('keys.generate', { name: 'root-ca-2026', algorithm: 'ec-p384', tokenSerial: token.serial });
    expect(k).toMatchObject({ store: 'token', state: 'pre-active', token: { serial: token.serial, label: 'root-ca-2026' } });
    expect(k.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const objects = pkcs11Tool(hsm, ['--token-label', token.label, '--login', '--pin', token.userPin, '--list-objects']);
    expect(objects).toContain('root-ca-2026');
    expect(objects).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
    await call('keys.transition', { id: k.id, action: 'activate' });
    const s = await call('keys.sign', { id: k.id, data: data.toString('base64') });
    expect(opensslVerifies((await call('keys.get', { id: k.id })).publicKeyPem!, data, Buffer.from(s.signature, 'base64'), 'sha384')).toBe(true);
    const audit = (await call('audit.list', { operation: 'token.login' })).items.map((e) => e.outcome);
    expect(audit).toContain('failed');
    expect(audit).toContain('success');
    expect(JSON.stringify((await call('audit.list', {})).items)).not.toContain(token.userPin);
  });

  it('discovers keys already on the token once, matching the ones Custos made', async () => {
    const token = hsm.tokens[0]!;
    pkcs11Tool(hsm, ['--token-label', token.label, '--login', '--pin', token.userPin, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', 'c0ffee01', '--label', 'made-elsewhere']);
    // Everything Custos generated on this token is matched; only the foreign key is added.
    const onToken = (await call('keys.list', { limit: 500 })).items.filter((k) => k.token?.serial === token.serial).length;
    const first = await call('tokens.discover', { serial: token.serial });
    expect(first).toMatchObject({ added: 1, matched: onToken });
    const second = await call('tokens.discover', { serial: token.serial });
    expect(second).toMatchObject({ added: 0, matched: onToken + 1 });
    const found = (await call('keys.list', { search: 'made-elsewhere' })).items;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ store: 'token', origin: 'discovered', algorithm: 'ec-p256', token: { ckaId: 'c0ffee01' } });
  });

  it('lets a token unlock the vault for its holder once approved, and refuses a wrong PIN or a foreign token', async () => {
    const token = hsm.tokens[0]!;
    await call('users.add', { name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase' });
    const r = await call('methods.addToken', { holder: 'alice', serial: token.serial, pin: token.userPin });
    expect(r.status).toBe('pending');
    await call('approvals.approve', { id: r.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    await call('vault.lock', {});
    const status = await call('vault.status', {});
    expect(status.unlockMethods.tokens).toEqual([{ serial: token.serial, label: token.label }]);
    expect(await code('vault.unlockToken', { serial: token.serial, pin: 'wrong-pin-1' })).toBe('E_AUTH_FAILED');
    expect(await code('vault.unlockToken', { serial: 'no-such-token', pin: token.userPin })).toBe('E_AUTH_FAILED');
    const s = await call('vault.unlockToken', { serial: token.serial, pin: token.userPin });
    expect(s).toMatchObject({ unlocked: true, user: { name: 'alice' } });
    const last = (await call('audit.list', { operation: 'vault.unlock', limit: 1 })).items[0]!;
    expect(last.details).toMatchObject({ method: 'token', serial: token.serial });
    // Locking ends the token login too.
    expect((await call('tokens.list', {})).find((t) => t.serial === token.serial)?.loggedIn).toBe(true);
    await call('vault.lock', {});
    await call('vault.unlock', { user: 'alice', passphrase: 'alice long passphrase' });
    expect((await call('tokens.list', {})).find((t) => t.serial === token.serial)?.loggedIn).toBe(false);
  });

  it('initialises a token in a free slot under dual control; the PINs are sealed while the request waits', async () => {
    const free = (await call('tokens.list', {})).find((t) => !t.initialized);
    expect(free).toBeDefined();
    const soPin = 'so-pin-7731';
    const userPin = 'user-pin-4410';
    const r = await call('tokens.init', { module: free!.module, slotId: free!.slotId, label: 'new-card', soPin, userPin });
    expect(r.status).toBe('pending');
    const stored = (await call('approvals.list', {})).find((x) => x.id === r.requestId)!;
    expect(JSON.stringify(stored)).not.toContain(soPin);
    const done = await call('approvals.approve', { id: r.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    expect(done.status).toBe('executed');
    const card = (await call('tokens.list', {})).find((t) => t.label === 'new-card');
    expect(card).toMatchObject({ initialized: true });
    expect((await call('tokens.login', { serial: card!.serial, pin: userPin })).loggedIn).toBe(true);
    const event = (await call('audit.list', { operation: 'token.init' })).items[0]!;
    expect(event.details).toMatchObject({ serial: card!.serial, approvers: 'bob' });
    expect(JSON.stringify((await call('audit.list', {})).items)).not.toMatch(/so-pin-7731|user-pin-4410/);
  });
});
