import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { open } from '../crypto/aead.js';
import { MINIMUM_KDF_COST, derivePassphraseKey } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { filesUnder, findSecrets, type Needle } from '../testing/scan.js';
import { readHeader, wrapAad } from '../vault/header.js';
import { userTag } from '../vault/user-tag.js';
import { UnlockedVault } from '../vault/vault.js';
import { createCore, type CustosCore } from './core.js';

const root = mkdtempSync(join(tmpdir(), 'custos-secrets-'));
const scratch = mkdtempSync(join(tmpdir(), 'custos-secrets-tmp-'));
const vaultDir = join(root, 'vault');
let core: CustosCore;
const logs: string[] = [];

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input, (_c, e) => logs.push(String((e as Error)?.stack ?? e)));
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as ChannelOutput<C>;
}

const secrets = {
  alice: 'alice-secret-passphrase-81f2',
  bob: 'bob-secret-passphrase-77aa',
  carol: 'carol-secret-passphrase-19cd',
  shares: { alice: 'alice-share-pass-4b21', bob: 'bob-share-pass-9e0f', carol: 'carol-share-pass-c3d8' } as Record<string, string>,
};

beforeAll(() => {
  // Anything that would spill to a temp file lands where we can scan it.
  process.env.TMPDIR = scratch;
  core = createCore({ vaultDir, host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, exportDir: join(root, 'exports') });
  const origError = console.error;
  console.error = (...a: unknown[]) => {
    logs.push(a.map(String).join(' '));
    origError(...a);
  };
});
afterAll(async () => {
  await core.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('secrets at rest after a scripted session', () => {
  it('leaves no passphrase, share, VMK or key byte in the vault folder, exports, temp files or logs', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: secrets.alice });
    await call('users.add', { name: 'bob', role: 'security-officer', passphrase: secrets.bob });
    const carol = await call('users.add', { name: 'carol', role: 'key-custodian', passphrase: secrets.carol });
    await call('approvals.approve', { id: carol.requestId, approver: { user: 'bob', passphrase: secrets.bob } });
    const q = await call('methods.setQuorum', { threshold: 2, custodians: ['alice', 'bob', 'carol'].map((u) => ({ user: u, passphrase: secrets.shares[u]! })) });
    await call('approvals.approve', { id: q.requestId, approver: { user: 'bob', passphrase: secrets.bob } });
    const ids: string[] = [];
    for (const a of ['ec-p384', 'ed25519', 'rsa-2048', 'aes-256'] as const) ids.push((await call('keys.generate', { name: `hidden-name-${a}-d41d`, algorithm: a })).id);
    await call('audit.export', {});
    await call('vault.lock', {});
    await call('vault.unlockQuorum', { custodians: [{ user: 'carol', passphrase: secrets.shares.carol }, { user: 'alice', passphrase: secrets.shares.alice }] });
    await call('session.login', { user: 'carol', passphrase: secrets.carol });
    await call('vault.lock', {});

    // What to look for: passphrases, names, the VMK, every Shamir share, every key's material.
    const needles: Needle[] = [
      ...[secrets.alice, secrets.bob, secrets.carol, ...Object.values(secrets.shares)].map((s) => ({ label: `passphrase ${s.slice(0, 5)}`, bytes: Buffer.from(s) })),
      ...['ec-p384', 'ed25519', 'rsa-2048', 'aes-256'].map((a) => ({ label: `key name ${a}`, bytes: Buffer.from(`hidden-name-${a}`) })),
    ];
    const v = await UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: secrets.alice });
    try {
      needles.push({ label: 'VMK', bytes: v.withVmk((k) => Buffer.from(k)) });
      for (const id of ids) {
        const { material, purpose } = v.openMaterial(id, 1);
        needles.push({ label: `material ${id}`, bytes: material });
        if (purpose === 'private-pkcs8') {
          const jwk = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
          needles.push({ label: `private scalar ${id}`, bytes: Buffer.from(jwk.d!, 'base64url').subarray(0, 16) });
        }
      }
    } finally {
      v.close();
    }
    const header = readHeader(vaultDir);
    const quorum = header.unlockMethods.find((m) => m.type === 'quorum');
    expect(quorum?.type).toBe('quorum');
    if (quorum?.type === 'quorum') {
      for (const [user, pass] of Object.entries(secrets.shares)) {
        const share = quorum.shares.find((s) => s.userTag === userTag(header.vaultId, user))!;
        const key = await derivePassphraseKey(pass, share.kdf);
        const part = open(key, { nonce: Buffer.from(share.wrap.nonce, 'base64'), box: Buffer.from(share.wrap.box, 'base64') }, wrapAad(header.vaultId, quorum.id, 'quorum', share.index));
        expect(part).not.toBeNull();
        needles.push({ label: `share of ${user}`, bytes: part!.subarray(0, 32) });
      }
    }

    const files = [...filesUnder(root), ...filesUnder(scratch)];
    expect(files.some((f) => f.endsWith('.tar'))).toBe(true);
    expect(findSecrets(files, needles)).toEqual([]);
    const logText = Buffer.from(logs.join('\n'));
    expect(needles.filter((n) => logText.includes(n.bytes)).map((n) => n.label)).toEqual([]);
  });
});
