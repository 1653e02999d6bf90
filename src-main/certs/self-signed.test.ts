import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import type { AlgorithmId } from '../../src-shared/keys.js';
import { tempDir } from '../testing/temp.js';
import { createSelfSignedCertificate, randomSerialNumber, type SelfSignedOptions } from './self-signed.js';
import { openssl, opensslOk, softwareSigner, write } from './test-support.js';

const tmp = tempDir('custos-certs-x509-');
afterAll(() => tmp.cleanup());

const CA_MASK = KMIP_USAGE.Sign | KMIP_USAGE.Verify | KMIP_USAGE.CertificateSign | KMIP_USAGE.CRLSign;
const ROOT: SelfSignedOptions = {
  subject: 'CN=Root CA 2026, O=Example, C=GB',
  notBefore: new Date('2026-01-01T00:00:00Z'),
  notAfter: new Date('2046-01-01T00:00:00Z'),
  usageMask: CA_MASK,
  ca: true,
  pathLength: 1,
};
// openssl checks validity against the clock; the root above starts in 2026.
const AT = String(Math.floor(new Date('2030-06-01T00:00:00Z').getTime() / 1000));

const CASES: { algorithm: AlgorithmId; sigAlg: string }[] = [
  { algorithm: 'rsa-2048', sigAlg: 'sha256WithRSAEncryption' },
  { algorithm: 'ec-p256', sigAlg: 'ecdsa-with-SHA256' },
  { algorithm: 'ec-p384', sigAlg: 'ecdsa-with-SHA384' },
  { algorithm: 'ed25519', sigAlg: 'ED25519' },
];

