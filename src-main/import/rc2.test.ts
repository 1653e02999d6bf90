// RC2 against the test vectors of RFC 2268 §5, and PKCS#12's PBE (RFC 7292 App. B/C) against
// files OpenSSL writes: `openssl pkcs12 -export -legacy` (RC2-40 certificates, 3DES key) and the
// other legacy schemes chosen with -certpbe/-keypbe. Debian's OpenSSL 3 has its legacy provider
// (ossl-modules/legacy.so), so `-legacy` makes exactly the files pre-3.0 OpenSSL made.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { parseFileContents, type ParsedItem } from './parse-file.js';
import { bmpPassword, pkcs12Kdf } from './pkcs12-pbe.js';
import { rc2CbcDecrypt, rc2DecryptBlock, rc2EncryptBlock, rc2ExpandKey } from './rc2.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('RC2 (RFC 2268)', () => {
  // RFC 2268 §5: key, effective key bits, plaintext, ciphertext.
  const vectors: Array<[string, number, string, string]> = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ];
  it.each(vectors)('key %s, %i effective bits: encrypts and decrypts the RFC vector', (key, bits, plain, cipher) => {
    const k = rc2ExpandKey(hex(key), bits);
    expect(Buffer.from(rc2EncryptBlock(k, hex(plain))).toString('hex')).toBe(cipher);
    expect(Buffer.from(rc2DecryptBlock(k, hex(cipher))).toString('hex')).toBe(plain);
  });

  it('CBC decryption undoes OpenSSL’s RC2-40-CBC and refuses bad padding', () => {
    const key = hex('0102030405');
    const iv = hex('0011223344556677');
    const plain = Buffer.from('legacy PKCS#12 certificates, 40-bit RC2');
    const enc = execFileSync('openssl', ['enc', '-provider', 'legacy', '-provider', 'default', '-rc2-40-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex')], { input: plain });
    expect(rc2CbcDecrypt(key, 40, iv, enc)).toEqual(plain);
    const tampered = Buffer.from(enc);
    tampered[tampered.length - 1]! ^= 0xff;
    expect(() => rc2CbcDecrypt(key, 40, iv, tampered)).toThrow(/bad decrypt/);
    expect(() => rc2CbcDecrypt(key, 40, iv, enc.subarray(1))).toThrow(/whole number of blocks/);
  });

  it('the PKCS#12 KDF takes the password as a BMPString with its terminator', () => {
    expect(bmpPassword('sesame').toString('hex')).toBe('0073006500730061006d00650000');
    expect(bmpPassword('').toString('hex')).toBe('0000');
    // Key, IV and MAC key differ by the purpose byte, and the output is a prefix whatever its length.
    const pw = bmpPassword('sesame');
    const salt = hex('ffffffffffffffff');
    const key = pkcs12Kdf(pw, salt, 2048, 1, 24);
    expect(pkcs12Kdf(pw, salt, 2048, 1, 5)).toEqual(key.subarray(0, 5));
    expect(pkcs12Kdf(pw, salt, 2048, 2, 24)).not.toEqual(key);
  });
});

describe('legacy PKCS#12 files', () => {
  let dir: { path: string; cleanup: () => void };
  let certFp: string;
  let keyFp: string;
  const make = (name: string, ...args: string[]) => {
    execFileSync('openssl', ['pkcs12', '-export', '-legacy', ...args, '-in', 'cert.pem', '-inkey', 'key.pem', '-passout', 'pass:old secret', '-out', name], { cwd: dir.path, stdio: 'pipe' });
    return readFileSync(join(dir.path, name));
  };
  // openssl prints the schemes on stderr.
  const info = (name: string) => spawnSync('openssl', ['pkcs12', '-info', '-legacy', '-noout', '-in', name, '-passin', 'pass:old secret'], { cwd: dir.path, encoding: 'utf8' }).stderr;
  const summary = (items: ParsedItem[]) =>
    items.map((i) => (i.type === 'certificate' ? `certificate ${createHash('sha256').update(i.der).digest('hex')}` : `${i.type} ${createHash('sha256').update(i.spki).digest('hex')}`));

  beforeAll(() => {
    dir = tempDir();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-subj', '/CN=legacy.example', '-days', '30', '-out', 'cert.pem'], { cwd: dir.path, stdio: 'pipe' });
    const cert = new X509Certificate(readFileSync(join(dir.path, 'cert.pem')));
    certFp = createHash('sha256').update(cert.raw).digest('hex');
    keyFp = createHash('sha256').update(createPublicKey(readFileSync(join(dir.path, 'key.pem'))).export({ type: 'spki', format: 'der' })).digest('hex');
  });
  afterAll(() => dir.cleanup());

  it.each([
    ['openssl -legacy defaults', [], /Encrypted data: pbeWithSHA1And40BitRC2-CBC[\s\S]*Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/],
    ['RC2-128 certificates, RC2-40 key', ['-certpbe', 'PBE-SHA1-RC2-128', '-keypbe', 'PBE-SHA1-RC2-40'], /pbeWithSHA1And128BitRC2-CBC[\s\S]*Shrouded Keybag: pbeWithSHA1And40BitRC2-CBC/],
    ['3DES certificates, two-key 3DES key', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-2DES'], /pbeWithSHA1And3-KeyTripleDES-CBC[\s\S]*Shrouded Keybag: pbeWithSHA1And2-KeyTripleDES-CBC/],
  ])('%s: the certificate and the key are read', async (_what, args, schemes) => {
    const name = `${args.join('-') || 'default'}.p12`;
    const bytes = make(name, ...(args as string[]));
    expect(info(name)).toMatch(schemes);
    const r = await parseFileContents(bytes, 'old secret');
    expect(r).toMatchObject({ format: 'PKCS#12', problem: null });
    expect(r.notes ?? []).toEqual([]);
    expect(summary(r.items)).toEqual([`certificate ${certFp}`, `private-key ${keyFp}`]);
  });

  it('a wrong or missing password is said so, and nothing is read', async () => {
    const bytes = make('pw.p12');
    expect(await parseFileContents(bytes, 'not it')).toMatchObject({ items: [], problem: { kind: 'wrong-password' } });
    expect(await parseFileContents(bytes)).toMatchObject({ items: [], problem: { kind: 'password-needed' } });
  });

  it('a legacy file without a MAC still refuses a wrong password (the padding or the contents fail)', async () => {
    const bytes = make('nomac.p12', '-nomac');
    expect((await parseFileContents(bytes, 'old secret')).items).toHaveLength(2);
    expect((await parseFileContents(bytes, 'not it')).problem?.kind).toBe('wrong-password');
  });
});
