import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, type ChannelName, type ChannelOutput } from '../../src-shared/contract.js';
import { ALGORITHM_IDS } from '../../src-shared/keys.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { filesUnder, findSecrets } from '../testing/scan.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { createCore, type CustosCore } from './core.js';

const PASS = 'correct horse battery staple';

let dir: { path: string; cleanup: () => void };
let core: CustosCore;

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}

async function fails(channel: ChannelName, input: unknown): Promise<string> {
  const r = await dispatch(core.handlers, channel, input);
  expect(r.ok, `${channel} should fail`).toBe(false);
  return r.ok ? '' : r.error.code;
}

beforeEach(() => {
  dir = tempDir();
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0 });
});
afterEach(async () => {
  await core.close();
  dir.cleanup();
});

describe('the first slice through the core', () => {
  it('creates a vault whose administrator is unlocked, and refuses a second creation', async () => {
    expect(await call('vault.status', {})).toMatchObject({ exists: false, unlocked: false, user: null });
    const s = await call('vault.create', { adminName: 'alice', passphrase: PASS });
    expect(s).toMatchObject({ exists: true, unlocked: true, user: { name: 'alice', role: 'administrator' } });
    expect(s.vaultId).toMatch(/^[0-9a-f]{32}$/);
    expect(await fails('vault.create', { adminName: 'bob', passphrase: PASS })).toBe('E_VAULT_EXISTS');
  });

  it('writes a database file that is encrypted from its first byte', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    await call('vault.lock', {});
    const head = readFileSync(join(dir.path, 'vault', 'vault.db')).subarray(0, 16);
    expect(head.toString('latin1')).not.toContain('SQLite format 3');
  });

  it('generates every listed algorithm with a fingerprint of its SPKI or a KCV', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    const algorithms = ALGORITHM_IDS.filter((a) => a !== 'rsa-4096' && a !== 'rsa-3072');
    for (const algorithm of algorithms) {
      const k = await call('keys.generate', { name: `k-${algorithm}`, algorithm });
      expect(k).toMatchObject({ algorithm, state: 'pre-active', store: 'vault', version: 1, origin: 'generated', token: null });
      const detail = await call('keys.get', { id: k.id });
      if (algorithm === 'hmac-sha256') {
        expect(k.kcv).toBeNull();
        expect(k.fingerprint).toBeNull();
      } else if (algorithm.startsWith('aes')) {
        expect(k.kcv).toMatch(/^[0-9a-f]{6}$/);
        expect(k.fingerprint).toBeNull();
        expect(detail.publicKeyPem).toBeNull();
      } else {
        expect(k.kcv).toBeNull();
        const spki = createPublicKey(detail.publicKeyPem!).export({ type: 'spki', format: 'der' });
        expect(k.fingerprint).toBe(createHash('sha256').update(spki).digest('hex'));
      }
    }
    const list = await call('keys.list', {});
    expect(list.total).toBe(algorithms.length);
  });

  it('stores private material that matches the public key and opens only under its own id', async () => {
    const vaultDir = join(dir.path, 'direct');
    const v = await UnlockedVault.create(vaultDir, { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST });
    try {
      const { KeyService } = await import('../keys/key-service.js');
      const k = await new KeyService(v).generate({ name: 'p384', algorithm: 'ec-p384' });
      const { material, purpose } = v.openMaterial(k.id, 1);
      expect(purpose).toBe('private-pkcs8');
      const pub = createPublicKey(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
      expect(createHash('sha256').update(pub).digest('hex')).toBe(k.fingerprint);
      // Moving a sealed blob to another key id must fail its AAD check.
      const other = await new KeyService(v).generate({ name: 'other', algorithm: 'aes-256' });
      v.db.prepare('UPDATE key_material SET nonce = (SELECT nonce FROM key_material WHERE key_id = ?), box = (SELECT box FROM key_material WHERE key_id = ?) WHERE key_id = ?').run(k.id, k.id, other.id);
      expect(() => v.openMaterial(other.id, 1)).toThrow(/integrity/);
    } finally {
      v.close();
    }
  });

  it('locks, refuses a wrong passphrase and an unknown user alike, and unlocks with the right one', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    const k = await call('keys.generate', { name: 'payments-signing', algorithm: 'ec-p256' });
    const locked = await call('vault.lock', {});
    expect(locked).toMatchObject({ exists: true, unlocked: false, user: null });
    expect(await fails('keys.list', {})).toBe('E_VAULT_LOCKED');
    expect(await fails('vault.unlock', { user: 'alice', passphrase: 'wrong passphrase!' })).toBe('E_AUTH_FAILED');
    expect(await fails('vault.unlock', { user: 'mallory', passphrase: PASS })).toBe('E_AUTH_FAILED');
    expect(await call('vault.unlock', { user: 'ALICE', passphrase: PASS })).toMatchObject({ unlocked: true, user: { name: 'alice' } });
    expect((await call('keys.list', {})).items.map((i) => i.id)).toEqual([k.id]);
  });

  it('records every change in a verifying audit chain, in order', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    const k = await call('keys.generate', { name: 'a', algorithm: 'ed25519' });
    await call('vault.lock', {});
    await call('vault.unlock', { user: 'alice', passphrase: PASS });
    const events = (await call('audit.list', {})).items.reverse();
    expect(events.map((e) => e.operation)).toEqual(['user.create', 'vault.create', 'key.generate', 'vault.lock', 'vault.unlock']);
    expect((await call('audit.list', { operation: 'key.generate', actor: 'alice', outcome: 'success' })).items).toHaveLength(1);
    expect((await call('audit.list', { from: '2999-01-01T00:00:00Z' })).items).toHaveLength(0);
    expect(events[2]).toMatchObject({ keyId: k.id, keyVersion: 1, actor: 'alice', outcome: 'success' });
    expect((await call('audit.list', { keyId: k.id })).items).toHaveLength(1);
    const check = await call('audit.verify', {});
    expect(check).toMatchObject({ ok: true, events: 5, firstBadSeq: null });
  });

  it('refuses a header whose stored parameters were edited', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    await call('vault.lock', {});
    const path = join(dir.path, 'vault', 'header.json');
    const header = JSON.parse(readFileSync(path, 'utf8'));
    header.createdAt = '2001-01-01T00:00:00.000Z';
    writeFileSync(path, JSON.stringify(header));
    expect(await fails('vault.unlock', { user: 'alice', passphrase: PASS })).toBe('E_HEADER_TAMPERED');
    writeFileSync(path, '{not json');
    expect(await fails('vault.unlock', { user: 'alice', passphrase: PASS })).toBe('E_HEADER_TAMPERED');
  });
});

