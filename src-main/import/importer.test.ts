import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { spkiFingerprint } from '../keys/identity.js';
import { KeyRepository } from '../keys/repository.js';
import { bundleScript } from '../testing/script-bundle.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { directVault, importContents, importPaths, type FileOutcome } from './importer.js';
import { inProcessParser, workerParser } from './parser.js';
import { buildCorpus, PASSPHRASE, type CorpusFile } from './test-corpus.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
let corpus: CorpusFile[];
let keys: ReturnType<typeof buildCorpus>['keys'];
let workerScript: string;
const parser = inProcessParser();

const byName = (outcomes: FileOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.path.split('/').pop()!, o]));
const count = (sql: string, ...args: unknown[]) => (v.db.prepare(sql).get(...args) as { n: number }).n;

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  ({ files: corpus, keys } = buildCorpus());
  workerScript = await bundleScript(join(import.meta.dirname, 'parse-worker.ts'), 'import-parse-worker');
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

describe('importing a folder of mixed files', () => {
  let outcomes: Record<string, FileOutcome>;

  beforeAll(async () => {
    const folder = join(dir.path, 'mixed');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    // Files are imported in name order; a numeric prefix keeps the corpus order (each key's first file first).
    corpus.forEach((f, i) => writeFileSync(join(folder, i < 5 ? '' : 'sub', `${String(i).padStart(2, '0')}-${f.name}`), f.bytes));
    outcomes = Object.fromEntries(Object.entries(byName(await importPaths(directVault(v), [folder], { parser }))).map(([k, o]) => [k.slice(3), o]));
  });

  it('gives every file the expected outcome, with a reason for each that was not imported', () => {
    for (const f of corpus) {
      expect(outcomes[f.name]?.outcome, f.name).toBe(f.outcome);
      if (f.outcome !== 'imported' && f.outcome !== 'duplicate') expect(outcomes[f.name]!.reason, f.name).toBeTruthy();
    }
    expect(outcomes['dh.pub.pem']!.reason).toContain('DH keys cannot be held');
    expect(outcomes['short-rsa.pub.pem']!.items).toMatchObject([{ type: 'public-key', result: 'new' }]);
  });

  it('records each key once, public parts only, and links certificates to them by SPKI', () => {
    const rsaFp = spkiFingerprint(keys.rsa.export({ type: 'spki', format: 'der' }));
    expect(count('SELECT count(*) AS n FROM keys WHERE fingerprint = ?', rsaFp)).toBe(1);
    expect(count("SELECT count(*) AS n FROM keys WHERE store <> 'external'")).toBe(0);
    expect(count('SELECT count(*) AS n FROM key_material')).toBe(0);
    const www = outcomes['www.pem']!.items[0]!;
    expect(www).toMatchObject({ type: 'certificate', result: 'new', fingerprint: rsaFp, label: 'CN=www.example.org' });
    expect(count('SELECT count(*) AS n FROM certificates WHERE spki_fingerprint = ?', rsaFp)).toBe(1);
    // www.pem, www.der, bundle.p7b: three sightings of the one certificate.
    expect(count('SELECT count(*) AS n FROM certificate_sightings WHERE certificate_id = ?', www.certificateId)).toBe(3);
    expect(new KeyRepository(v.db).get(www.keyId!)).toMatchObject({ name: 'www.example.org', store: 'external', origin: 'imported' });
  });

  it('audits the import as a whole, with what came of it', () => {
    const ev = v.db.prepare("SELECT actor, details FROM audit_events WHERE operation = 'import.files' ORDER BY seq DESC LIMIT 1").get() as { actor: string; details: string };
    expect(ev.actor).toBe('alice');
    expect(JSON.parse(ev.details)).toMatchObject({ files: corpus.length, importPrivate: false, imported: corpus.filter((f) => f.outcome === 'imported').length });
    expect(v.audit.verify().ok).toBe(true);
  });

  it('importing the same folder again gives duplicates and adds nothing', async () => {
    const keysBefore = count('SELECT count(*) AS n FROM keys');
    const again = await importPaths(directVault(v), [join(dir.path, 'mixed')], { parser });
    for (const o of again) expect(['duplicate', 'unsupported', 'malformed', 'password-needed'], o.path).toContain(o.outcome);
    expect(count('SELECT count(*) AS n FROM keys')).toBe(keysBefore);
  });
});

