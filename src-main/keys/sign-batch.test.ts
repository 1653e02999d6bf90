import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenService } from '../app/token-setup.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import type { CustosError } from '../errors.js';
import { buildPkcs11WorkerForTests } from '../pkcs11/test-support.js';
import type { TokenService } from '../pkcs11/service.js';
import { createSoftHsm, type SoftHsmFixture } from '../testing/softhsm.js';
import { UnlockedVault } from '../vault/vault.js';
import { KeyService } from './key-service.js';
import { messageDigest, packedDigests, requestDigest, tokenChunks, type SignRequest } from './sign-batch.js';

let root: string;
let hsm: SoftHsmFixture;
let worker: { script: string; cleanup: () => void };
let tokens: TokenService;
let v: UnlockedVault;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'custos-sign-batch-'));
  hsm = createSoftHsm({ labels: ['batch'] });
  worker = await buildPkcs11WorkerForTests();
  tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: worker.script });
  v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  await (await tokens.clientForToken(hsm.serial)).login(hsm.serial, hsm.userPin);
});
afterAll(async () => {
  v.close();
  await tokens.close();
  worker.cleanup();
  hsm.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** What the vault's audit trail and counter say about a key's signatures. */
function signRecords(keyId: string): { success: number; refused: number; useCount: number } {
  const rows = v.db.prepare("SELECT outcome, count(*) AS n FROM audit_events WHERE key_id = ? AND operation = 'key.sign' GROUP BY outcome").all(keyId) as Array<{ outcome: string; n: number }>;
  const n = (o: string) => rows.find((r) => r.outcome === o)?.n ?? 0;
  const useCount = (v.db.prepare('SELECT use_count AS c FROM keys WHERE id = ?').get(keyId) as { c: number }).c;
  return { success: n('success'), refused: n('refused'), useCount };
}

/** `count` signatures asked at once, each through its own KeyService (as the core makes one per request). */
async function signAtOnce(keyId: string, count: number): Promise<{ ok: Array<{ data: Buffer; signature: Buffer }>; refused: CustosError[] }> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      const data = Buffer.from(`document ${i}`);
      return { data, signature: (await new KeyService(v, tokens).sign(keyId, data)).signature };
    }),
  );
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as CustosError] : []));
  return { ok, refused };
}

