import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyRepository } from '../keys/repository.js';
import { spkiFingerprint } from '../keys/identity.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import { recordCertificate, recordPublicKey } from './inventory-writer.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;

const auditOps = () => (v.db.prepare('SELECT operation, key_id AS keyId, details FROM audit_events ORDER BY seq').all() as Array<{ operation: string; keyId: string | null; details: string }>);
const count = (table: string) => (v.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** A self-signed certificate made by openssl for a key file, DER. */
function cert(keyPem: string, subject: string, exts: string[]): Buffer {
  const name = Math.random().toString(16).slice(2);
  writeFileSync(join(dir.path, `${name}.key`), keyPem);
  writeFileSync(join(dir.path, `${name}.cnf`), `[req]\ndistinguished_name=dn\n[dn]\n[ext]\n${exts.join('\n')}\n`);
  execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir.path, `${name}.key`), '-subj', subject, '-days', '30', '-config', join(dir.path, `${name}.cnf`), '-extensions', 'ext', '-outform', 'DER', '-out', join(dir.path, `${name}.der`)], { stdio: 'pipe' });
  return readFileSync(join(dir.path, `${name}.der`));
}

/** A finite-field DH public key (named group ffdhe2048, made by openssl), PEM: outside even the inventory-only algorithms. */
function dhPublicPem(): Buffer {
  const priv = execFileSync('openssl', ['genpkey', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048'], { stdio: 'pipe' });
  return execFileSync('openssl', ['pkey', '-pubout'], { input: priv, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  v.close();
  dir.cleanup();
});

describe('recordPublicKey', () => {
  it('creates an external entry with algorithm, size and curve from the SPKI, audited', () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' });
    const before = count('audit_events');
    const r = recordPublicKey(v, { spki, name: 'web-1 key', origin: 'imported', source: '/etc/ssl/web-1.pub' });
    expect(r.created).toBe(true);
    const k = new KeyRepository(v.db).get(r.keyId)!;
    expect(k).toMatchObject({ algorithm: 'ec-p384', family: 'ec', size: 384, curve: 'P-384', store: 'external', origin: 'imported', usageMask: 0, fingerprint: spkiFingerprint(spki), name: 'web-1 key' });
    expect(count('audit_events')).toBe(before + 1);
    const ev = auditOps().at(-1)!;
    expect(ev.operation).toBe('key.import');
    expect(ev.keyId).toBe(r.keyId);
    expect(JSON.parse(ev.details)).toMatchObject({ origin: 'imported', store: 'external', source: '/etc/ssl/web-1.pub', fingerprint: spkiFingerprint(spki) });
    expect(count('key_material')).toBe(0);
  });

  it('returns the existing key for the same SPKI fingerprint and writes nothing', () => {
    const spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    const a = recordPublicKey(v, { spki, name: 'first', origin: 'imported', source: 'a' });
    const keys = count('keys');
    const events = count('audit_events');
    const b = recordPublicKey(v, { spki, name: 'second', origin: 'discovered', source: 'b' });
    expect(b).toMatchObject({ keyId: a.keyId, created: false, name: 'first', algorithm: 'ed25519' });
    expect(count('keys')).toBe(keys);
    expect(count('audit_events')).toBe(events);
  });

  it('refuses algorithms the inventory does not hold with E_UNSUPPORTED, and unreadable SPKI with E_INPUT', () => {
    const spki = createPublicKey(dhPublicPem()).export({ type: 'spki', format: 'der' });
    const keys = count('keys');
    expect(() => recordPublicKey(v, { spki, name: 'x', origin: 'imported', source: 'x' })).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED', message: expect.stringContaining('DH keys cannot be held') }));
    expect(() => recordPublicKey(v, { spki: Buffer.from('3000', 'hex'), name: 'x', origin: 'imported', source: 'x' })).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    expect(count('keys')).toBe(keys);
  });

  it('keeps only usage bits the family can have and strips control characters from names', () => {
    const spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    const r = recordPublicKey(v, { spki, name: 'evil\nname\u0007', origin: 'imported', source: 's', usageMask: KMIP_USAGE.Verify | KMIP_USAGE.Encrypt });
    expect(new KeyRepository(v.db).get(r.keyId)).toMatchObject({ name: 'evil name', usageMask: KMIP_USAGE.Verify });
  });
});

describe('recordCertificate', () => {
  it('stores one row per distinct certificate, a sighting per place, and links it to the key by SPKI', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = cert(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, '/CN=www.example.org', ['keyUsage=digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=DNS:www.example.org']);
    const key = recordPublicKey(v, { spki: pair.publicKey.export({ type: 'spki', format: 'der' }), name: 'www key', origin: 'imported', source: 'k' });
    const a = recordCertificate(v, der, { kind: 'file', location: '/certs/www.pem' });
    expect(a).toMatchObject({ created: true, newSighting: true, keyId: key.keyId, keyCreated: false, profile: 'tls-server', spkiFingerprint: key.fingerprint, subject: 'CN=www.example.org' });
    const b = recordCertificate(v, der, { kind: 'tls', location: '127.0.0.1:8443', chainPosition: 0 });
    expect(b).toMatchObject({ created: false, newSighting: true, certificateId: a.certificateId });
    const c = recordCertificate(v, der, { kind: 'tls', location: '127.0.0.1:8443', chainPosition: 0 });
    expect(c).toMatchObject({ created: false, newSighting: false });
    expect(v.db.prepare('SELECT count(*) AS n FROM certificates WHERE fingerprint = ?').get(a.fingerprint)).toEqual({ n: 1 });
    expect(v.db.prepare('SELECT kind, location, chain_position AS pos FROM certificate_sightings WHERE certificate_id = ? ORDER BY kind').all(a.certificateId)).toEqual([
      { kind: 'file', location: '/certs/www.pem', pos: null },
      { kind: 'tls', location: '127.0.0.1:8443', pos: 0 },
    ]);
    const row = v.db.prepare('SELECT subject, issuer, profile, is_ca, signature_algorithm, spki_fingerprint FROM certificates WHERE id = ?').get(a.certificateId);
    expect(row).toEqual({ subject: 'CN=www.example.org', issuer: 'CN=www.example.org', profile: 'tls-server', is_ca: 0, signature_algorithm: 'ecdsa-with-SHA256', spki_fingerprint: key.fingerprint });
    const ops = auditOps().slice(-3).map((e) => e.operation);
    expect(ops).toEqual(['certificate.record', 'certificate.sighting', 'certificate.sighting']);
  });

  it('creates the public key entry when asked, with the usages its KeyUsage grants, in one transaction', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = cert(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, '/CN=Issuing CA 1/O=Example', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']);
    const r = recordCertificate(v, der, { kind: 'file', location: '/ca.pem' }, { createKey: { origin: 'imported' } });
    expect(r).toMatchObject({ keyCreated: true, profile: 'ca', keyUnsupported: null });
    expect(new KeyRepository(v.db).get(r.keyId!)).toMatchObject({ name: 'Issuing CA 1', algorithm: 'rsa-2048', store: 'external', usageMask: KMIP_USAGE.CertificateSign | KMIP_USAGE.CRLSign });
    expect(v.db.prepare('SELECT is_ca FROM certificates WHERE id = ?').get(r.certificateId)).toEqual({ is_ca: 1 });
  });

  it('leaves a certificate unlinked when nothing has its key and nobody asked to create it', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keys = count('keys');
    const r = recordCertificate(v, cert(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, '/CN=orphan', []), { kind: 'file', location: '/o.pem' });
    expect(r.keyId).toBeNull();
    expect(count('keys')).toBe(keys);
  });

  it('creates an inventory-only key (rsa-1024) for an RSA-1024 certificate, with the usages of its KeyUsage', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const r = recordCertificate(v, cert(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, '/CN=legacy', ['keyUsage=digitalSignature']), { kind: 'file', location: '/l.pem' }, { createKey: { origin: 'discovered' } });
    expect(r).toMatchObject({ keyCreated: true, keyUnsupported: null });
    expect(new KeyRepository(v.db).get(r.keyId!)).toMatchObject({ name: 'legacy', algorithm: 'rsa-1024', family: 'rsa', size: 1024, store: 'external', usageMask: KMIP_USAGE.Sign | KMIP_USAGE.Verify });
  });

  it('stores a certificate whose key the inventory cannot hold (DH), unlinked, and says why', () => {
    const ecKey = join(dir.path, 'dh-signer.pem');
    const dhPub = join(dir.path, 'dh.pub.pem');
    writeFileSync(ecKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(dhPub, dhPublicPem());
    execFileSync('openssl', ['x509', '-new', '-subj', '/CN=dh-peer', '-key', ecKey, '-force_pubkey', dhPub, '-days', '30', '-outform', 'DER', '-out', join(dir.path, 'dh.der')], { stdio: 'pipe' });
    const keys = count('keys');
    const r = recordCertificate(v, readFileSync(join(dir.path, 'dh.der')), { kind: 'file', location: '/dh.pem' }, { createKey: { origin: 'discovered' } });
    expect(r.keyId).toBeNull();
    expect(r.keyUnsupported).toContain('DH keys cannot be held');
    expect(count('keys')).toBe(keys);
    expect(v.db.prepare('SELECT 1 AS y FROM certificates WHERE id = ?').get(r.certificateId)).toEqual({ y: 1 });
  });

  it('writes nothing for bytes that are not a certificate', () => {
    const events = count('audit_events');
    expect(() => recordCertificate(v, Buffer.from('not a certificate'), { kind: 'file', location: '/x' })).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    expect(count('audit_events')).toBe(events);
  });

  it('keeps the audit chain valid across all of the above', () => {
    expect(v.audit.verify().ok).toBe(true);
  });
});