describe('passphrases and private keys', () => {
  it('opens encrypted files with their own passphrases; a wrong one is reported per file', async () => {
    const p12 = corpus.find((f) => f.name === 'www.p12')!;
    const enc = corpus.find((f) => f.name === 'ec-enc.pem')!;
    const r = await importContents(directVault(v), [
      { name: 'a.p12', bytes: p12.bytes, passphrase: PASSPHRASE },
      { name: 'b.pem', bytes: enc.bytes, passphrase: 'wrong' },
    ], { parser });
    expect(r.map((o) => o.outcome)).toEqual(['duplicate', 'wrong-password']);
    expect(r[0]!.items.find((i) => i.type === 'public-key')?.note).toContain('only its public part was recorded');
    expect(r[0]!.items.some((i) => i.type === 'private-key')).toBe(false);
  });

  it('a legacy PKCS#12 (RC2-40 certificates, 3DES key) is read whole: its certificate and key are the ones already imported', async () => {
    const legacy = corpus.find((f) => f.name === 'legacy.p12')!;
    const [o] = await importContents(directVault(v), [{ name: 'legacy.p12', bytes: legacy.bytes, passphrase: PASSPHRASE }], { parser });
    expect(o).toMatchObject({ outcome: 'duplicate', format: 'PKCS#12' });
    expect(o!.items.map((i) => i.type)).toContain('certificate');
    expect(o!.reason).not.toContain('not read');
  });

  it('imports private material sealed into the vault only when asked, moving an external key to the vault', async () => {
    const p12 = corpus.find((f) => f.name === 'www.p12')!;
    const rsaFp = spkiFingerprint(keys.rsa.export({ type: 'spki', format: 'der' }));
    const id = new KeyRepository(v.db).findByFingerprint(rsaFp)!;
    const [o] = await importContents(directVault(v), [{ name: 'www.p12', bytes: p12.bytes, passphrase: PASSPHRASE }], { parser, importPrivate: true });
    expect(o).toMatchObject({ outcome: 'imported' });
    expect(o!.items.find((i) => i.type === 'private-key')).toMatchObject({ result: 'new', keyId: id });
    expect(new KeyRepository(v.db).get(id)).toMatchObject({ store: 'vault', usageMask: 0x1 | 0x2 | 0x10 | 0x20 }); // kept from the certificate's KeyUsage
    // The sealed material opens to the same key (and the database never held it in the clear).
    const { material } = v.openMaterial(id, 1);
    expect(spkiFingerprint(createPublicKey(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' }))).toBe(rsaFp);
    const ev = v.db.prepare("SELECT details FROM audit_events WHERE operation = 'key.import' AND key_id = ? ORDER BY seq DESC LIMIT 1").get(id) as { details: string };
    expect(JSON.parse(ev.details)).toMatchObject({ material: 'private', store: 'vault', upgradedFromExternal: true });
    expect(ev.details).not.toContain(material.toString('base64').slice(0, 20));
    const [again] = await importContents(directVault(v), [{ name: 'www.p12', bytes: p12.bytes, passphrase: PASSPHRASE }], { parser, importPrivate: true });
    expect(again!.outcome).toBe('duplicate');
  });

  it('a new private key the policy forbids keeps only its public part, and says why', async () => {
    const composition = readFileSync(join(import.meta.dirname, '../../resources/policies/compositions/national-security.json'), 'utf8');
    v.db.prepare("INSERT INTO settings (k, v) VALUES ('policy-composition', ?)").run(composition);
    try {
      const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const [o] = await importContents(directVault(v), [{ name: 'p256.pem', bytes: Buffer.from(pem) }], { parser, importPrivate: true });
      expect(o!.items[1]).toMatchObject({ type: 'private-key', result: 'refused', note: expect.stringContaining('policy') });
      expect(o!.reason).toContain('Private key not imported');
      expect(new KeyRepository(v.db).get(o!.items[0]!.keyId!)).toMatchObject({ store: 'external' });
      expect(o!.outcome).toBe('imported');
    } finally {
      v.db.prepare("DELETE FROM settings WHERE k = 'policy-composition'").run();
    }
  });

  it('an auditor may not import', async () => {
    const auditor = new Proxy(v, { get: (t, p) => (p === 'user' ? { ...t.user, role: 'auditor' } : Reflect.get(t, p, t)) });
    const r = importContents(async (fn) => fn(auditor), [{ name: 'x', bytes: Buffer.from('x') }], { parser });
    await expect(r).rejects.toMatchObject({ code: 'E_PERMISSION' });
  });
});

describe('folders are walked safely', () => {
  it('never follows a link out of the chosen folder, never loops, skips FIFOs and oversized files', async () => {
    const root = join(dir.path, 'walk');
    const outside = join(dir.path, 'outside');
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    const cert = corpus.find((f) => f.name === 'www.pem')!.bytes;
    writeFileSync(join(outside, 'secret.pem'), cert);
    writeFileSync(join(root, 'a', 'www.pem'), cert);
    symlinkSync(outside, join(root, 'out-dir'));
    symlinkSync(join(outside, 'secret.pem'), join(root, 'out-file.pem'));
    symlinkSync(root, join(root, 'a', 'loop'));
    symlinkSync(join(root, 'a', 'www.pem'), join(root, 'same.pem'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    writeFileSync(join(root, 'big.pem'), Buffer.alloc(5000, 0x41));
    const r = byName(await importPaths(directVault(v), [root], { parser, maxFileBytes: 4096 }));
    expect(Object.keys(r).sort()).toEqual(['big.pem', 'dangling', 'fifo', 'out-dir', 'out-file.pem', 'www.pem']);
    expect(r['out-dir']!.reason).toMatch(/outside the chosen folder/);
    expect(r['out-file.pem']!.reason).toMatch(/outside the chosen folder/);
    expect(r['fifo']!.reason).toMatch(/not a regular file/);
    expect(r['big.pem']!.reason).toMatch(/limit/);
    expect(r['dangling']!.reason).toMatch(/leads nowhere/);
    expect(r['www.pem']!.outcome).toBe('duplicate');
    expect(count("SELECT count(*) AS n FROM certificate_sightings WHERE location LIKE '%outside%'")).toBe(0);
  });

  it('reports progress for every file', async () => {
    const seen: Array<[number, number]> = [];
    await importPaths(directVault(v), [join(dir.path, 'mixed')], { parser, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBe(corpus.length);
    expect(seen.at(-1)).toEqual([corpus.length, corpus.length]);
  });
});

describe('the parse worker', () => {
  it('parses in a worker thread with the same results', async () => {
    const w = workerParser(workerScript);
    try {
      const r = await importContents(directVault(v), corpus.slice(0, 4).map((f) => ({ name: f.name, bytes: f.bytes })), { parser: w });
      expect(r.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    } finally {
      await w.close();
    }
  });

  it('stops a file that exceeds the per-file bound and goes on with the next', async () => {
    const w = workerParser(workerScript, 1);
    try {
      const enc = corpus.find((f) => f.name === 'id_ecdsa_enc')!;
      const r = await importContents(directVault(v), [{ name: 'slow', bytes: enc.bytes, passphrase: PASSPHRASE }], { parser: w });
      expect(r[0]).toMatchObject({ outcome: 'malformed', reason: expect.stringContaining('longer than') });
    } finally {
      await w.close();
    }
    const w2 = workerParser(workerScript);
    try {
      const r = await importContents(directVault(v), [{ name: 'next', bytes: corpus[0]!.bytes }], { parser: w2 });
      expect(r[0]!.outcome).toBe('duplicate');
    } finally {
      await w2.close();
    }
  });
});
