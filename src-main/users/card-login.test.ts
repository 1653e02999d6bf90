import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { createTokenService } from '../app/token-setup.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import type { TokenService } from '../pkcs11/service.js';
import { createSoftHsm, type SoftHsmFixture } from '../testing/softhsm.js';
import { UnlockedVault } from '../vault/vault.js';
import { cardChallenge } from './card-login.js';
import { CardService } from './card-service.js';
import { UserService } from './user-service.js';

const pass = (name: string) => `${name} long passphrase`;
let root: string;
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };
let tokens: TokenService;
let v: UnlockedVault;
let bobKey: { id: string; ckaId: string };
/** The public key of some other key pair. */
let alienSpki: Buffer;

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** The last session.login events, newest first, as outcome and details. */
function loginEvents(n: number): Array<{ actor: string | null; outcome: string; details: Record<string, unknown> }> {
  return (v.db.prepare("SELECT actor, outcome, details FROM audit_events WHERE operation = 'session.login' ORDER BY seq DESC LIMIT ?").all(n) as Array<{ actor: string | null; outcome: string; details: string }>).map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}

const cards = () => new CardService(v, () => tokens);
const bobCard = () => hsm.tokens[0]!;
const otherCard = () => hsm.tokens[1]!;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'custos-card-login-'));
  hsm = createSoftHsm({ labels: ['bob-card', 'spare-card'] });
  worker = await buildPkcs11WorkerForTests();
  tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: worker.script });
  v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: pass('alice'), kdfCost: MINIMUM_KDF_COST });
  // bob is added at bootstrap; carol (security officer) is the second person for dual control.
  for (const [name, role] of [['bob', 'key-custodian'], ['carol', 'security-officer']] as const) {
    const o = await new UserService(v).add({ name, role, passphrase: pass(name), personalUnlock: false });
    if (o.status !== 'executed') await new ApprovalService(v, OPERATIONS).approve(o.requestId!, await v.authenticate('carol', pass('carol'), 'approval'));
  }
  // bob's card key: an EC P-256 key pair generated on his card, in the inventory.
  await (await tokens.clientForToken(bobCard().serial)).login(bobCard().serial, bobCard().userPin);
  const k = await new KeyService(v, tokens).generate({ name: 'bob login card', algorithm: 'ec-p256', tokenSerial: bobCard().serial });
  bobKey = { id: k.id, ckaId: k.token!.ckaId };
  const alien = await new KeyService(v).generate({ name: 'alien', algorithm: 'ec-p256' });
  alienSpki = (v.db.prepare('SELECT public_spki AS spki FROM key_versions WHERE key_id = ?').get(alien.id) as { spki: Buffer }).spki;
  await (await tokens.clientForToken(bobCard().serial)).logout(bobCard().serial);
});
afterAll(async () => {
  v.close();
  await tokens.close();
  worker.cleanup();
  hsm.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('smart-card login', () => {
  it('binds the challenge to purpose, vault, user and card', () => {
    const nonce = Buffer.alloc(32, 7);
    const base = cardChallenge('login', 'vault-1', 'bob', 'S1', nonce);
    expect(base.subarray(base.length - 32).equals(nonce)).toBe(true);
    expect(base.toString('utf8', 0, 20)).toBe('custos/v1/card-login');
    for (const other of [cardChallenge('register', 'vault-1', 'bob', 'S1', nonce), cardChallenge('login', 'vault-2', 'bob', 'S1', nonce), cardChallenge('login', 'vault-1', 'bobby', 'S1', nonce), cardChallenge('login', 'vault-1', 'bob', 'S2', nonce)]) {
      expect(other.equals(base)).toBe(false);
    }
  });

  it('registers a card under dual control after the card proves the key and PIN, then signs bob in with it', async () => {
    // A wrong PIN at registration files nothing and is audited as failed.
    const bad = await rejection(cards().register({ name: 'bob', serial: bobCard().serial, key: bobKey.id, pin: '000000' }));
    expect(bad.code).toBe('E_AUTH_FAILED');
    expect(cards().list()).toEqual([]);
    const outcome = await cards().register({ name: 'bob', serial: bobCard().serial, key: bobKey.id, pin: bobCard().userPin });
    expect(outcome.status).toBe('pending');
    expect(cards().list()).toEqual([]);
    await new ApprovalService(v, OPERATIONS).approve(outcome.requestId!, await v.authenticate('carol', pass('carol'), 'approval'));
    expect(cards().list()).toEqual([expect.objectContaining({ user: 'bob', serial: bobCard().serial, ckaId: bobKey.ckaId, keyId: bobKey.id, algorithm: 'ec-p256', registeredBy: 'alice' })]);
    const set = v.db.prepare("SELECT outcome, details FROM audit_events WHERE operation = 'user.set-card' ORDER BY seq").all() as Array<{ outcome: string; details: string }>;
    expect(set.map((e) => e.outcome)).toEqual(['failed', 'success']);
    expect(set.map((e) => e.details).join()).not.toContain(bobCard().userPin);

    v.logout();
    // Without a serial, the card registered for bob is the one expected in the reader.
    const user = await cards().login({ user: 'bob', pin: bobCard().userPin });
    expect(user.name).toBe('bob');
    expect(v.sessionUser?.name).toBe('bob');
    expect(loginEvents(1)[0]).toMatchObject({ actor: 'bob', outcome: 'success', details: { method: 'card', serial: bobCard().serial, mechanism: 'ecdsa-sha256' } });
    // The PIN's effect ended with the proof: the card is logged out again.
    expect((await (await tokens.clientForToken(bobCard().serial)).tokenInfo(bobCard().serial)).loggedIn).toBe(false);
  });

  it('gives a clear error for a wrong PIN, a wrong card, a wrong key and a disabled user, audits each, never the PIN', async () => {
    v.logout();
    const wrongPin = await rejection(cards().login({ user: 'bob', serial: bobCard().serial, pin: '999999' }));
    expect(wrongPin).toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringMatching(/PIN.*incorrect/i) });
    const wrongCard = await rejection(cards().login({ user: 'bob', serial: otherCard().serial, pin: otherCard().userPin }));
    expect(wrongCard).toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining(`not the one registered for bob (serial ${bobCard().serial})`) });
    const noCard = await rejection(cards().login({ user: 'carol', serial: bobCard().serial, pin: bobCard().userPin }));
    expect(noCard).toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining('No smart card is registered for carol') });

    // The registered public key no longer matches what the card holds (another key's SPKI).
    const saved = v.db.prepare('SELECT spki, cka_id FROM user_cards').get() as { spki: Buffer; cka_id: string };
    v.db.prepare('UPDATE user_cards SET spki = ?').run(alienSpki);
    const wrongKey = await rejection(cards().login({ user: 'bob', serial: bobCard().serial, pin: bobCard().userPin }));
    expect(wrongKey).toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining('not the registered one') });
    // The registered CKA_ID is not on the card at all.
    v.db.prepare('UPDATE user_cards SET spki = ?, cka_id = ?').run(saved.spki, 'ab'.repeat(16));
    const missingKey = await rejection(cards().login({ user: 'bob', serial: bobCard().serial, pin: bobCard().userPin }));
    expect(missingKey).toMatchObject({ code: 'E_AUTH_FAILED', message: expect.stringContaining('does not hold the key registered for bob') });
    v.db.prepare('UPDATE user_cards SET cka_id = ?').run(saved.cka_id);

    const events = loginEvents(5).reverse();
    expect(events.map((e) => `${e.actor}:${e.outcome}`)).toEqual(['bob:failed', 'bob:failed', 'carol:failed', 'bob:failed', 'bob:failed']);
    expect(JSON.stringify(events)).not.toContain('999999');
    expect(JSON.stringify(events)).not.toContain(bobCard().userPin);
    expect(v.sessionUser).toBeNull();

    // Disabled: refused before the card is touched.
    expect((await cards().login({ user: 'bob', serial: bobCard().serial, pin: bobCard().userPin })).name).toBe('bob');
    v.logout();
    v.db.prepare("UPDATE users SET disabled_at = '2026-01-01T00:00:00.000Z' WHERE name = 'bob'").run();
    const disabled = await rejection(cards().login({ user: 'bob', serial: bobCard().serial, pin: bobCard().userPin }));
    expect(disabled).toMatchObject({ code: 'E_AUTH_FAILED', message: 'This user is disabled; ask an administrator.' });
    expect(loginEvents(1)[0]).toMatchObject({ actor: 'bob', outcome: 'refused', details: { method: 'card', reason: 'user disabled' } });
    v.db.prepare("UPDATE users SET disabled_at = NULL WHERE name = 'bob'").run();
    expect(v.audit.verify().ok).toBe(true);
  });

  it('registers by CKA_ID on the card too, and removal is a user change under dual control', async () => {
    v.logout();
    await v.login('alice', pass('alice'));
    const replace = await cards().register({ name: 'bob', serial: bobCard().serial, key: bobKey.ckaId, pin: bobCard().userPin });
    await new ApprovalService(v, OPERATIONS).approve(replace.requestId!, await v.authenticate('carol', pass('carol'), 'approval'));
    expect(cards().list()[0]).toMatchObject({ ckaId: bobKey.ckaId, keyId: bobKey.id });
    const removal = cards().remove('bob');
    expect(removal.status).toBe('pending');
    await new ApprovalService(v, OPERATIONS).approve(removal.requestId!, await v.authenticate('carol', pass('carol'), 'approval'));
    expect(cards().list()).toEqual([]);
    v.logout();
    expect((await rejection(cards().login({ user: 'bob', serial: bobCard().serial, pin: bobCard().userPin }))).message).toContain('No smart card is registered for bob');
    await v.login('alice', pass('alice'));
    // Only administrators register cards.
    v.logout();
    await v.login('carol', pass('carol'));
    expect((await rejection(cards().register({ name: 'bob', serial: bobCard().serial, key: bobKey.id, pin: bobCard().userPin }))).code).toBe('E_PERMISSION');
  });
});