describe.each(CASES)('self-signed certificate for $algorithm', ({ algorithm, sigAlg }) => {
  it('is a CA root openssl accepts, with the extensions asked for', async () => {
    const { signer, calls } = softwareSigner(algorithm);
    const cert = await createSelfSignedCertificate(signer, ROOT);
    expect(calls).toHaveLength(1);
    const file = write(tmp.path, `${algorithm}.root.pem`, cert.pem);

    const v = openssl(['verify', '-x509_strict', '-check_ss_sig', '-attime', AT, '-CAfile', file, file]);
    expect(v.stdout.trim()).toBe(`${file}: OK`);
    expect(v.status).toBe(0);

    const text = opensslOk(['x509', '-noout', '-text', '-in', file]);
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toContain(`Signature Algorithm: ${sigAlg}`);
    expect(text).toMatch(/Issuer: C = GB, O = Example, CN = Root CA 2026\n/);
    expect(text).toMatch(/Subject: C = GB, O = Example, CN = Root CA 2026\n/);
    expect(text).toMatch(/Not Before: Jan {2}1 00:00:00 2026 GMT/);
    expect(text).toMatch(/Not After : Jan {2}1 00:00:00 2046 GMT/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign\n/);
    const ski = cert.subjectKeyIdentifier.toUpperCase().match(/../g)!.join(':');
    expect(text).toMatch(new RegExp(`X509v3 Subject Key Identifier: \\s+${ski}\\n`));
    expect(text).toMatch(new RegExp(`X509v3 Authority Key Identifier: \\s+(keyid:)?${ski}\\n`));

    // The reported facts are the certificate's.
    const node = new X509Certificate(cert.der);
    expect(node.serialNumber.toLowerCase()).toBe(cert.serialNumber);
    expect(cert.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/); // 16 bytes, positive, no leading zero
    expect(node.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(cert.fingerprint);
    expect(node.ca).toBe(true);
    expect(node.checkIssued(node)).toBe(true);
    expect(node.verify(node.publicKey)).toBe(true);
    expect(cert.notBefore.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(opensslOk(['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', file]).trim()).toBe('subject=CN=Root CA 2026,O=Example,C=GB');
    expect(cert.subject).toBe('CN=Root CA 2026, O=Example, C=GB');
  });

  it('plain `openssl verify -CAfile root.pem root.pem` accepts a root valid today', async () => {
    const { signer } = softwareSigner(algorithm);
    const now = Date.now();
    const cert = await createSelfSignedCertificate(signer, { ...ROOT, notBefore: new Date(now - 3600_000), notAfter: new Date(now + 365 * 86400_000) });
    const file = write(tmp.path, `${algorithm}.today.pem`, cert.pem);
    const v = openssl(['verify', '-CAfile', file, file]);
    expect(v.stdout.trim()).toBe(`${file}: OK`);
    expect(v.status).toBe(0);
  });

  it('a callback that signs other bytes gives a certificate openssl rejects, and by default none at all', async () => {
    const { signer } = softwareSigner(algorithm, { tamper: true });
    const bad = await createSelfSignedCertificate(signer, { ...ROOT, checkSignature: false });
    const file = write(tmp.path, `${algorithm}.bad.pem`, bad.pem);
    const v = openssl(['verify', '-check_ss_sig', '-attime', AT, '-CAfile', file, file]);
    expect(v.status).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/signature failure/);

    await expect(createSelfSignedCertificate(signer, ROOT)).rejects.toMatchObject({ code: 'E_CRYPTO', message: expect.stringMatching(/does not verify/) });
  });
});

describe('self-signed certificate options', () => {
  it('an end-entity certificate: CA:FALSE, key usage from the mask, SAN and EKU', async () => {
    const { signer } = softwareSigner('ec-p256');
    const cert = await createSelfSignedCertificate(signer, {
      subject: 'CN=device-17.example.org, O=Example, C=GB',
      notBefore: new Date('2026-03-01T12:00:00Z'),
      notAfter: new Date('2027-03-01T12:00:00Z'),
      usageMask: KMIP_USAGE.Sign | KMIP_USAGE.Verify | KMIP_USAGE.KeyAgreement,
      ca: false,
      dnsNames: ['device-17.example.org', '*.device-17.example.org'],
      extendedKeyUsage: ['clientAuth', '1.3.6.1.5.5.7.3.17'],
    });
    const file = write(tmp.path, 'ee.pem', cert.pem);
    const text = opensslOk(['x509', '-noout', '-text', '-in', file]);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Agreement\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication, ipsec Internet Key Exchange\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s+DNS:device-17.example.org, DNS:\*.device-17.example.org\n/);
    expect(cert.keyUsage).toEqual(['digitalSignature', 'keyAgreement']);
    // It is still a correctly self-signed certificate.
    expect(new X509Certificate(cert.der).verify(new X509Certificate(cert.der).publicKey)).toBe(true);
  });

  it('an RSA encryption certificate with RSA-PSS, and validity past 2049 as GeneralizedTime', async () => {
    const { signer } = softwareSigner('rsa-2048', { mechanism: 'rsa-pss-sha256' });
    const cert = await createSelfSignedCertificate(signer, {
      ...ROOT,
      notAfter: new Date('2056-01-01T00:00:00Z'),
      usageMask: CA_MASK | KMIP_USAGE.Encrypt | KMIP_USAGE.Decrypt,
      pathLength: undefined,
    });
    const file = write(tmp.path, 'pss.pem', cert.pem);
    expect(openssl(['verify', '-x509_strict', '-check_ss_sig', '-attime', AT, '-CAfile', file, file]).status).toBe(0);
    const text = opensslOk(['x509', '-noout', '-text', '-in', file]);
    expect(text).toMatch(/Signature Algorithm: rsassaPss/);
    expect(text).toMatch(/Salt Length: 0x20/);
    expect(text).toMatch(/Not After : Jan {2}1 00:00:00 2056 GMT/);
    expect(text).toMatch(/CA:TRUE\n/);
    expect(text).toMatch(/Digital Signature, Key Encipherment, Data Encipherment, Certificate Sign, CRL Sign\n/);
    expect(opensslOk(['asn1parse', '-in', file])).toMatch(/GENERALIZEDTIME\s+:20560101000000Z/);
  });

  it('P-521 with ecdsa-with-SHA512', async () => {
    const { signer } = softwareSigner('ec-p521');
    const cert = await createSelfSignedCertificate(signer, ROOT);
    const file = write(tmp.path, 'p521.pem', cert.pem);
    expect(openssl(['verify', '-x509_strict', '-check_ss_sig', '-attime', AT, '-CAfile', file, file]).status).toBe(0);
    expect(opensslOk(['x509', '-noout', '-text', '-in', file])).toMatch(/Signature Algorithm: ecdsa-with-SHA512/);
  });

  it('the subject key identifier is the one openssl computes (RFC 5280 method 1)', async () => {
    const { signer } = softwareSigner('ec-p256');
    const cert = await createSelfSignedCertificate(signer, ROOT);
    const pub = write(tmp.path, 'ski.pub.pem', new X509Certificate(cert.der).publicKey.export({ type: 'spki', format: 'pem' }));
    // openssl's "hash" SKI of the same public key, through a throwaway certificate it makes itself.
    const key = write(tmp.path, 'ski.key.pem', opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const ext = write(tmp.path, 'ski.cnf', 'subjectKeyIdentifier=hash\n');
    const other = opensslOk(['x509', '-new', '-force_pubkey', pub, '-signkey', key, '-subj', '/CN=x', '-extfile', ext, '-noout', '-text']);
    const m = /Subject Key Identifier: \s+([0-9A-F:]+)/.exec(other);
    expect(m?.[1]?.replace(/:/g, '').toLowerCase()).toBe(cert.subjectKeyIdentifier);
  });

  it('refuses bad inputs before anything is signed', async () => {
    const { signer, calls } = softwareSigner('ec-p256');
    const refuse = (o: Partial<SelfSignedOptions>, code: string, msg: RegExp) =>
      expect(createSelfSignedCertificate(signer, { ...ROOT, ...o })).rejects.toMatchObject({ code, message: expect.stringMatching(msg) });
    await refuse({ subject: 'CN=Root CA 2026, O=Example, C=GBR' }, 'E_INPUT', /country \(C\) must be a two-letter/);
    await refuse({ subject: 'CN=Root CA 2026,, C=GB' }, 'E_INPUT', /empty component/);
    await refuse({ subject: '' }, 'E_INPUT', /it is empty/);
    await refuse({ notAfter: ROOT.notBefore }, 'E_INPUT', /after it becomes valid/);
    await refuse({ notBefore: new Date('nonsense') }, 'E_INPUT', /notBefore is not a valid date/);
    await refuse({ usageMask: KMIP_USAGE.Sign }, 'E_INPUT', /CA certificate needs a key whose usage mask includes CertificateSign/);
    await refuse({ ca: false, pathLength: 1 }, 'E_INPUT', /path length constraint only applies to a CA/);
    await refuse({ dnsNames: ['not a host'] }, 'E_INPUT', /not a DNS name/);
    await refuse({ dnsNames: ['192.0.2.1'] }, 'E_INPUT', /not a DNS name/);
    await refuse({ extendedKeyUsage: ['webServer'] }, 'E_INPUT', /not an extended key usage/);
    expect(calls).toHaveLength(0);
  });

  it('random serial numbers are 16 positive bytes and differ', () => {
    const serials = new Set(Array.from({ length: 200 }, () => randomSerialNumber()));
    expect(serials.size).toBe(200);
    for (const s of serials) expect(s).toMatch(/^[4-7][0-9a-f]{31}$/);
  });
});