describe('batched signing keeps one audit event per signature and the usage limit exact', () => {
  it('200 concurrent signs on a token key with maxUses 150: exactly 150 signatures, 150 audit events, 50 refused and audited', async () => {
    const keys = new KeyService(v, tokens);
    const k = await keys.generate({ name: 'batch-token', algorithm: 'ec-p256', tokenSerial: hsm.serial });
    keys.transition(k.id, 'activate');
    keys.schedule(k.id, { maxUses: 150 });
    const { ok, refused } = await signAtOnce(k.id, 200);
    expect(ok).toHaveLength(150);
    expect(refused).toHaveLength(50);
    for (const e of refused) expect(e).toMatchObject({ code: 'E_PERMISSION', message: expect.stringMatching(/usage limit \(150 operations\)/) });
    expect(signRecords(k.id)).toEqual({ success: 150, refused: 50, useCount: 150 });
    // Every signature released is a real one over its own data.
    const pub = createPublicKey({ key: keys.get(k.id).publicKeyPem!, format: 'pem' });
    for (const s of ok) expect(nodeVerify('sha256', s.data, pub, s.signature)).toBe(true);
    // Each success event carries the hash of the data it signed: 150 distinct ones.
    const hashes = v.db.prepare("SELECT details FROM audit_events WHERE key_id = ? AND operation = 'key.sign' AND outcome = 'success'").all(k.id) as Array<{ details: string }>;
    const recorded = new Set(hashes.map((h) => (JSON.parse(h.details) as { dataSha256: string }).dataSha256));
    expect(recorded).toEqual(new Set(ok.map((s) => createHash('sha256').update(s.data).digest('hex'))));
    // The limit holds for later requests too, and the chain is intact.
    expect((await signAtOnce(k.id, 3)).refused).toHaveLength(3);
    expect(signRecords(k.id)).toMatchObject({ success: 150, useCount: 150 });
    expect(v.audit.verify({ everyMac: true }).ok).toBe(true);
    expect(v.audit.verify()).toEqual(v.audit.verifyReference());
  });

  it('the same for a vault key signing in software, across waves while earlier ones are still being recorded', async () => {
    const keys = new KeyService(v, tokens);
    const k = await keys.generate({ name: 'batch-vault', algorithm: 'ed25519' });
    keys.transition(k.id, 'activate');
    keys.schedule(k.id, { maxUses: 40 });
    const [a, b] = await Promise.all([signAtOnce(k.id, 30), Promise.resolve().then(() => signAtOnce(k.id, 30))]);
    expect(a.ok.length + b.ok.length).toBe(40);
    expect(a.refused.length + b.refused.length).toBe(20);
    expect(signRecords(k.id)).toEqual({ success: 40, refused: 20, useCount: 40 });
  });

  it('a failed token batch counts nothing and releases its reservation', async () => {
    const keys = new KeyService(v, tokens);
    const k = await keys.generate({ name: 'batch-logout', algorithm: 'ec-p256', tokenSerial: hsm.serial });
    keys.transition(k.id, 'activate');
    keys.schedule(k.id, { maxUses: 5 });
    const client = await tokens.clientForToken(hsm.serial);
    await client.logout(hsm.serial);
    const failed = await signAtOnce(k.id, 5);
    expect(failed.refused.map((e) => e.code)).toEqual(Array(5).fill('E_PERMISSION'));
    expect(signRecords(k.id)).toEqual({ success: 0, refused: 0, useCount: 0 });
    await client.login(hsm.serial, hsm.userPin);
    // A KeyService without tokens cannot reach the token: refused, nothing counted or reserved.
    const noTokens = await Promise.allSettled([1, 2].map(() => new KeyService(v).sign(k.id, Buffer.from('x'))));
    expect(noTokens.map((r) => (r.status === 'rejected' ? (r.reason as CustosError).code : 'ok'))).toEqual(['E_UNSUPPORTED', 'E_UNSUPPORTED']);
    expect((await signAtOnce(k.id, 5)).ok).toHaveLength(5);
    expect(signRecords(k.id)).toEqual({ success: 5, refused: 0, useCount: 5 });
  });

  it('holds the usage limit for concurrent encryptions too: 20 at once under maxUses 10 give exactly 10', async () => {
    const keys = new KeyService(v, tokens);
    const k = await keys.generate({ name: 'batch-aes', algorithm: 'aes-256' });
    keys.transition(k.id, 'activate');
    keys.schedule(k.id, { maxUses: 10 });
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => new KeyService(v, tokens).encrypt(k.id, Buffer.from('payroll'))));
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const uses = v.db.prepare("SELECT count(*) AS n FROM audit_events WHERE key_id = ? AND operation = 'key.encrypt' AND outcome = 'success'").get(k.id) as { n: number };
    expect(uses.n).toBe(10);
    expect((v.db.prepare('SELECT use_count AS c FROM keys WHERE id = ?').get(k.id) as { c: number }).c).toBe(10);
  });

  it('splits a batch so the token has up to three requests of at least four signatures queued, and keeps it whole for a busy token', () => {
    expect(tokenChunks([1])).toEqual([[1]]);
    expect(tokenChunks([1, 2, 3, 4, 5]).map((c) => c.length)).toEqual([5]);
    expect(tokenChunks([1, 2, 3, 4, 5, 6, 7, 8]).map((c) => c.length)).toEqual([4, 4]);
    expect(tokenChunks(Array.from({ length: 32 }, (_, i) => i)).map((c) => c.length)).toEqual([11, 11, 10]);
    // One request in flight: two more; two in flight: one more, whole.
    expect(tokenChunks(Array.from({ length: 16 }, (_, i) => i), 1).map((c) => c.length)).toEqual([8, 8]);
    expect(tokenChunks(Array.from({ length: 16 }, (_, i) => i), 2).map((c) => c.length)).toEqual([16]);
    expect(tokenChunks([1, 2, 3, 4, 5], 5).map((c) => c.length)).toEqual([5]);
    // Never above MAX_TOKEN_BATCH.
    expect(tokenChunks(Array.from({ length: 100 }, (_, i) => i)).map((c) => c.length)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(tokenChunks(Array.from({ length: 20 }, (_, i) => i), 3).map((c) => c.length)).toEqual([16, 4]);
  });

  it('appendMany writes the same chain as appending one by one, checkpoints included', () => {
    v.db.transaction(() => {
      const head = v.audit.headSeq();
      for (let i = head; i < 995; i++) v.audit.append({ actor: 'alice', operation: 'filler', outcome: 'success', details: { i } });
      v.audit.appendMany(Array.from({ length: 70 }, (_, i) => ({ actor: 'alice', operation: 'bulk', keyId: null, outcome: 'success' as const, details: { i, note: `"${i}" é` } })));
    })();
    expect(v.audit.lastCheckpointSeq()).toBeGreaterThanOrEqual(1000);
    expect(v.audit.verify({ everyMac: true }).ok).toBe(true);
    expect(v.audit.verify()).toEqual(v.audit.verifyReference());
  });
});

describe('messageDigest', () => {
  it('is the SHA-256 of the message in hex, as createHash gives it', () => {
    for (const m of [Buffer.alloc(0), Buffer.from('document'), Buffer.alloc(100_000, 7)]) expect(messageDigest(m)).toBe(createHash('sha256').update(m).digest('hex'));
  });
});

describe('packedDigests', () => {
  it('gives each request its SHA-256 as 32 bytes, side by side in one buffer that holds nothing else, and keeps the hex on the request', () => {
    const requests = ['a', '', 'third message', 'x'.repeat(5000)].map((t) => ({ data: Buffer.from(t), mechanism: undefined, actor: 'alice', resolve: () => {}, reject: () => {} }) as SignRequest);
    const packed = packedDigests(requests);
    const want = requests.map((r) => createHash('sha256').update(r.data).digest());
    expect(packed.map((p) => p.toString('hex'))).toEqual(want.map((w) => w.toString('hex')));
    expect(packed.every((p) => p.buffer === packed[0]!.buffer)).toBe(true);
    expect(Buffer.from(packed[0]!.buffer).equals(Buffer.concat(want))).toBe(true);
    expect(requests.map((r) => r.digest)).toEqual(want.map((w) => w.toString('hex')));
    expect(requests.map(requestDigest)).toEqual(want.map((w) => w.toString('hex')));
  });
});