describe('the contract at the boundary', () => {
  const malformed: Record<ChannelName, unknown[]> = {
    'app.info': [42, { extra: 1 }],
    'vault.status': ['x', { extra: true }],
    'vault.create': [{}, { adminName: 'bad name!', passphrase: PASS }, { adminName: 'eve', passphrase: 'short' }, { adminName: 'eve', passphrase: PASS, role: 'x' }],
    'vault.unlock': [{ user: 'alice' }, { user: '', passphrase: PASS }, null],
    'vault.lock': [{ now: true }],
    'vault.unlockToken': [{ serial: 'x' }, { serial: '', pin: '1234' }],
    'methods.addToken': [{ holder: 'alice', serial: 'x' }],
    'keys.list': [{ limit: 0 }, { limit: 100000 }, { sort: 'secret' }, { offset: -1 }],
    'keys.get': [{ id: 'not-hex' }, { id: 42 }, {}],
    'keys.generate': [{ name: 'x', algorithm: 'rsa-512' }, { name: '', algorithm: 'ec-p256' }, { name: 'a\u0007b', algorithm: 'ec-p256' }, { name: 'x' }, { name: 'x', algorithm: 'ec-p256', usage: 0 }, { name: 'x', algorithm: 'ec-p256', usage: 0x4000 }],
    'vault.unlockQuorum': [{ custodians: [] }, { custodians: [{ user: 'a' }] }, { custodians: 'alice' }],
    'session.login': [{ user: 'alice' }, { passphrase: PASS }],
    'session.logout': [{ user: 'x' }],
    'settings.get': [7],
    'settings.set': [{ idleLockMinutes: -1 }, { idleLockMinutes: 1.5 }, { theme: 'dark' }, { destructionWaitDays: 0 }, { destructionWaitDays: 91 }],
    'users.list': [{ all: true }],
    'users.add': [{ name: 'bob', role: 'king', passphrase: PASS }, { name: 'bob', role: 'auditor', passphrase: 'short' }, { name: '../x', role: 'auditor', passphrase: PASS }],
    'users.disable': [{}, { name: '' }],
    'users.setRole': [{ name: 'bob' }, { name: 'bob', role: 'root' }],
    'users.changePassphrase': [{ name: 'alice', newPassphrase: 'short' }],
    'methods.list': ['x'],
    'methods.addPassphrase': [{ user: 'alice' }],
    'methods.setQuorum': [{ threshold: 1, custodians: [] }, { threshold: 2, custodians: [{ user: 'a', passphrase: PASS }] }],
    'methods.remove': [{ id: 'zz' }],
    'approvals.list': [{ status: 'done' }],
    'approvals.approve': [{ id: 'x' }, { id: 'a'.repeat(32), approver: { user: 'bob' } }],
    'approvals.reject': [{ id: 'a'.repeat(32), reason: '' }],
    'policy.dualControl.get': [{ v: 1 }],
    'policy.view': [{ pack: 'x' }],
    'policy.evaluate': [{ asOf: '2031-13-01' }, { asOf: 'someday' }, { limit: 0 }],
    'policy.setComposition': [{ packs: [] }, { packs: 'nist' }],
    'tasks.list': [{ horizonDays: 0 }],
    'policy.dualControl.set': [{ policy: { version: 0, expiryHours: 1, operations: {} } }, { policy: { version: 1, expiryHours: 1, operations: { 'key.destroy': { approvals: 0, roles: [] } } } }],
    'keys.transition': [{ id: 'a'.repeat(32), action: 'explode' }, { id: 'a'.repeat(32), action: 'revoke', reason: 'bored' }],
    'keys.rotate': [{ id: 'a'.repeat(32), processDays: -1 }],
    'keys.versions': [{ id: 'x' }],
    'keys.schedule': [{ id: 'a'.repeat(32), activationAt: 'tomorrow' }, { id: 'a'.repeat(32), maxUses: 0 }],
    'keys.destroy': [{ id: 'a'.repeat(32), afterDays: 0 }, { id: 'a'.repeat(32), afterDays: 91 }],
    'keys.cancelDestruction': [{}],
    'keys.exportPublic': [{ id: 'a'.repeat(32), format: 'der' }],
    'keys.csr': [{ id: 'a'.repeat(32) }, { id: 'a'.repeat(32), subject: 'x' }],
    'keys.selfSign': [{ id: 'a'.repeat(32), subject: 'CN=x', days: 0, ca: true }, { id: 'a'.repeat(32), subject: 'CN=x', days: 10 }],
    'keys.sign': [{ id: 'a'.repeat(32), data: 'not base64!!' }, { id: 'a'.repeat(32), data: '', mechanism: 'md5' }],
    'keys.verify': [{ id: 'a'.repeat(32), data: 'AA==' }],
    'keys.encrypt': [{ id: 'a'.repeat(32), data: 'AA==', mechanism: 'des' }],
    'keys.decrypt': [{ id: 'a'.repeat(32) }],
    'tokens.modules': [{ path: '/tmp/evil.so' }],
    'tokens.list': [{ all: 1 }],
    'tokens.mechanisms': [{ serial: '' }],
    'tokens.login': [{ serial: 'x' }, { serial: 'x', pin: '' }],
    'tokens.logout': [{}],
    'tokens.discover': [{ serial: 42 }],
    'tokens.init': [{ module: '/usr/lib/softhsm/libsofthsm2.so', slotId: 0, label: 'x', soPin: '1', userPin: '123456' }, { module: 'm', slotId: -1, label: 'x', soPin: '1234', userPin: '1234' }],
    'audit.list': [{ limit: -5 }, { keyId: 'zz' }, { from: 'yesterday' }, { outcome: 'maybe' }],
    'audit.verify': [[1, 2]],
    'audit.export': [{ path: '/etc/passwd' }],
    // issue 4 smart-card login channels (src-shared/cards.ts)
    'session.loginCard': [{ user: 'alice', serial: 'x' }, { user: 'alice', serial: '', pin: '1234' }, { user: 'bad name!', serial: 'x', pin: '1234' }, { user: 'alice', serial: 'x', pin: '' }],
    'users.cards': [{ all: true }],
    'users.setCard': [{ name: 'bob', serial: 'x', key: 'ZZ', pin: '1234' }, { name: 'bob', serial: 'x', key: 'abc', pin: '1234' }, { name: 'bob', key: 'ab', pin: '1234' }, { name: 'bob', serial: 'x', key: 'ab' }],
    'users.removeCard': [{}, { name: '' }, { name: 'bob', serial: 'x' }],
    // issue 6 channels (contract-ceremonies.ts)
    'ceremonies.templates': [{ all: true }, 'x'],
    'ceremonies.start': [{ templateId: 'root-ca-key-generation', participants: [] }, { templateId: 'Bad Id!', participants: [{ user: 'alice', role: 'ceremony-administrator' }], administrator: { user: 'alice', passphrase: PASS } }, { templateId: 'key-backup', participants: [{ user: 'alice', role: 'king' }], administrator: { user: 'alice', passphrase: PASS } }, { templateId: 'key-backup', participants: [{ user: 'alice', role: 'auditor' }], administrator: { user: 'alice' } }],
    'ceremonies.current': [{ id: 'x' }],
    'ceremonies.attest': [{ ceremonyId: 'x', stepId: 'a', person: { user: 'alice', passphrase: PASS } }, { ceremonyId: 'a'.repeat(32), stepId: 'a', person: { user: 'alice', passphrase: '' } }, { ceremonyId: 'a'.repeat(32), stepId: 'a', person: { user: 'alice', passphrase: PASS }, share: { kind: 'mnemonic', mnemonic: 'short' } }, { ceremonyId: 'a'.repeat(32), stepId: 'a', person: { user: 'alice', passphrase: PASS }, share: { kind: 'component', hex: 'zz'.repeat(20) } }],
    'ceremonies.perform': [{ ceremonyId: 'a'.repeat(32), stepId: 'a' }, { ceremonyId: 'a'.repeat(32), stepId: 'a', actor: { user: 'alice', passphrase: PASS }, keyId: 'nope' }, { ceremonyId: 'a'.repeat(32), stepId: 'a', actor: { user: 'alice', passphrase: PASS }, text: '' }],
    'ceremonies.note': [{ ceremonyId: 'a'.repeat(32), person: { user: 'alice', passphrase: PASS }, text: '   ' }],
    'ceremonies.abort': [{ ceremonyId: 'a'.repeat(32), person: { user: 'alice', passphrase: PASS }, reason: '' }, { ceremonyId: 'a'.repeat(32), reason: 'fire alarm' }],
    'ceremonies.export': [{ ceremonyId: '../../etc' }, { ceremonyId: 'a'.repeat(32), path: '/tmp/x.tar' }],
    'backups.create': [{ keyId: 'a'.repeat(32), scheme: 'shamir', threshold: 2, custodians: ['bob', 'carol'] }, { keyId: 'a'.repeat(32), scheme: 'slip39', threshold: 0, custodians: ['bob', 'carol'] }, { keyId: 'a'.repeat(32), scheme: 'slip39', threshold: 2, custodians: ['bob'] }],
    'backups.revealShare': [{ packageId: 'a'.repeat(32), person: { user: 'bob' } }, { packageId: 'x', person: { user: 'bob', passphrase: PASS } }],
    'backups.verifyShare': [{ packageText: '{}' }, { packageText: '{}', share: { kind: 'paper', text: 'x' } }],
    'backups.recover': [{ packageText: '{}', custodians: [] }, { packageText: '{}', custodians: [{ person: { user: 'bob', passphrase: PASS } }] }],
    // issue 7 import channels (contract-discovery.ts)
    'import.paths': [{ paths: [] }, { paths: ['relative/path'] }, { paths: ['/x\u0000y'] }, { paths: ['/x'], passphrases: { '/x': '' } }, { paths: ['/x'], passphrases: { 'x': 'pw' } }, { paths: ['/x'], jobId: 'bad id!' }, { paths: ['/x'], importPrivate: 'yes' }],
    'import.upload': [{ files: [] }, { files: [{ name: 'a/b.pem', content: 'AA==' }] }, { files: [{ name: 'a.pem', content: 'not base64!' }] }, { files: [{ name: '', content: 'AA==' }] }, { files: [{ name: 'a.pem', content: 'A'.repeat(900_004) }] }, { files: [1, 2, 3].map((i) => ({ name: `${i}.pem`, content: 'A'.repeat(400_000) })) }, { files: [{ name: 'a.pem', content: 'AA==', passphrase: '' }] }],
    'certificates.forKey': [{ keyId: 'x' }, {}, { keyId: 'a'.repeat(32), all: true }],
    'certificates.get': [{ id: 'zz' }, { id: 'a'.repeat(32), extra: 1 }, {}],
    'import.pickPaths': [{ kind: 'anything' }, { title: '' }, { kind: 'files', multiple: true }],
    // issue 7 analysis channels (contract-analysis.ts)
    'analysis.run': [{ expiryHorizonDays: 0 }, { jobId: 'bad id!' }, { blocklist: '/x' }],
    'analysis.cancel': [{ all: true }],
    'analysis.findings': [{ severity: 'fatal' }, { keyId: 'xyz' }, { limit: 0 }, { rule: 'Bad Rule' }, { certificateId: 'zz' }],
    'analysis.summary': [{ x: 1 }],
    'analysis.scanTls': [{ targets: [] }, { targets: 'a:1' }, { targets: ['a:1'], timeoutMs: 10 }, { targets: Array(257).fill('a:1') }],
    'analysis.exportCbom': [{ path: '/etc/passwd' }],
    'analysis.importCbom': [{ name: 'x' }, { name: '', content: '{}' }, { content: '{}' }],
    'analysis.loadBlocklist': [{ path: 'relative/blocklist.dat' }, {}, { path: '/x\u0000y' }],
    // issue 8 channels (contract-inventory.ts)
    'inventory.query': [{ limit: 0 }, { limit: 201 }, { sort: { field: 'secret' } }, { filter: { states: ['melted'] } }, { filter: { stores: ['cloud'] } }, { filter: { tags: ['Bad Tag!'] } }, { filter: { ageDays: { min: -1 } } }, { filter: { due: { from: 'soon' } } }, { filter: { search: '' } }, { filter: { owner: 'x' } }, { offset: -1 }],
    'inventory.aggregates': [{ asOf: '2031-13-01' }, { compareAsOf: 'later' }, { extra: 1 }],
    'inventory.views.list': [{ all: true }],
    'inventory.views.save': [{ name: '', filter: {} }, { name: 'x', filter: { states: [] } }, { name: 'a\u0007b', filter: {} }],
    'inventory.views.delete': [{ id: 'x' }, {}],
    'inventory.bulk': [{ target: { ids: [] }, action: { kind: 'tag', tags: ['x'] } }, { target: { ids: ['zz'] }, action: { kind: 'tag', tags: ['x'] } }, { target: { filter: {} }, action: { kind: 'explode' } }, { target: { filter: {} }, action: { kind: 'scheduleRotation', at: 'tomorrow' } }, { target: { filter: {} }, action: { kind: 'setOwner', owner: '' } }],
    'report.compliance': [{ format: 'docx' }, { asOf: 'today', format: 'json' }, {}],
    'report.evidence': [{ asOf: '2031-02-30x' }, { dir: '/etc' }],
    'inventory.exportCbom': [{}, { ids: [] }, { ids: ['zz'] }, { ids: ['0123456789abcdef0123456789abcdef'], filter: {} }, { filter: { states: ['melted'] } }, { filter: {}, path: '/etc/x' }],
  };

  it('has a malformed case for every channel', () => {
    expect(Object.keys(malformed).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('rejects malformed input on every channel with E_INPUT and changes nothing', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    await call('keys.generate', { name: 'a', algorithm: 'aes-128' });
    const before = { keys: await call('keys.list', {}), audit: (await call('audit.list', {})).items, users: await call('users.list', {}), header: readFileSync(join(dir.path, 'vault', 'header.json')) };
    for (const channel of CHANNEL_NAMES) {
      for (const input of malformed[channel]) {
        const r = await dispatch(core.handlers, channel, input);
        expect(r, `${channel} ${JSON.stringify(input)}`).toMatchObject({ ok: false, error: { code: 'E_INPUT' } });
      }
    }
    expect(await call('vault.status', {})).toMatchObject({ unlocked: true });
    expect(await call('keys.list', {})).toEqual(before.keys);
    expect((await call('audit.list', {})).items).toEqual(before.audit);
    expect(await call('users.list', {})).toEqual(before.users);
    expect(readFileSync(join(dir.path, 'vault', 'header.json')).equals(before.header)).toBe(true);
  });

  it('answers an unknown channel with E_UNKNOWN_CHANNEL', async () => {
    const r = await dispatch(core.handlers, 'keys.exportPrivate', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_CHANNEL' } });
  });
});

describe('secrets at rest', () => {
  it('leaves no passphrase, key name or key byte in any file of the vault, its WAL or journal', async () => {
    const vaultDir = join(dir.path, 'vault');
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    const ids: string[] = [];
    for (const algorithm of ['ec-p256', 'ed25519', 'rsa-2048', 'aes-256', 'aes-128'] as const) {
      ids.push((await call('keys.generate', { name: `secret-name-${algorithm}-7f3a`, algorithm })).id);
    }
    // Read the clear material back through the vault (a second session), to know what to look for.
    const v = await UnlockedVault.unlock(vaultDir, { user: 'alice', passphrase: PASS });
    const needles = [
      { label: 'passphrase', bytes: Buffer.from(PASS) },
      ...ALGORITHM_IDS.map((a) => ({ label: `name ${a}`, bytes: Buffer.from(`secret-name-${a}`) })),
    ];
    for (const id of ids) {
      const { material, purpose } = v.openMaterial(id, 1);
      needles.push({ label: `material ${id}`, bytes: Buffer.from(material) });
      if (purpose === 'private-pkcs8') {
        const jwk = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
        const d = Buffer.from(jwk.d!, 'base64url');
        needles.push({ label: `private scalar ${id}`, bytes: d.subarray(0, 16) });
        if (jwk.p) needles.push({ label: `prime ${id}`, bytes: Buffer.from(jwk.p, 'base64url').subarray(0, 16) });
      }
    }
    // Scan while both sessions are open (the WAL holds recent pages) and again after locking.
    const openHits = findSecrets(filesUnder(vaultDir), needles);
    v.close();
    await call('vault.lock', {});
    const closedHits = findSecrets(filesUnder(vaultDir), needles);
    expect(filesUnder(vaultDir).length).toBeGreaterThanOrEqual(2);
    expect(openHits).toEqual([]);
    expect(closedHits).toEqual([]);
    // The check itself must be able to see a secret when one is there.
    writeFileSync(join(vaultDir, 'planted'), Buffer.concat([Buffer.from('xx'), needles[0]!.bytes]));
    expect(findSecrets(filesUnder(vaultDir), needles)).toHaveLength(1);
  });
});

describe('people, dual control and quorum through the channels', () => {
  it('adds people, approves at the keyboard with the approver’s passphrase, sets a quorum and unlocks with it', async () => {
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    expect(await call('users.add', { name: 'bob', role: 'security-officer', passphrase: 'bob long passphrase' })).toMatchObject({ status: 'executed' });
    const pending = await call('users.add', { name: 'carol', role: 'key-custodian', passphrase: 'carol long passphrase', personalUnlock: false });
    expect(pending).toMatchObject({ status: 'pending' });
    expect(await fails('approvals.approve', { id: pending.requestId })).toBe('E_PERMISSION');
    expect(await fails('approvals.approve', { id: pending.requestId, approver: { user: 'bob', passphrase: 'not bob' } })).toBe('E_AUTH_FAILED');
    const approved = await call('approvals.approve', { id: pending.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    expect(approved).toMatchObject({ status: 'executed', approvals: [{ user: 'bob' }] });
    expect((await call('users.list', {})).map((u) => [u.name, u.role, u.personalUnlock])).toEqual([
      ['alice', 'administrator', true],
      ['bob', 'security-officer', true],
      ['carol', 'key-custodian', false],
    ]);

    const quorum = await call('methods.setQuorum', {
      threshold: 2,
      custodians: ['alice', 'bob', 'carol'].map((u) => ({ user: u, passphrase: `${u} share passphrase` })),
    });
    await call('approvals.approve', { id: quorum.requestId, approver: { user: 'bob', passphrase: 'bob long passphrase' } });
    expect((await call('methods.list', {})).map((m) => m.type).sort()).toEqual(['passphrase', 'passphrase', 'quorum']);

    await call('vault.lock', {});
    expect((await call('vault.status', {})).unlockMethods).toEqual({ passphrase: true, quorumThreshold: 2, tokens: [] });
    expect(await fails('vault.unlockQuorum', { custodians: [{ user: 'carol', passphrase: 'carol share passphrase' }] })).toBe('E_AUTH_FAILED');
    const s = await call('vault.unlockQuorum', { custodians: [{ user: 'carol', passphrase: 'carol share passphrase' }, { user: 'bob', passphrase: 'bob share passphrase' }] });
    expect(s).toMatchObject({ unlocked: true, user: null });
    expect(await fails('keys.list', {})).toBe('E_AUTH_FAILED');
    expect(await call('session.login', { user: 'carol', passphrase: 'carol long passphrase' })).toMatchObject({ user: { name: 'carol', role: 'key-custodian' } });
    expect((await call('keys.list', {})).total).toBe(0);
    expect(await fails('settings.set', { idleLockMinutes: 1 })).toBe('E_PERMISSION');
    expect(await fails('users.add', { name: 'dave', role: 'auditor', passphrase: 'dave long passphrase' })).toBe('E_PERMISSION');
    expect((await call('audit.verify', {})).ok).toBe(true);
  });

  it('exports an audit bundle that verifies offline', async () => {
    const { readBundle } = await import('../audit/bundle.js');
    const { verifyBundle } = await import('../audit/verify-bundle.js');
    await call('vault.create', { adminName: 'alice', passphrase: PASS });
    await call('keys.generate', { name: 'k', algorithm: 'ed25519' });
    const out = await call('audit.export', {});
    expect(out.path.startsWith(join(dir.path, 'exports'))).toBe(true);
    const report = verifyBundle(await readBundle(out.path), out.publicKeyFingerprint);
    expect(report).toMatchObject({ ok: true, events: out.events, headHash: out.headHash });
  });
});
