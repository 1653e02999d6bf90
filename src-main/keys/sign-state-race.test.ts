import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { UnlockedVault } from '../vault/vault.js';
import { KeyService } from './key-service.js';

// Signs run beside the core's serial queue so they can batch (app/core.ts): a lifecycle change can
// commit between a signature's checks and its record. These prove such a signature is withheld.

let root: string;
let v: UnlockedVault;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'custos-sign-race-'));
  v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterEach(() => {
  vi.restoreAllMocks();
  v.close();
  rmSync(root, { recursive: true, force: true });
});

async function activeKey(name: string): Promise<string> {
  const svc = new KeyService(v);
  const k = await svc.generate({ name, algorithm: 'ec-p256' });
  svc.transition(k.id, 'activate');
  return k.id;
}

/** Runs `change` right before the first group commit of signature records, as if it landed while the token signed. */
function beforeFirstRecord(change: () => unknown): void {
  const original = v.recordUse.bind(v);
  let done = false;
  vi.spyOn(v, 'recordUse').mockImplementation((event, apply) => {
    if (done) return original(event, apply);
    done = true;
    return Promise.resolve(change()).then(() => original(event, apply));
  });
}

function signEvents(keyId: string): Array<{ seq: number; operation: string; outcome: string }> {
  return v.db.prepare("SELECT seq, operation, outcome FROM audit_events WHERE key_id = ? AND operation IN ('key.sign', 'key.revoke', 'key.suspend', 'key.rotate') ORDER BY seq").all(keyId) as never;
}

describe('a signature made while its key changed state is withheld', () => {
  it('revoked mid-sign: the signatures are refused and recorded as refused after the revocation; another key in the same group commit still signs', async () => {
    const victim = await activeKey('victim');
    const other = await activeKey('bystander');
    beforeFirstRecord(() => new KeyService(v).transition(victim, 'revoke', 'key-compromise'));
    const results = await Promise.allSettled([
      new KeyService(v).sign(victim, Buffer.from('one')),
      new KeyService(v).sign(victim, Buffer.from('two')),
      new KeyService(v).sign(other, Buffer.from('three')),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'E_CONFLICT' } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'E_CONFLICT' } });
    expect(results[2]!.status).toBe('fulfilled');
    const sig = (results[2] as PromiseFulfilledResult<{ signature: Buffer }>).value.signature;
    const pub = createPublicKey(new KeyService(v).get(other).publicKeyPem!);
    expect(nodeVerify('sha256', Buffer.from('three'), pub, sig)).toBe(true);

    const events = signEvents(victim);
    const revoke = events.find((e) => e.operation === 'key.revoke')!;
    expect(events.filter((e) => e.operation === 'key.sign').map((e) => e.outcome)).toEqual(['refused', 'refused']);
    expect(events.filter((e) => e.operation === 'key.sign').every((e) => e.seq > revoke.seq)).toBe(true);
    expect(signEvents(other).map((e) => e.outcome)).toEqual(['success']);
    const uses = (id: string) => (v.db.prepare('SELECT use_count AS c FROM keys WHERE id = ?').get(id) as { c: number }).c;
    expect(uses(victim)).toBe(0);
    expect(uses(other)).toBe(1);
    expect((await v.verifyAudit()).ok).toBe(true);
  });

  it('rotated mid-sign: a signature by the version that stopped being current is withheld too', async () => {
    const id = await activeKey('rotating');
    beforeFirstRecord(() => new KeyService(v).rotate(id));
    await expect(new KeyService(v).sign(id, Buffer.from('late'))).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(signEvents(id).filter((e) => e.operation === 'key.sign').map((e) => e.outcome)).toEqual(['refused']);
  });

  it('nothing changed: the signature is released and counted', async () => {
    const id = await activeKey('quiet');
    await expect(new KeyService(v).sign(id, Buffer.from('fine'))).resolves.toMatchObject({ mechanism: 'ecdsa-sha256' });
    expect(signEvents(id).map((e) => e.outcome)).toEqual(['success']);
  });
});
