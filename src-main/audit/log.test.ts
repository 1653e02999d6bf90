import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../crypto/canonical.js';
import type { AuditDetails } from './chain.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

beforeEach(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  for (let i = 0; i < 30; i++) v.record({ actor: i % 2 ? 'alice' : null, operation: 'test', outcome: 'success', details: { zeta: i, alpha: `"quoted" \u00e9 ${i}`, mid: null } });
});
afterEach(() => {
  v.close();
  dir.cleanup();
});

describe('audit log in the vault', () => {
  it('is append-only: the database refuses updates and deletes', () => {
    expect(() => v.db.prepare("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3").run()).toThrow(/append-only/);
    expect(() => v.db.prepare('DELETE FROM audit_events WHERE seq = 3').run()).toThrow(/append-only/);
  });

  it('fast verification agrees with the reference on intact and altered chains', () => {
    expect(v.audit.verify()).toEqual(v.audit.verifyReference());
    expect(v.audit.verify().ok).toBe(true);
    // Someone with raw database access drops the guard and edits an event.
    v.db.exec('DROP TRIGGER audit_events_no_update');
    v.db.prepare(`UPDATE audit_events SET details = '{"alpha":"x","mid":null,"zeta":9}' WHERE seq = 12`).run();
    const fast = v.audit.verify();
    expect(fast).toMatchObject({ ok: false, firstBadSeq: 12 });
    expect(fast).toEqual(v.audit.verifyReference());
  });

  it('still verifies rows whose details were stored in insertion order (schema 1 vaults)', () => {
    v.db.exec('DROP TRIGGER audit_events_no_update');
    const row = v.db.prepare('SELECT details FROM audit_events WHERE seq = 5').get() as { details: string };
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(row.details)).reverse()));
    expect(reordered).not.toBe(row.details);
    v.db.prepare('UPDATE audit_events SET details = ? WHERE seq = 5').run(reordered);
    expect(v.audit.verify().ok).toBe(true);
  });

  it('checks MACs after the last signed checkpoint by default, and every MAC on request', () => {
    v.db.transaction(() => {
      for (let i = 0; i < 1000; i++) v.audit.append({ actor: 'alice', operation: 'bulk', outcome: 'success', details: { i } });
    })();
    expect(v.audit.lastCheckpointSeq()).toBe(1000);
    v.db.exec('DROP TRIGGER audit_events_no_update');
    const bad = '0'.repeat(64);
    // A wrong MAC in the unsigned tail is caught by the default check.
    v.db.prepare('UPDATE audit_events SET mac = ? WHERE seq = 1020').run(bad);
    expect(v.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 1020 });
    v.db.prepare('UPDATE audit_events SET mac = (SELECT mac FROM audit_events WHERE seq = 1019) WHERE seq = 1020').run();
    // Before the checkpoint the signed hash chain covers the event; the full check still reads its MAC.
    v.db.prepare('UPDATE audit_events SET mac = ? WHERE seq = 500').run(bad);
    expect(v.audit.verify({ everyMac: true })).toMatchObject({ ok: false, firstBadSeq: 500 });
  });
});

describe('appendMany', () => {
  it('writes the chain that appending one by one would, with details stored as the canonical text it hashed', () => {
    // Runs of shared fields and changes between them; details in canonical key order and not.
    const inputs = Array.from({ length: 150 }, (_, i) => ({
      actor: i % 3 ? 'alice' : null,
      operation: i < 70 ? 'key.sign' : 'key.encrypt',
      keyId: i % 2 ? 'k1' : null,
      keyVersion: i % 2 ? 2 : null,
      outcome: i % 11 ? ('success' as const) : ('refused' as const),
      details: (i % 4 ? { z: i, a: `"é" ${i}`, m: null, t: i % 2 === 0 } : { dataSha256: `${i}`.padEnd(64, 'f'), mechanism: 'ecdsa-sha256', store: 'token' }) as AuditDetails,
    }));
    const before = v.audit.headSeq();
    v.db.transaction(() => v.audit.appendMany(inputs))();
    const rows = v.db.prepare('SELECT details FROM audit_events WHERE seq > ? ORDER BY seq').all(before) as Array<{ details: string }>;
    expect(rows.map((r) => r.details)).toEqual(inputs.map((i) => canonicalJson(i.details)));
    expect(v.audit.verify({ everyMac: true })).toMatchObject({ ok: true, events: before + 150 });
    expect(v.audit.verify({ everyMac: true })).toEqual(v.audit.verifyReference());
  });
});
