import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { spkiFingerprint } from '../keys/identity.js';
import { buildCorpus, PASSPHRASE, type CorpusFile } from './test-corpus.js';
import { parseFileContents, type ParsedItem } from './parse-file.js';
import { pemBlocks } from './pem-blocks.js';

let files: Map<string, CorpusFile>;
let rsaFp: string;
let ecFp: string;
const file = (n: string) => files.get(n)!.bytes;
const fps = (items: ParsedItem[]) => items.filter((i) => i.type !== 'certificate').map((i) => spkiFingerprint((i as { spki: Uint8Array }).spki));

beforeAll(() => {
  const c = buildCorpus();
  files = new Map(c.files.map((f) => [f.name, f]));
  rsaFp = spkiFingerprint(c.keys.rsa.export({ type: 'spki', format: 'der' }));
  ecFp = spkiFingerprint(c.keys.ec.export({ type: 'spki', format: 'der' }));
});

describe('parseFileContents reads every usual format', () => {
  it('PEM and DER certificates', async () => {
    const pem = await parseFileContents(file('www.pem'));
    const der = await parseFileContents(file('www.der'));
    expect(pem).toMatchObject({ format: 'PEM', problem: null, items: [{ type: 'certificate', chainPosition: null }] });
    expect(der).toMatchObject({ format: 'DER certificate', problem: null });
    expect(Buffer.from((der.items[0] as { der: Uint8Array }).der)).toEqual(Buffer.from((pem.items[0] as { der: Uint8Array }).der));
  });

  it('a PKCS#7 bundle gives its certificates in order with chain positions', async () => {
    const r = await parseFileContents(file('bundle.p7b'));
    expect(r.problem).toBeNull();
    expect(r.items.map((i) => (i as { chainPosition: number }).chainPosition)).toEqual([0, 1]);
  });

  it('a PKCS#10 request gives its public key', async () => {
    const r = await parseFileContents(file('www.csr'));
    expect(r.items).toMatchObject([{ type: 'public-key', label: 'www.example.org', from: 'PKCS#10 request' }]);
    expect(fps(r.items)).toEqual([rsaFp]);
  });

  it('PKCS#1 public and private, SEC1, OpenSSH and JWKS keys', async () => {
    expect(fps((await parseFileContents(file('rsa-pkcs1-pub.pem'))).items)).toEqual([rsaFp]);
    expect((await parseFileContents(file('rsa-pkcs1.pem'))).items).toMatchObject([{ type: 'private-key', from: 'PKCS#1' }]);
    const sec1 = await parseFileContents(file('ec-sec1.pem'));
    expect(sec1.items).toMatchObject([{ type: 'private-key', from: 'SEC1' }]);
    expect(fps(sec1.items)).toEqual([ecFp]);
    const ssh = await parseFileContents(file('id_ed25519'));
    const sshPub = await parseFileContents(file('id_ed25519.pub'));
    expect(ssh.items).toMatchObject([{ type: 'private-key', from: 'OpenSSH' }]);
    expect(sshPub).toMatchObject({ format: 'OpenSSH public keys', items: [{ type: 'public-key', label: 'deploy@example' }] });
    expect(fps(ssh.items)).toEqual(fps(sshPub.items));
    const ssh2 = await parseFileContents(file('id_ed25519.ssh2'));
    expect(ssh2).toMatchObject({ format: 'SSH2 public key (RFC 4716)', problem: null, items: [{ type: 'public-key', from: 'RFC 4716' }] });
    expect(fps(ssh2.items)).toEqual(fps(sshPub.items));
    const jwks = await parseFileContents(file('keys.jwks'));
    expect(jwks).toMatchObject({ format: 'JWKS', problem: null, items: [{ label: 'signing-2026' }, { label: 'ec384' }] });
  });

  it('encrypted PKCS#8 (PEM and DER), PKCS#12 and OpenSSH keys ask for a passphrase, open with it, refuse a wrong one', async () => {
    for (const name of ['ec-enc.pem', 'ec-enc.der', 'www.p12', 'id_ecdsa_enc']) {
      expect((await parseFileContents(file(name))).problem?.kind, name).toBe('password-needed');
      const ok = await parseFileContents(file(name), PASSPHRASE);
      expect(ok.problem, name).toBeNull();
      expect(ok.items.some((i) => i.type === 'private-key'), name).toBe(true);
      expect((await parseFileContents(file(name), 'not the passphrase')).problem?.kind, name).toBe('wrong-password');
    }
    const p12 = await parseFileContents(file('www.p12'), PASSPHRASE);
    expect(p12.format).toBe('PKCS#12');
    expect(p12.items.filter((i) => i.type === 'certificate')).toHaveLength(2);
    expect(fps(p12.items)).toEqual([rsaFp]);
    expect(fps((await parseFileContents(file('ec-enc.der'), PASSPHRASE)).items)).toEqual([ecFp]);
  });

  it('a wrong passphrase that happens to pass the CBC padding check is still a wrong passphrase, not a malformed file', async () => {
    // About one wrong passphrase in 256 decrypts to valid padding and garbage; find one, for both
    // encrypted PKCS#8 (DER) and a legacy encrypted PEM (Proc-Type / DEK-Info).
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'right one' });
    const legacy = privateKey.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right one' });
    for (const [bytes, format] of [[pkcs8, 'der'], [Buffer.from(legacy), 'pem']] as const) {
      let lucky: string | null = null;
      for (let i = 0; i < 20_000 && !lucky; i++) {
        try {
          createPrivateKey({ key: bytes, format, type: format === 'der' ? 'pkcs8' : undefined, passphrase: `wrong ${i}` });
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code !== 'ERR_OSSL_BAD_DECRYPT' && code !== 'ERR_OSSL_EVP_BAD_DECRYPT') lucky = `wrong ${i}`;
        }
      }
      expect(lucky, format).not.toBeNull();
      expect((await parseFileContents(bytes, lucky!)).problem?.kind, format).toBe('wrong-password');
      expect((await parseFileContents(bytes, 'right one')).problem, format).toBeNull();
    }
  });

  it('a certificate-only PKCS#12 with an empty password opens without asking', async () => {
    expect(await parseFileContents(file('ca-only.p12'))).toMatchObject({ format: 'PKCS#12', problem: null, items: [{ type: 'certificate' }] });
  });

  it('a legacy PKCS#12 gives its RC2-40-protected certificate and its 3DES-protected key (rc2.test.ts has the other schemes)', async () => {
    const r = await parseFileContents(file('legacy.p12'), PASSPHRASE);
    expect(r.problem).toBeNull();
    expect(r.items).toMatchObject([{ type: 'certificate' }, { type: 'private-key', from: 'PKCS#12' }]);
    expect(fps(r.items)).toEqual([rsaFp]);
    expect(r.notes ?? []).toEqual([]);
  });

  it('private items carry the public key that matches the private one', async () => {
    const r = await parseFileContents(file('rsa-pkcs1.pem'));
    const item = r.items[0] as Extract<ParsedItem, { type: 'private-key' }>;
    expect(spkiFingerprint(createPublicKey(createPrivateKey({ key: Buffer.from(item.pkcs8), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' }))).toBe(rsaFp);
  });
});

describe('parseFileContents says why it cannot read a file', () => {
  it.each([
    ['an empty file', Buffer.alloc(0), 'unsupported', /empty/],
    ['plain text', Buffer.from('hello\n'), 'unsupported', /text file/],
    ['binary junk', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'unsupported', /Not a key or certificate/],
    ['bad base64 in PEM', Buffer.from('-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n'), 'malformed', /damaged/],
    ['a PEM block that never ends', Buffer.from('-----BEGIN PUBLIC KEY-----\nMIIB\n'), 'malformed', /damaged/],
    ['an unknown PEM label', Buffer.from('-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n'), 'unsupported', /X509 CRL/],
    ['truncated DER', Buffer.from('3082010a0282', 'hex'), 'malformed', /DER does not decode/],
    ['a DER sequence of nothing known', Buffer.from('3003020101', 'hex'), 'unsupported', /DER structure/],
    ['broken JSON', Buffer.from('{"kty": '), 'malformed', /JSON/],
    ['JSON that is no JWK', Buffer.from('{"hello": 1}'), 'unsupported', /neither a JWK/],
    ['a symmetric JWK', Buffer.from('{"kty":"oct","k":"AAAA"}'), 'unsupported', /Symmetric/],
  ])('%s', async (_what, bytes, kind, reason) => {
    const r = await parseFileContents(bytes);
    expect(r.items).toEqual([]);
    expect(r.problem?.kind).toBe(kind);
    expect(r.problem?.reason).toMatch(reason);
  });

  it('a PEM file with a good certificate and a damaged block keeps the certificate and reports the damage', async () => {
    const r = await parseFileContents(Buffer.concat([file('www.pem'), Buffer.from('-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n')]));
    expect(r.items).toHaveLength(1);
    expect(r.problem?.kind).toBe('malformed');
  });

  it('reasons never quote the file: a broken JSON full of secrets says only where it broke', async () => {
    const r = await parseFileContents(Buffer.from('{"password": "SECRET-hunter2", oops}'));
    expect(r.problem).toMatchObject({ kind: 'malformed' });
    expect(r.problem!.reason).not.toContain('SECRET');
    expect(r.problem!.reason).toMatch(/character \d+/);
  });

  it('PEM scanning is linear: many unterminated BEGIN lines do not blow up', () => {
    const text = '-----BEGIN CERTIFICATE-----\n'.repeat(40_000);
    expect(pemBlocks(text)).toHaveLength(1);
  });
});
