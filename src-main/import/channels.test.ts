import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../src-shared/contract.js';
import { createCore } from '../app/core.js';
import type { CustosCore } from '../app/core-types.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { dispatch } from '../ipc/dispatch.js';
import { tempDir } from '../testing/temp.js';
import { buildCorpus, PASSPHRASE, type CorpusFile } from './test-corpus.js';

let dir: { path: string; cleanup: () => void };
let core: CustosCore;
let corpus: CorpusFile[];
const events: Array<{ jobId: string; fraction: number }> = [];

async function call<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await dispatch(core.handlers, channel, input);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as ChannelOutput<C>;
}

beforeAll(async () => {
  dir = tempDir();
  corpus = buildCorpus().files;
  core = createCore({ vaultDir: join(dir.path, 'vault'), host: 'browser', version: 'test', kdfCost: MINIMUM_KDF_COST, idleLockMs: 0 } as Parameters<typeof createCore>[0]);
  core.subscribe((event, payload) => {
    if (event === 'job.progress') events.push(payload as { jobId: string; fraction: number });
  });
  await call('vault.create', { adminName: 'alice', passphrase: 'alice long passphrase' });
});
afterAll(async () => {
  await core.close();
  dir.cleanup();
});

describe('import channels', () => {
  it('import.paths imports a folder, reports every file and progress under the job id', async () => {
    const folder = join(dir.path, 'in');
    mkdirSync(folder);
    corpus.forEach((f, i) => writeFileSync(join(folder, `${String(i).padStart(2, '0')}-${f.name}`), f.bytes));
    const r = await call('import.paths', { paths: [folder], jobId: 'job-1' });
    expect(r.files).toHaveLength(corpus.length);
    expect(r.counts.imported + r.counts.duplicate + r.counts.unsupported + r.counts.malformed + r.counts['password-needed']).toBe(corpus.length);
    expect(r.files.find((f) => f.path.endsWith('www.p12'))).toMatchObject({ outcome: 'password-needed' });
    expect(events.filter((e) => e.jobId === 'job-1').at(-1)).toMatchObject({ fraction: 1 });
    // The prompt's answer: the same file again with its passphrase.
    const p12 = r.files.find((f) => f.path.endsWith('www.p12'))!.path;
    const again = await call('import.paths', { paths: [p12], passphrases: { [p12]: PASSPHRASE } });
    expect(again.files[0]).toMatchObject({ outcome: 'duplicate' });
  });

  it('import.upload takes file contents with per-file passphrases and private opt-in', async () => {
    const enc = corpus.find((f) => f.name === 'id_ecdsa_enc')!;
    const r = await call('import.upload', { files: [{ name: 'id_ecdsa_enc', content: enc.bytes.toString('base64'), passphrase: PASSPHRASE }], importPrivate: true });
    expect(r.files[0]).toMatchObject({ outcome: 'imported', items: [{ type: 'private-key', result: 'new' }] });
    const key = await call('keys.get', { id: r.files[0]!.items[0]!.keyId });
    expect(key).toMatchObject({ store: 'vault', origin: 'imported', algorithm: 'ec-p384' });
  });

  it('certificates.forKey lists the linked certificates and certificates.get decodes one', async () => {
    const keys = await call('keys.list', { limit: 100 });
    const www = keys.items.find((k) => k.name === 'www.example.org')!;
    const { items } = await call('certificates.forKey', { keyId: www.id });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ subject: 'CN=www.example.org', issuer: 'CN=Example Root', profile: 'tls-server', keyId: www.id, isCa: false, trust: null });
    const detail = await call('certificates.get', { id: items[0]!.id });
    expect(detail.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(detail).toMatchObject({ keyName: 'www.example.org', subjectAltNames: [{ type: 'dns', value: 'www.example.org' }], extendedKeyUsage: ['serverAuth'], keyUsage: ['digitalSignature', 'keyEncipherment'] });
    // www.pem, www.der, bundle.p7b and www.p12 (opened with its passphrase).
    expect(detail.sightings.map((s) => s.location.split('/').pop()!.slice(3)).sort()).toEqual(['bundle.p7b', 'www.der', 'www.p12', 'www.pem']);
  });

  it('unknown ids are E_NOT_FOUND', async () => {
    await expect(call('certificates.get', { id: 'a'.repeat(32) })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(call('certificates.forKey', { keyId: 'a'.repeat(32) })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
