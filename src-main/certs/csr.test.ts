import { afterAll, describe, expect, it } from 'vitest';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import type { AlgorithmId } from '../../src-shared/keys.js';
import { tempDir } from '../testing/temp.js';
import { createCsr } from './csr.js';
import { openssl, opensslOk, softwareSigner, write } from './test-support.js';

const tmp = tempDir('custos-certs-csr-');
afterAll(() => tmp.cleanup());

const SUBJECT = 'CN=www.example.org, OU=Platform, O=Example Ltd, C=GB';

const CASES: { algorithm: AlgorithmId; sigAlg: RegExp; keyText: RegExp }[] = [
  { algorithm: 'rsa-2048', sigAlg: /Signature Algorithm: sha256WithRSAEncryption/, keyText: /Public-Key: \(2048 bit\)/ },
  { algorithm: 'ec-p256', sigAlg: /Signature Algorithm: ecdsa-with-SHA256/, keyText: /NIST CURVE: P-256/ },
  { algorithm: 'ec-p384', sigAlg: /Signature Algorithm: ecdsa-with-SHA384/, keyText: /NIST CURVE: P-384/ },
  { algorithm: 'ed25519', sigAlg: /Signature Algorithm: ED25519/, keyText: /ED25519 Public-Key/ },
];

describe.each(CASES)('PKCS#10 request for $algorithm', ({ algorithm, sigAlg, keyText }) => {
  it('openssl verifies its self-signature and shows the subject and requested extensions', async () => {
    const { signer, calls } = softwareSigner(algorithm);
    const csr = await createCsr(signer, {
      subject: SUBJECT,
      usageMask: KMIP_USAGE.Sign | KMIP_USAGE.Verify,
      dnsNames: ['www.example.org', 'example.org'],
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
    });
    expect(calls).toHaveLength(1);
    expect(csr.subject).toBe(SUBJECT);
    expect(csr.keyUsage).toEqual(['digitalSignature']);
    expect(csr.pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----\n$/);

    const file = write(tmp.path, `${algorithm}.csr.pem`, csr.pem);
    const r = openssl(['req', '-verify', '-noout', '-in', file, '-subject', '-nameopt', 'RFC2253']);
    // OpenSSL 3.0 exits 0 even when the self-signature fails: read what it says.
    expect(r.stderr).toMatch(/verify OK/);
    expect(r.status).toBe(0);
    // RFC 4514 text back as typed: the DER holds C first, as CAs expect.
    expect(r.stdout.trim()).toBe(`subject=${SUBJECT.replace(/, /g, ',')}`);
    expect(opensslOk(['req', '-noout', '-subject', '-in', file]).trim()).toBe('subject=C = GB, O = Example Ltd, OU = Platform, CN = www.example.org');

    const text = opensslOk(['req', '-noout', '-text', '-in', file]);
    expect(text).toMatch(sigAlg);
    expect(text).toMatch(keyText);
    expect(text).toMatch(/Requested Extensions:/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s+DNS:www.example.org, DNS:example.org/);
    expect(text).not.toMatch(/Basic Constraints/);

    // DER and PEM are the same request.
    const der = write(tmp.path, `${algorithm}.csr.der`, csr.der);
    expect(openssl(['req', '-verify', '-noout', '-inform', 'DER', '-in', der]).stderr).toMatch(/verify OK/);
  });

  it('a callback that signs other bytes gives a request openssl rejects, and by default none at all', async () => {
    const { signer } = softwareSigner(algorithm, { tamper: true });
    const bad = await createCsr(signer, { subject: SUBJECT, checkSignature: false });
    const file = write(tmp.path, `${algorithm}.bad.csr.pem`, bad.pem);
    const r = openssl(['req', '-verify', '-noout', '-in', file]);
    expect(r.stderr).toMatch(/verify failure/);
    expect(r.stderr).not.toMatch(/verify OK/);

    await expect(createCsr(signer, { subject: SUBJECT })).rejects.toMatchObject({ code: 'E_CRYPTO', message: expect.stringMatching(/does not verify/) });
  });
});

describe('PKCS#10 request options', () => {
  it('can request a CA with a path length, and RSA-PSS signatures', async () => {
    const { signer } = softwareSigner('rsa-2048', { mechanism: 'rsa-pss-sha256' });
    const csr = await createCsr(signer, {
      subject: 'CN=Issuing CA 1, O=Example, C=GB',
      usageMask: KMIP_USAGE.Sign | KMIP_USAGE.CertificateSign | KMIP_USAGE.CRLSign,
      ca: true,
      pathLength: 0,
    });
    const file = write(tmp.path, 'pss.csr.pem', csr.pem);
    expect(openssl(['req', '-verify', '-noout', '-in', file]).stderr).toMatch(/verify OK/);
    const text = opensslOk(['req', '-noout', '-text', '-in', file]);
    expect(text).toMatch(/Signature Algorithm: rsassaPss/);
    expect(text).toMatch(/Salt Length: 0x20/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
  });

  it('P-521 signs with ecdsa-with-SHA512', async () => {
    const { signer } = softwareSigner('ec-p521');
    const csr = await createCsr(signer, { subject: 'CN=p521' });
    const file = write(tmp.path, 'p521.csr.pem', csr.pem);
    expect(openssl(['req', '-verify', '-noout', '-in', file]).stderr).toMatch(/verify OK/);
    expect(opensslOk(['req', '-noout', '-text', '-in', file])).toMatch(/ecdsa-with-SHA512/);
  });

  it('refuses a malformed subject before anything is signed', async () => {
    const { signer, calls } = softwareSigner('ec-p256');
    await expect(createCsr(signer, { subject: 'CN Root CA' })).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/not a valid distinguished name: "CN Root CA" is not TYPE=value/) });
    await expect(createCsr(signer, { subject: 'CN=x, XX=y' })).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/"XX" is not an attribute type/) });
    expect(calls).toHaveLength(0);
  });

  it('refuses a key that does not match its algorithm, a symmetric key and an unfit mechanism', async () => {
    const { signer } = softwareSigner('ec-p256');
    await expect(createCsr({ ...signer, algorithm: 'ec-p384' }, { subject: 'CN=x' })).rejects.toMatchObject({ code: 'E_INPUT', message: 'The public key given is not a EC P-384 key.' });
    await expect(createCsr({ ...signer, algorithm: 'aes-256' }, { subject: 'CN=x' })).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
    await expect(createCsr({ ...signer, mechanism: 'rsa-pkcs1-sha256' }, { subject: 'CN=x' })).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/does not fit a ec key/) });
    await expect(createCsr({ ...signer, spki: Buffer.from('junk') }, { subject: 'CN=x' })).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/SubjectPublicKeyInfo/) });
  });

  it('refuses a signer that returns something that is not a signature', async () => {
    const { signer } = softwareSigner('ec-p256');
    await expect(createCsr({ ...signer, sign: async () => new Uint8Array(64) }, { subject: 'CN=x' })).rejects.toMatchObject({ code: 'E_CRYPTO', message: expect.stringMatching(/DER ECDSA/) });
    const ed = softwareSigner('ed25519').signer;
    await expect(createCsr({ ...ed, sign: async () => new Uint8Array(10) }, { subject: 'CN=x' })).rejects.toMatchObject({ code: 'E_CRYPTO', message: expect.stringMatching(/64-byte/) });
    await expect(createCsr({ ...ed, sign: () => Promise.reject(new Error('token removed')) }, { subject: 'CN=x' })).rejects.toThrow(/could not be built or signed/);
  });
});
