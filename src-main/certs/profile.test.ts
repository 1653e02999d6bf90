import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { certificateFacts } from '../import/certificate-facts.js';
import { certificateProfile, EKU, KU, type CertificateProfile } from './profile.js';

let dir: { path: string; cleanup: () => void };

/** A certificate made by openssl with the given extensions (one P-256 key, self-signed). */
function opensslCert(subject: string, exts: string[]): Buffer {
  const out = join(dir.path, `c${Math.random().toString(16).slice(2)}.der`);
  const cnf = join(dir.path, `${Math.random().toString(16).slice(2)}.cnf`);
  writeFileSync(cnf, `[req]\ndistinguished_name=dn\n[dn]\n[ext]\n${exts.join('\n')}\n`);
  execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir.path, 'key.pem'), '-subj', subject, '-days', '30', '-config', cnf, '-extensions', 'ext', '-outform', 'DER', '-out', out], { stdio: 'pipe' });
  return readFileSync(out);
}

beforeAll(() => {
  dir = tempDir();
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir.path, 'key.pem')], { stdio: 'pipe' });
});
afterAll(() => dir.cleanup());

describe('certificate profile from openssl certificates', () => {
  const cases: Array<[string, string, string[], CertificateProfile]> = [
    ['a root CA (BasicConstraints cA)', '/CN=Root CA', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'], 'ca'],
    ['keyCertSign without BasicConstraints', '/CN=Odd issuer', ['keyUsage=keyCertSign'], 'ca'],
    ['a TLS server (serverAuth and clientAuth)', '/CN=www.example.org', ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', 'subjectAltName=DNS:www.example.org'], 'tls-server'],
    ['a TLS client', '/CN=alice', ['keyUsage=digitalSignature', 'extendedKeyUsage=clientAuth'], 'tls-client'],
    ['code signing', '/CN=Release signing', ['keyUsage=digitalSignature', 'extendedKeyUsage=codeSigning'], 'code-signing'],
    ['S/MIME', '/CN=Bob', ['keyUsage=digitalSignature,keyAgreement', 'extendedKeyUsage=emailProtection', 'subjectAltName=email:bob@example.org'], 'email'],
    ['OCSP responder', '/CN=OCSP', ['keyUsage=digitalSignature', 'extendedKeyUsage=OCSPSigning'], 'ocsp-signing'],
    ['an IPsec device', '/CN=gw-1', ['keyUsage=digitalSignature', 'extendedKeyUsage=1.3.6.1.5.5.7.3.17'], 'device'],
    ['an 802.1AR-style device identity (subject serialNumber, no EKU)', '/CN=sensor/serialNumber=SN-0042', ['keyUsage=digitalSignature'], 'device'],
    ['a pre-EKU web server (DNS name, no EKU)', '/CN=legacy.example.org', ['keyUsage=digitalSignature,keyEncipherment', 'subjectAltName=DNS:legacy.example.org'], 'tls-server'],
    ['time stamping', '/CN=TSA', ['keyUsage=digitalSignature', 'extendedKeyUsage=critical,timeStamping'], 'other'],
    ['no extensions at all', '/CN=bare', ['subjectKeyIdentifier=hash'], 'other'],
  ];
  for (const [what, subject, exts, profile] of cases) {
    it(`${what} is ${profile}`, () => {
      expect(certificateFacts(opensslCert(subject, exts)).profile).toBe(profile);
    });
  }

  it('a CA flag wins over any EKU', () => {
    expect(certificateProfile({ eku: [EKU.serverAuth], keyUsage: KU.digitalSignature, ca: true, hasDnsOrIp: true, hasEmail: false, hasDeviceIdentity: false })).toBe('ca');
  });

  it('anyExtendedKeyUsage alone lets the names decide', () => {
    expect(certificateProfile({ eku: [EKU.anyExtendedKeyUsage], keyUsage: null, ca: false, hasDnsOrIp: false, hasEmail: true, hasDeviceIdentity: false })).toBe('email');
    expect(certificateProfile({ eku: [EKU.anyExtendedKeyUsage], keyUsage: null, ca: false, hasDnsOrIp: false, hasEmail: false, hasDeviceIdentity: false })).toBe('other');
  });

  it('a DNS name with only keyAgreement-less CRL usage is not a server', () => {
    expect(certificateProfile({ eku: null, keyUsage: KU.cRLSign, ca: false, hasDnsOrIp: true, hasEmail: false, hasDeviceIdentity: false })).toBe('other');
  });
});

describe('certificate facts', () => {
  it('reads the fields openssl prints', () => {
    const der = opensslCert('/CN=www.example.org/O=Example', ['keyUsage=digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=DNS:www.example.org,IP:127.0.0.1']);
    const f = certificateFacts(der);
    const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-serial', '-fingerprint', '-sha256', '-text'], { input: der, encoding: 'utf8' });
    expect(text).toContain(`serial=${f.serial.toUpperCase()}`);
    expect(text.replace(/:/g, '').toLowerCase()).toContain(f.fingerprint);
    expect(text).toContain(`Signature Algorithm: ${f.signatureAlgorithm}`);
    expect(f.subject).toBe('CN=www.example.org, O=Example');
    expect(f.subjectAltNames).toEqual([{ type: 'dns', value: 'www.example.org' }, { type: 'ip', value: '127.0.0.1' }]);
    expect(f.extendedKeyUsage).toEqual([EKU.serverAuth]);
    expect(f.selfIssued).toBe(true);
  });

  it('names weak signature algorithms as openssl does', () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', join(dir.path, 'rsa.pem')], { stdio: 'pipe' });
    const out = join(dir.path, 'sha1.der');
    execFileSync('openssl', ['req', '-x509', '-new', '-sha1', '-key', join(dir.path, 'rsa.pem'), '-subj', '/CN=old', '-days', '1', '-outform', 'DER', '-out', out], { stdio: 'pipe' });
    expect(certificateFacts(readFileSync(out)).signatureAlgorithm).toBe('sha1WithRSAEncryption');
  });

  it('refuses bytes that are not a certificate with E_INPUT', () => {
    expect(() => certificateFacts(Buffer.from('30030201', 'hex'))).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
  });
});
