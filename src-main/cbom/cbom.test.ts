import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { recordCertificate } from '../import/inventory-writer.js';
import { makeCa, makeIssued } from '../certs/openssl-chain.test-support.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { exportCbom } from './export.js';
import { importCbom, parseCbom } from './import.js';
import { bomSchema, componentSchema, MATERIAL_STATES } from './model.js';

let dir: { path: string; cleanup: () => void };
let a: UnlockedVault;
let b: UnlockedVault;

beforeAll(async () => {
  dir = tempDir();
  a = await UnlockedVault.create(join(dir.path, 'a'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  b = await UnlockedVault.create(join(dir.path, 'b'), { adminName: 'bob', passphrase: 'bob long passphrase!', kdfCost: MINIMUM_KDF_COST });
});
afterAll(() => {
  a.close();
  b.close();
  dir.cleanup();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('CycloneDX 1.6 CBOM', () => {
  it('exports keys with their SP 800-57 state, size, fingerprint and algorithm, certificates and algorithms, and no secret', async () => {
    const ks = new KeyService(a);
    const ec = await ks.generate({ name: 'web-signing', algorithm: 'ec-p256' });
    const aes = await ks.generate({ name: 'data-key', algorithm: 'aes-256' });
    const ca = makeCa(dir.path, 'cbom-ca');
    const leaf = makeIssued(dir.path, 'cbom-leaf', ca);
    recordCertificate(a, leaf.der, { kind: 'file', location: '/x/leaf.pem' }, { createKey: { origin: 'imported' } });
    const bom = exportCbom(a.db, { now: new Date(), toolVersion: '0.0.0' }) as Json;
    expect(bomSchema.safeParse(bom).success).toBe(true);
    for (const c of bom.components) expect(componentSchema.safeParse(c).success).toBe(true);
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const byRef = new Map<string, Json>(bom.components.map((c: Json) => [c['bom-ref'], c]));
    const ecC = byRef.get(`crypto/key/${ec.id}`)!;
    expect(ecC.cryptoProperties).toMatchObject({ assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', state: 'pre-activation', size: 256, algorithmRef: 'crypto/algorithm/ec-p256', format: 'DER' } });
    expect(ecC.hashes).toEqual([{ alg: 'SHA-256', content: ec.fingerprint }]);
    expect(byRef.get('crypto/algorithm/ec-p256')!.cryptoProperties).toMatchObject({ assetType: 'algorithm', algorithmProperties: { primitive: 'signature', curve: 'secp256r1', classicalSecurityLevel: 128 } });
    const aesC = byRef.get(`crypto/key/${aes.id}`)!;
    expect(aesC.cryptoProperties.relatedCryptoMaterialProperties).toMatchObject({ type: 'secret-key', size: 256, securedBy: { mechanism: 'Software (encrypted vault)' } });
    expect(aesC.cryptoProperties.relatedCryptoMaterialProperties.value).toBeUndefined();
    const cert = bom.components.find((c: Json) => c.cryptoProperties.assetType === 'certificate');
    expect(cert.cryptoProperties.certificateProperties).toMatchObject({ subjectName: 'CN=cbom-leaf', issuerName: 'CN=cbom-ca', certificateFormat: 'X.509' });
    expect(byRef.has(cert.cryptoProperties.certificateProperties.subjectPublicKeyRef)).toBe(true);
    expect(byRef.has(cert.cryptoProperties.certificateProperties.signatureAlgorithmRef)).toBe(true);
    for (const c of bom.components) {
      const st = c.cryptoProperties.relatedCryptoMaterialProperties?.state;
      if (st) expect(MATERIAL_STATES).toContain(st);
    }
    // Nothing secret: the vault's own material for the AES key is nowhere in the file.
    const material = Buffer.from(a.openMaterial(aes.id, 1).material);
    const text = JSON.stringify(bom);
    expect(text).not.toContain(material.toString('base64'));
    expect(text).not.toContain(material.toString('hex'));
  });

  it('imports the public keys and certificates of a CBOM into another vault, and reports everything else', async () => {
    const text = JSON.stringify(exportCbom(a.db, { now: new Date(), toolVersion: '0.0.0' }));
    const r = importCbom(b, text, 'cbom:inventory.json');
    const outcomes = r.components.map((c) => `${c.outcome}`);
    expect(outcomes.filter((o) => o === 'imported')).toHaveLength(3); // EC key, the leaf's key, the certificate
    expect(r.components.find((c) => c.name === 'data-key')).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('secret-key') });
    expect(r.components.filter((c) => c.ref.startsWith('crypto/algorithm/')).every((c) => c.outcome === 'skipped')).toBe(true);
    const fpA = (a.db.prepare("SELECT fingerprint FROM keys WHERE name = 'web-signing'").get() as { fingerprint: string }).fingerprint;
    expect(b.db.prepare('SELECT name, store, origin FROM keys WHERE fingerprint = ?').get(fpA)).toEqual({ name: 'web-signing', store: 'external', origin: 'imported' });
    expect(b.db.prepare("SELECT kind, location FROM certificate_sightings").all()).toEqual([{ kind: 'cbom', location: 'cbom:inventory.json' }]);
    // Importing again changes nothing: everything is a duplicate.
    expect(importCbom(b, text, 'cbom:inventory.json').components.filter((c) => c.outcome === 'imported')).toEqual([]);
  });

  it('refuses what is not a CycloneDX 1.6 BOM, and reports bad components one by one', () => {
    const code = (t: string) => {
      try {
        parseCbom(t);
        return 'ok';
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(code('{nope')).toBe('E_INPUT');
    expect(code(JSON.stringify({ bomFormat: 'SPDX', specVersion: '1.6' }))).toBe('E_INPUT');
    expect(code(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.4' }))).toBe('E_INPUT');
    expect(code(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: {} }))).toBe('E_INPUT');
    expect(code(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' }))).toBe('ok');
    const bad = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { type: 'cryptographic-asset' },
        { type: 'cryptographic-asset', name: 'x', cryptoProperties: { assetType: 'key' } },
        { type: 'cryptographic-asset', name: 'y', cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', value: 'AAAA' } } },
        { type: 'cryptographic-asset', name: 'z', cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', state: 'sleeping' } } },
        { type: 'library', name: 'openssl' },
      ],
    };
    const r = importCbom(b, JSON.stringify(bad), 'cbom:bad.json');
    expect(r.components.map((c) => c.outcome)).toEqual(['malformed', 'malformed', 'malformed', 'malformed', 'skipped']);
  });
});

describe('CBOM import under mutation', () => {
  it('answers every mutated document with outcomes or E_INPUT, never another error', () => {
    const base = JSON.stringify(exportCbom(a.db, { now: new Date(), toolVersion: '0.0.0' }));
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '{}[]":,0123456789abcdefABCDEF-+=/ \\\u0000\u00ffnulltrue';
    let refused = 0;
    let parsed = 0;
    for (let i = 0; i < 150; i++) {
      const chars = [...base];
      for (let m = 0, count = 1 + rand(6); m < count; m++) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars[at] = alphabet[rand(alphabet.length)]!;
        else if (op === 1) chars.splice(at, 1 + rand(20));
        else chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
      }
      try {
        const r = importCbom(b, chars.join(''), `cbom:fuzz-${i}`);
        for (const c of r.components) expect(['imported', 'duplicate', 'skipped', 'unsupported', 'malformed']).toContain(c.outcome);
        parsed++;
      } catch (e) {
        expect((e as { code?: string }).code).toBe('E_INPUT');
        refused++;
      }
    }
    expect(refused + parsed).toBe(150);
  });
});
