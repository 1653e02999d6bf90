import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { inventoryQueryInputSchema, type InventoryQueryInput } from '../../src-shared/contract-inventory.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { filterContext, queryInventory } from './query.js';
import { FIXTURE_NOW, insertFixture } from './test-fixture.js';

/**
 * The inventory counters of migration 0013 and the caches keyed on them (query.ts): a write
 * that can change a finding filter's answer moves a counter, a write that cannot leaves both, so
 * the console's constant small writes (audit, use counts, owners) keep the cached policy match.
 */

let dir: ReturnType<typeof tempDir>;
let v: UnlockedVault;
let ids: Map<string, string>;
const now = FIXTURE_NOW;

beforeAll(async () => {
  dir = tempDir('custos-epochs-');
  v = await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => now });
  ids = insertFixture(v);
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

const counters = () =>
  v.db.prepare('SELECT groups, finding_keys AS findingKeys, (SELECT coalesce(max(seq), 0) FROM inventory_finding_moves) AS moves FROM inventory_epochs').get() as { groups: number; findingKeys: number; moves: number };
/** Which counters a write moved ('groups', 'findingKeys'), and 'moves' when it logged a key with findings changing group. */
function moved(write: () => void): string[] {
  const before = counters();
  write();
  const after = counters();
  return (['groups', 'findingKeys', 'moves'] as const).filter((c) => after[c] !== before[c]);
}
const run = (sql: string, ...params: unknown[]) => () => void v.db.prepare(sql).run(...params);
function names(filter: InventoryQueryInput['filter']): string[] {
  return queryInventory(v.db, inventoryQueryInputSchema.parse({ filter, limit: 200 }), now).rows.map((r) => r.name).sort();
}

describe('inventory counters', () => {
  it('stand still for writes that cannot change a finding filter: owner, tags, use counts, audit events', () => {
    expect(moved(run("UPDATE keys SET owner = 'team-x', tags = ',x,' WHERE name = 'web-tls-1'"))).toEqual([]);
    expect(moved(run("UPDATE keys SET owner = 'team-x' WHERE name = 'ext-rsa'"))).toEqual([]);
    expect(moved(run("INSERT INTO key_tags (tag, key_id) VALUES ('x', ?)", ids.get('web-tls-1')))).toEqual([]);
    expect(moved(run("UPDATE keys SET use_count = use_count + 1 WHERE name IN ('ext-rsa', 'demo-client', 'dek-1')"))).toEqual([]);
    expect(moved(() => v.db.transaction(() => v.audit.append({ actor: 'alice', operation: 'keys.export', outcome: 'success', details: { note: 'epoch test' } }))())).toEqual([]);
  });

  it('move both when a key is inserted (a certificate finding may name it)', () => {
    expect(moved(() => insertFixture(v, [{ name: 'epoch-new', algorithm: 'ec-p256', state: 'pre-active', createdAt: '2026-05-30T00:00:00.000Z' }]))).toEqual(['groups', 'findingKeys']);
  });

  it('move the groups counter, and only it, when a key without findings changes group', () => {
    expect(moved(run("UPDATE keys SET state = 'suspended' WHERE name = 'dek-1'"))).toEqual(['groups']);
    expect(moved(run("UPDATE keys SET state = 'active' WHERE name = 'dek-1'"))).toEqual(['groups']);
    expect(moved(run("UPDATE keys SET purpose = 'ca-root' WHERE name = 'pre'"))).toEqual(['groups']);
    expect(moved(run("UPDATE keys SET purpose = NULL WHERE name = 'pre'"))).toEqual(['groups']);
  });

  it('log the move when a key with an analysis finding or a certificate changes group', () => {
    expect(moved(run("UPDATE keys SET state = 'suspended' WHERE name = 'ext-rsa'"))).toEqual(['groups', 'moves']);
    expect(v.db.prepare('SELECT key_rowid FROM inventory_finding_moves ORDER BY seq DESC LIMIT 1').pluck().get()).toBe(v.db.prepare("SELECT rowid FROM keys WHERE name = 'ext-rsa'").pluck().get());
    expect(moved(run("UPDATE keys SET state = 'active' WHERE name = 'ext-rsa'"))).toEqual(['groups', 'moves']);
    // demo-client has no finding of its own; its certificate has one.
    expect(moved(run("UPDATE keys SET state = 'suspended' WHERE name = 'demo-client'"))).toEqual(['groups', 'moves']);
    expect(moved(run("UPDATE keys SET state = 'active' WHERE name = 'demo-client'"))).toEqual(['groups', 'moves']);
  });

  it('keep the last 256 moves only', () => {
    const flip = v.db.prepare("UPDATE keys SET state = CASE state WHEN 'active' THEN 'suspended' ELSE 'active' END WHERE name = 'ext-rsa'");
    v.db.transaction(() => {
      for (let i = 0; i < 300; i++) flip.run();
    })();
    const [n, lo, hi] = v.db.prepare('SELECT count(*), min(seq), max(seq) FROM inventory_finding_moves').raw().get() as number[];
    expect(n).toBe(256);
    expect(hi! - lo!).toBe(255);
    expect(v.db.prepare("SELECT state FROM keys WHERE name = 'ext-rsa'").pluck().get()).toBe('active');
  });

  it('move the finding-keys counter for findings and certificates written, and for a key that takes a certified fingerprint', () => {
    const dek = ids.get('dek-1')!;
    expect(moved(run("INSERT INTO analysis_findings (key_id, source, rule, severity, title, found_at) VALUES (?, 'epochs', 'x', 'info', 'x', ?)", dek, now.toISOString()))).toEqual(['findingKeys']);
    expect(moved(run("DELETE FROM analysis_findings WHERE source = 'epochs'"))).toEqual(['findingKeys']);
    const fp = 'fe'.repeat(32);
    expect(
      moved(
        run(
          `INSERT INTO certificates (id, fingerprint, der, subject, issuer, serial, not_before, not_after, signature_algorithm, spki_fingerprint, profile, trust, is_ca, first_seen_at)
           VALUES ('epoch-cert', 'epoch-cert-fp', x'3000', 'CN=e', 'CN=e', '02', ?, ?, 'ecdsa-with-SHA256', ?, 'tls-server', 'private', 0, ?)`,
          now.toISOString(),
          now.toISOString(),
          fp,
          now.toISOString(),
        ),
      ),
    ).toEqual(['findingKeys']);
    // A key whose fingerprint a certificate names: its certificate's findings count for it.
    expect(moved(run('UPDATE keys SET fingerprint = ? WHERE name = ?', fp, 'Web-TLS-2'))).toEqual(['findingKeys']);
    expect(moved(run("DELETE FROM certificates WHERE id = 'epoch-cert'"))).toEqual(['findingKeys']);
  });
});

