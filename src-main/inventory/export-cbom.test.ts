import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { createCore, type CustosCore } from '../app/core.js';
import { parseCbom } from '../cbom/import.js';
import { UnlockedVault } from '../vault/vault.js';
import { FIXTURE, FIXTURE_NOW, insertFixture } from './test-fixture.js';
import { writeSelectionCbom } from './export-cbom.js';
import { runCli } from '../cli/run.js';
import type { CliIo } from '../cli/io.js';

/** The bulk action "Export CBOM": a CycloneDX CBOM of selected keys or of a filter's matches. */

let root: string;
let core: CustosCore | undefined;
const t = Date.parse('2026-06-01T08:00:00Z');

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core!.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}
async function code(channel: ChannelName, input: unknown): Promise<string> {
  const r = await dispatch(core!.handlers, channel, input);
  return r.ok ? 'ok' : r.error.code;
}

interface Component {
  type: string;
  'bom-ref': string;
  cryptoProperties: { assetType: string; relatedCryptoMaterialProperties?: { id: string }; certificateProperties?: { subjectPublicKeyRef?: string } };
}
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { components: Component[] };
const keyIds = (bom: { components: Component[] }) => bom.components.filter((c) => c.cryptoProperties.assetType === 'related-crypto-material').map((c) => c.cryptoProperties.relatedCryptoMaterialProperties!.id).sort();
const refsOf = (bom: { components: Component[] }, assetType: string) => bom.components.filter((c) => c.cryptoProperties.assetType === assetType).map((c) => c['bom-ref']).sort();

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'custos-inv-cbom-'));
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('inventory.exportCbom', () => {
  it('writes the selected keys, their algorithms and their certificates only, and leaves the connection as it was', async () => {
    const v = await UnlockedVault.create(join(root, 'direct'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => FIXTURE_NOW });
    try {
      const ids = insertFixture(v);
      const picked = ['demo-client', 'dek-1', 'ext-rsa'].map((n) => ids.get(n)!);
      const r = writeSelectionCbom(v, { ids: picked }, join(root, 'sel.cdx.json'), { now: FIXTURE_NOW, toolVersion: 'test' });
      expect(r.count).toBe(3);
      const text = readFileSync(r.path, 'utf8');
      expect(parseCbom(text).components).toHaveLength(r.components);
      const bom = read(r.path);
      expect(keyIds(bom)).toEqual([...picked].sort());
      expect(refsOf(bom, 'algorithm')).toEqual(['crypto/algorithm/aes-256', 'crypto/algorithm/ec-p256', 'crypto/algorithm/rsa-2048', 'crypto/algorithm/signature/ecdsa-with-SHA256']);
      // demo-client's certificate, linked to its key; no other certificate exists in the fixture.
      const certs = bom.components.filter((c) => c.cryptoProperties.assetType === 'certificate');
      expect(certs.map((c) => c.cryptoProperties.certificateProperties!.subjectPublicKeyRef)).toEqual([`crypto/key/${ids.get('demo-client')}`]);
      // The export changes nothing on the connection: every key is still visible, no TEMP object is left.
      expect(v.db.prepare('SELECT count(*) FROM keys').pluck().get()).toBe(FIXTURE.length);
      expect(v.db.prepare("SELECT count(*) FROM sqlite_temp_master WHERE type = 'view'").pluck().get()).toBe(0);
      expect(statSync(r.path).mode & 0o777).toBe(0o600);
      // A filter: the token keys.
      const f = writeSelectionCbom(v, { filter: { stores: ['token'] } }, join(root, 'tok.cdx.json'), { now: FIXTURE_NOW, toolVersion: 'test' });
      expect(keyIds(read(f.path))).toEqual([ids.get('hsm-sign')!, ids.get('compromised-1')!].sort());
      const events = v.audit.list({ operation: 'cbom.export', limit: 10 });
      expect(events.map((e) => e.details)).toEqual([
        expect.objectContaining({ keys: 2, via: 'inventory', filter: JSON.stringify({ stores: ['token'] }) }),
        expect.objectContaining({ keys: 3, via: 'inventory', selection: 'ids', path: r.path }),
      ]);
    } finally {
      v.close();
    }
  });

  it('from the command line: key ids or a filter, --out FILE', async () => {
    const v = await UnlockedVault.create(join(root, 'cli'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST, now: () => FIXTURE_NOW });
    const ids = insertFixture(v);
    v.close();
    const passFile = join(root, 'pass.txt');
    writeFileSync(passFile, 'alice long passphrase\n', { mode: 0o600 });
    const custos = async (...args: string[]) => {
      let out = '';
      let err = '';
      const io: CliIo = { stdout: (x) => (out += x), stderr: (x) => (err += x), env: { HOME: root }, readStdin: async () => '' };
      return { code: await runCli(['--vault', join(root, 'cli'), '--user', 'alice', '--passphrase-file', passFile, ...args], io, 'test'), out, err };
    };
    const byFilter = await custos('inventory', 'export-cbom', '--filter', '{"stores":["token"]}', '--out', join(root, 'tokens.cdx.json'));
    expect(byFilter.code, byFilter.err).toBe(0);
    expect(byFilter.out).toMatch(/Wrote 2 keys/);
    expect(keyIds(read(join(root, 'tokens.cdx.json')))).toEqual([ids.get('hsm-sign')!, ids.get('compromised-1')!].sort());
    const bySearch = await custos('inventory', 'export-cbom', '--search', 'web', '--out', join(root, 'web.cdx.json'), '--json');
    expect(JSON.parse(bySearch.out).count).toBe(2);
    expect((await custos('inventory', 'export-cbom', ids.get('root-ca')!, '--out', join(root, 'one.cdx.json'))).code).toBe(0);
    expect(keyIds(read(join(root, 'one.cdx.json')))).toEqual([ids.get('root-ca')]);
    expect((await custos('inventory', 'export-cbom', ids.get('root-ca')!, '--filter', '{}', '--out', join(root, 'x.json'))).code).not.toBe(0);
    expect((await custos('inventory', 'export-cbom', '--filter', '{}')).code).not.toBe(0);
  });

  it('through the core: one audit event, the export folder, refusals that write nothing', async () => {
    core = createCore({ vaultDir: join(root, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0, now: () => new Date(t), exportDir: join(root, 'exports') });
    await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
    await call('users.add', { name: 'audrey', role: 'auditor', passphrase: 'audrey long passphrase' });
    const a = await call('keys.generate', { name: 'api-tls', algorithm: 'ec-p256', purpose: 'tls-server' });
    const b = await call('keys.generate', { name: 'backup-kek', algorithm: 'aes-256', purpose: 'key-wrapping' });
    await call('keys.generate', { name: 'ssh', algorithm: 'ed25519' });
    const r = await call('inventory.exportCbom', { ids: [a.id, b.id] });
    expect(r.count).toBe(2);
    expect(r.path.startsWith(join(root, 'exports'))).toBe(true);
    expect(statSync(r.path).size).toBe(r.bytes);
    expect(keyIds(read(r.path))).toEqual([a.id, b.id].sort());
    const byFilter = await call('inventory.exportCbom', { filter: { algorithms: ['ed25519', 'aes-256'] } });
    expect(byFilter.count).toBe(2);
    expect(refsOf(read(byFilter.path), 'algorithm')).toEqual(['crypto/algorithm/aes-256', 'crypto/algorithm/ed25519']);
    expect((await call('audit.list', { operation: 'cbom.export' })).items).toHaveLength(2);
    // An unknown id, or both ids and a filter: refused, nothing written, nothing recorded.
    const files = readdirSync(join(root, 'exports')).length;
    expect(await code('inventory.exportCbom', { ids: [a.id, 'f'.repeat(32)] })).toBe('E_NOT_FOUND');
    expect(await code('inventory.exportCbom', { ids: [a.id], filter: {} })).toBe('E_INPUT');
    expect(readdirSync(join(root, 'exports')).length).toBe(files);
    expect((await call('audit.list', { operation: 'cbom.export' })).items).toHaveLength(2);
    // An auditor may read the inventory, so may export its description.
    await call('session.login', { user: 'audrey', passphrase: 'audrey long passphrase' });
    expect((await call('inventory.exportCbom', { filter: { states: ['pre-active'] } })).count).toBe(3);
  });
});
