import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { jwkKeyId, sshFingerprint, sshMpint, sshString, toJwk, toOpenSsh, toPem, toSshBlob } from './public-key-export.js';

const tmp = tempDir('custos-certs-pub-');
afterAll(() => tmp.cleanup());

const SSH_KEYGEN = ['/usr/bin/ssh-keygen', '/bin/ssh-keygen'].find((p) => existsSync(p)) ?? null;

function spkiOf(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

const KEYS: { label: string; make: () => KeyObject; sshType: string; bits: number; sshKeygenType: string }[] = [
  { label: 'RSA 2048', make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, sshType: 'ssh-rsa', bits: 2048, sshKeygenType: 'RSA' },
  { label: 'EC P-256', make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, sshType: 'ecdsa-sha2-nistp256', bits: 256, sshKeygenType: 'ECDSA' },
  { label: 'EC P-384', make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, sshType: 'ecdsa-sha2-nistp384', bits: 384, sshKeygenType: 'ECDSA' },
  { label: 'EC P-521', make: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey, sshType: 'ecdsa-sha2-nistp521', bits: 521, sshKeygenType: 'ECDSA' },
  { label: 'Ed25519', make: () => generateKeyPairSync('ed25519').publicKey, sshType: 'ssh-ed25519', bits: 256, sshKeygenType: 'ED25519' },
];

describe('SSH wire primitives (RFC 4251 §5)', () => {
  it('writes strings with a uint32 length', () => {
    expect(sshString('ssh-rsa').toString('hex')).toBe('00000007' + Buffer.from('ssh-rsa').toString('hex'));
    expect(sshString(new Uint8Array(0)).toString('hex')).toBe('00000000');
  });

  it('writes mpints as RFC 4251 shows them', () => {
    // The examples of RFC 4251 §5 (positive values).
    expect(sshMpint(new Uint8Array(0)).toString('hex')).toBe('00000000');
    expect(sshMpint(Buffer.from('00', 'hex')).toString('hex')).toBe('00000000');
    expect(sshMpint(Buffer.from('09a378f9b2e332a7', 'hex')).toString('hex')).toBe('0000000809a378f9b2e332a7');
    expect(sshMpint(Buffer.from('80', 'hex')).toString('hex')).toBe('000000020080');
    // Leading zero bytes of the unsigned input are dropped, and added back only for the sign.
    expect(sshMpint(Buffer.from('000001', 'hex')).toString('hex')).toBe('0000000101');
    expect(sshMpint(Buffer.from('00ff', 'hex')).toString('hex')).toBe('0000000200ff');
    expect(sshMpint(Buffer.from('010001', 'hex')).toString('hex')).toBe('00000003010001');
  });
});

describe.each(KEYS)('public key export: $label', ({ make, sshType, bits, sshKeygenType, label }) => {
  const publicKey = make();
  const spki = spkiOf(publicKey);

  it('PEM is the same SPKI, and openssl reads it', () => {
    const pem = toPem(spki);
    expect(pem).toBe(publicKey.export({ type: 'spki', format: 'pem' }));
    const file = join(tmp.path, `${label}.pub.pem`);
    writeFileSync(file, pem);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', file, '-outform', 'DER']);
    expect(Buffer.compare(der, spki)).toBe(0);
  });

  it('JWK round-trips through createPublicKey to the same SPKI, with kid = base64url SHA-256 of the SPKI', () => {
    const jwk = toJwk(spki);
    expect(jwk.kid).toBe(jwkKeyId(spki));
    const hex = Buffer.from(jwk.kid!, 'base64url').toString('hex');
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    const back = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(back, spki)).toBe(0);
    expect(jwk).not.toHaveProperty('d');
    if (sshType === 'ssh-rsa') expect(jwk).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    else if (sshType === 'ssh-ed25519') expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    else expect(jwk).toMatchObject({ kty: 'EC', crv: label.slice(3) });
    expect(toJwk(spki, { kid: false })).not.toHaveProperty('kid');
  });

  it('the OpenSSH line has the right shape and fingerprint', () => {
    const line = toOpenSsh(spki, 'root-ca@custos');
    const [type, b64, comment] = line.split(' ');
    expect(type).toBe(sshType);
    expect(comment).toBe('root-ca@custos');
    expect(Buffer.from(b64!, 'base64').equals(toSshBlob(spki).blob)).toBe(true);
    expect(toOpenSsh(spki)).toBe(`${type} ${b64}`);
  });

  it.skipIf(!SSH_KEYGEN)('ssh-keygen accepts the line, and its fingerprint matches', () => {
    const file = join(tmp.path, `${label.replace(/\W/g, '_')}.pub`);
    writeFileSync(file, toOpenSsh(spki, 'custos test key') + '\n');
    const out = execFileSync(SSH_KEYGEN!, ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).trim();
    expect(out).toBe(`${bits} ${sshFingerprint(spki)} custos test key (${sshKeygenType})`);
    if (sshType !== 'ssh-ed25519') {
      // ssh-keygen turns the line back into an SPKI (it cannot for Ed25519): it must be ours.
      const pem = execFileSync(SSH_KEYGEN!, ['-e', '-m', 'PKCS8', '-f', file], { encoding: 'utf8' });
      expect(Buffer.compare(createPublicKey(pem).export({ type: 'spki', format: 'der' }), spki)).toBe(0);
    }
  });
});

describe('public key export refuses what it cannot do', () => {
  it('rejects bytes that are not an SPKI', () => {
    expect(() => toPem(Buffer.from('not a key'))).toThrow(/not a valid DER SubjectPublicKeyInfo/);
    expect(() => toJwk(Buffer.alloc(0))).toThrow(/not a valid DER SubjectPublicKeyInfo/);
    expect(() => toOpenSsh(Buffer.from([0x30, 0x00]))).toThrow(/not a valid DER SubjectPublicKeyInfo/);
  });

  it('rejects key types Custos does not export', () => {
    const x25519 = spkiOf(generateKeyPairSync('x25519').publicKey);
    expect(() => toOpenSsh(x25519)).toThrow(/not x25519/);
    const k256 = spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey);
    expect(() => toOpenSsh(k256)).toThrow(/P-256, P-384 and P-521 only/);
  });

  it('rejects a comment that would break the line', () => {
    const spki = spkiOf(generateKeyPairSync('ed25519').publicKey);
    expect(() => toOpenSsh(spki, 'one\nssh-ed25519 AAAA… intruder')).toThrow(/one line/);
    expect(toOpenSsh(spki, '  spaced comment  ')).toMatch(/ spaced comment$/);
  });
});