describe('cached finding filters', () => {
  it('keep the policy match across writes that move no counter, and judge again after one that does', () => {
    const match = () => filterContext(v.db, now).policyMatch!({ present: true });
    const first = match();
    v.db.prepare("UPDATE keys SET owner = 'team-y' WHERE name = 'root-ca'").run();
    expect(match()).toBe(first);
    v.db.prepare("UPDATE keys SET state = 'suspended' WHERE name = 'hsm-sign'").run();
    try {
      expect(match()).not.toBe(first);
    } finally {
      v.db.prepare("UPDATE keys SET state = 'active' WHERE name = 'hsm-sign'").run();
    }
  });

  it('follow keys with findings that change group, also after more moves than the log keeps', () => {
    const flip = v.db.prepare("UPDATE keys SET state = CASE state WHEN 'active' THEN 'suspended' ELSE 'active' END WHERE name = ?");
    const withRsa = names({ finding: {} });
    const critical = names({ finding: { severities: ['critical'] } });
    expect(withRsa).toContain('ext-rsa');
    expect(critical).toContain('ext-rsa');
    // dek-old's group (deactivated data-encryption keys) is flagged by no rule.
    const columns = 'algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state';
    const moveTo = (name: string, like: string) => v.db.prepare(`UPDATE keys SET (${columns}) = (SELECT ${columns} FROM keys WHERE name = ?) WHERE name = ?`).run(like, name);
    const original = v.db.prepare(`SELECT ${columns} FROM keys WHERE name = 'ext-rsa'`).raw().get() as unknown[];
    const restore = () => v.db.prepare(`UPDATE keys SET (${columns}) = (${columns.split(',').map(() => '?').join(', ')}) WHERE name = 'ext-rsa'`).run(...original);
    // Both counts: ext-rsa is overdue too, and the any-finding count takes overdue keys outside
    // the flagged groups off again, which would hide a stale group there.
    const counts = () => [{}, { severities: ['critical' as const] }].map((finding) => queryInventory(v.db, inventoryQueryInputSchema.parse({ filter: { finding } }), now).total);
    const total = () => {
      expect(counts()).toEqual([withRsa.length, critical.length]);
      return withRsa.length;
    };
    expect(total()).toBe(withRsa.length);
    try {
      // Out of its flagged group: still counted, by its own finding (rsa-roca), as a key outside
      // every flagged group. A stale group would leave it out of the count.
      moveTo('ext-rsa', 'dek-old');
      expect(total()).toBe(withRsa.length);
      expect(names({ finding: {} })).toEqual(withRsa);
      expect(names({ finding: { severities: ['critical'] } })).toEqual(critical);
      restore();
      expect(total()).toBe(withRsa.length);
      // Into root-ca's group (flagged critical, two keys then): counted once, with the group. A
      // stale group (its old one, empty now) would count it a second time as outside.
      moveTo('ext-rsa', 'root-ca');
      expect(total()).toBe(withRsa.length);
      restore();
      expect(total()).toBe(withRsa.length);
      // Again, with more moves after it than the log keeps: the cache reads every group again.
      moveTo('ext-rsa', 'root-ca');
      for (let i = 0; i < 300; i++) flip.run('demo-client');
      expect(total()).toBe(withRsa.length);
      restore();
      expect(total()).toBe(withRsa.length);
      expect(names({ finding: { severities: ['critical'] } })).toEqual(critical);
    } finally {
      restore();
    }
  });

  it('keep nothing judged inside a transaction that rolls back', () => {
    const critical = () => queryInventory(v.db, inventoryQueryInputSchema.parse({ filter: { finding: { rules: ['baseline.storage.ca'] } } }), now).rows.map((r) => r.name);
    expect(critical()).toEqual(['root-ca']);
    const tx = v.db.transaction(() => {
      v.db.prepare("UPDATE keys SET purpose = 'ca-root' WHERE name = 'web-tls-1'").run();
      expect(critical().sort()).toEqual(['root-ca', 'web-tls-1']);
      throw new Error('roll back');
    });
    expect(() => tx()).toThrow('roll back');
    // The same counter values again, with other contents: a cached judgement would list web-tls-1.
    v.db.prepare("UPDATE keys SET purpose = 'ca-root' WHERE name = 'dek-1'").run();
    try {
      expect(critical().sort()).toEqual(['dek-1', 'root-ca']);
    } finally {
      v.db.prepare("UPDATE keys SET purpose = 'data-encryption' WHERE name = 'dek-1'").run();
    }
  });

  it('see a finding written for a key of an unflagged group, and see it removed, though no group changed', () => {
    const dek = ids.get('dek-1')!;
    const before = names({ finding: {} });
    expect(before).not.toContain('dek-1');
    v.db.prepare("INSERT INTO analysis_findings (key_id, source, rule, severity, title, found_at) VALUES (?, 'epochs', 'x', 'info', 'x', ?)").run(dek, now.toISOString());
    expect(names({ finding: {} })).toEqual([...before, 'dek-1'].sort());
    expect(queryInventory(v.db, inventoryQueryInputSchema.parse({ filter: { finding: {} } }), now).total).toBe(before.length + 1);
    v.db.prepare("DELETE FROM analysis_findings WHERE source = 'epochs'").run();
    expect(names({ finding: {} })).toEqual(before);
    expect(queryInventory(v.db, inventoryQueryInputSchema.parse({ filter: { finding: {} } }), now).total).toBe(before.length);
  });

  it('see a certificate finding reach a key through its fingerprint', () => {
    const before = names({ finding: {} });
    expect(before).not.toContain('dek-1');
    const fp = 'fd'.repeat(32);
    // dek-1 is symmetric and has no fingerprint in the fixture; give it one a certificate names.
    v.db.prepare('UPDATE keys SET fingerprint = ? WHERE name = ?').run(fp, 'dek-1');
    expect(names({ finding: {} })).toEqual(before);
    v.db
      .prepare(
        `INSERT INTO certificates (id, fingerprint, der, subject, issuer, serial, not_before, not_after, signature_algorithm, spki_fingerprint, profile, trust, is_ca, first_seen_at)
         VALUES ('epoch-cert-2', 'epoch-cert-2-fp', x'3000', 'CN=e', 'CN=e', '03', ?, ?, 'ecdsa-with-SHA256', ?, 'tls-server', 'private', 0, ?)`,
      )
      .run(now.toISOString(), now.toISOString(), fp, now.toISOString());
    v.db.prepare("INSERT INTO analysis_findings (certificate_id, source, rule, severity, title, found_at) VALUES ('epoch-cert-2', 'epochs', 'cert-x', 'warning', 'x', ?)").run(now.toISOString());
    try {
      expect(names({ finding: {} })).toEqual([...before, 'dek-1'].sort());
    } finally {
      v.db.prepare("DELETE FROM analysis_findings WHERE source = 'epochs'").run();
      v.db.prepare("DELETE FROM certificates WHERE id = 'epoch-cert-2'").run();
      v.db.prepare('UPDATE keys SET fingerprint = NULL WHERE name = ?').run('dek-1');
    }
    expect(names({ finding: {} })).toEqual(before);
  });
});
