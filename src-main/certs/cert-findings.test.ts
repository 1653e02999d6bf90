import { createHash, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import { tempDir } from '../testing/temp.js';
import { certificateFindings, type CertificateFacts, type CertKeyFacts } from './cert-findings.js';
import { makeCa, makeIssued, type MadeCert } from './openssl-chain.test-support.js';

let dir: { path: string; cleanup: () => void };
let ecCa: MadeCert;
let rsaCa: MadeCert;

const spkiFp = (m: MadeCert) => createHash('sha256').update(new X509Certificate(m.pem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');

function facts(m: MadeCert, profile: string, sightings: CertificateFacts['sightings'] = []): CertificateFacts {
  const x = new X509Certificate(m.pem);
  return {
    id: createHash('sha256').update(m.der).digest('hex').slice(0, 32),
    der: m.der,
    subject: x.subject,
    spkiFingerprint: spkiFp(m),
    profile,
    isCa: x.ca,
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    signatureAlgorithm: 'unknown',
    sightings,
  };
}
const key = (m: MadeCert, o: Partial<CertKeyFacts> = {}): CertKeyFacts => ({ id: `k-${spkiFp(m).slice(0, 8)}`, fingerprint: spkiFp(m), usageMask: KMIP_USAGE.Sign | KMIP_USAGE.Verify, purpose: null, store: 'vault', family: 'ec', ...o });
const keyMap = (...ks: CertKeyFacts[]) => new Map(ks.map((k) => [k.fingerprint, k]));
const NOW = new Date();
const checks = (fs: Array<{ check: string }>) => fs.map((f) => f.check).sort();

beforeAll(() => {
  dir = tempDir();
  ecCa = makeCa(dir.path, 'ec-ca');
  rsaCa = makeCa(dir.path, 'rsa-ca', { key: 'rsa' });
});
afterAll(() => dir.cleanup());

describe('certificate findings', () => {
  it('gives a clean SHA-256 TLS certificate whose key fits it no finding', () => {
    const leaf = makeIssued(dir.path, 'clean', ecCa, { ext: 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' });
    expect(certificateFindings([facts(leaf, 'tls-server')], keyMap(key(leaf, { purpose: 'tls-server' })), { now: NOW })).toEqual([]);
  });

  it('flags SHA-1 and MD5 signatures, but not on a self-signed root', () => {
    const sha1 = makeIssued(dir.path, 'sha1', rsaCa, { md: 'sha1' });
    const md5 = makeIssued(dir.path, 'md5', rsaCa, { md: 'md5' });
    const f = certificateFindings([facts(sha1, 'tls-server'), facts(md5, 'tls-server')], new Map(), { now: NOW });
    expect(f.filter((x) => x.check === 'cert-weak-signature').map((x) => x.message.match(/with (\S+),/)?.[1]).sort()).toEqual(['md5WithRSAEncryption', 'sha1WithRSAEncryption']);
    const root = makeCa(dir.path, 'sha1-root', { key: 'rsa', md: 'sha1' });
    expect(certificateFindings([facts(root, 'ca')], new Map(), { now: NOW }).filter((x) => x.check === 'cert-weak-signature')).toEqual([]);
  });

  it('flags expired and expiring certificates against a configurable horizon', () => {
    const leaf = makeIssued(dir.path, 'dated', ecCa, { days: 60 });
    const c = facts(leaf, 'tls-server');
    const end = Date.parse(c.notAfter);
    expect(checks(certificateFindings([c], new Map(), { now: new Date(end + 86_400_000) }))).toEqual(['cert-expired']);
    expect(checks(certificateFindings([c], new Map(), { now: new Date(end - 10 * 86_400_000), horizonDays: 30 }))).toEqual(['cert-expiring']);
    expect(checks(certificateFindings([c], new Map(), { now: new Date(end - 10 * 86_400_000), horizonDays: 5 }))).toEqual([]);
    expect(checks(certificateFindings([c], new Map(), { now: NOW, horizonDays: 90 }))).toEqual(['cert-expiring']);
  });

  it('flags KeyUsage and profile that do not fit the key\'s usage mask and purpose', () => {
    const leaf = makeIssued(dir.path, 'ku', rsaCa, { key: 'rsa' }); // digitalSignature, keyEncipherment, serverAuth
    const signOnly = key(leaf, { family: 'rsa', purpose: 'code-signing' });
    const f = certificateFindings([facts(leaf, 'tls-server')], keyMap(signOnly), { now: NOW });
    expect(f.map((x) => x.message).join(' ')).toContain('keyEncipherment without Encrypt or WrapKey');
    expect(f.map((x) => x.message).join(' ')).toContain('its key\'s purpose is code-signing');
    expect(f.every((x) => x.keyId === signOnly.id && x.check === 'cert-key-usage')).toBe(true);
    const fits = key(leaf, { family: 'rsa', purpose: 'tls-server', usageMask: KMIP_USAGE.Sign | KMIP_USAGE.Verify | KMIP_USAGE.WrapKey | KMIP_USAGE.UnwrapKey });
    expect(certificateFindings([facts(leaf, 'tls-server')], keyMap(fits), { now: NOW })).toEqual([]);
  });

  it('flags a CA certificate without keyCertSign, and a TLS server certificate whose KeyUsage cannot do TLS', () => {
    const badCa = makeIssued(dir.path, 'bad-ca', ecCa, { ext: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n' });
    const badTls = makeIssued(dir.path, 'bad-tls', ecCa, { ext: 'keyUsage=critical,cRLSign\nextendedKeyUsage=serverAuth\n' });
    const f = certificateFindings([facts(badCa, 'ca'), facts(badTls, 'tls-server')], new Map(), { now: NOW });
    expect(f.map((x) => x.message).join(' ')).toContain('lacks the keyCertSign');
    expect(f.map((x) => x.message).join(' ')).toContain('neither digitalSignature');
  });

  it('flags a CA key in the inventory that is not on a token', () => {
    const inter = makeIssued(dir.path, 'inter', ecCa, { ext: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' });
    const mask = KMIP_USAGE.Sign | KMIP_USAGE.CertificateSign | KMIP_USAGE.CRLSign;
    expect(checks(certificateFindings([facts(inter, 'ca')], keyMap(key(inter, { usageMask: mask, store: 'vault' })), { now: NOW }))).toEqual(['ca-key-outside-token']);
    expect(checks(certificateFindings([facts(inter, 'ca')], keyMap(key(inter, { usageMask: mask, store: 'token' })), { now: NOW }))).toEqual([]);
  });

  it('flags one key certified several times, for several purposes, behind several hosts', () => {
    const a = makeIssued(dir.path, 'reuse-a', ecCa);
    const b = makeIssued(dir.path, 'reuse-b', ecCa, { reuseKey: join(dir.path, 'reuse-a.key'), ext: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' });
    expect(spkiFp(a)).toBe(spkiFp(b));
    const certs = [facts(a, 'tls-server', [{ kind: 'tls', location: 'a.example:443' }]), facts(b, 'code-signing', [{ kind: 'tls', location: 'b.example:443' }, { kind: 'file', location: '/x' }])];
    const unknownKey = certificateFindings(certs, new Map(), { now: NOW }).filter((x) => x.check.startsWith('key-reuse'));
    expect(checks(unknownKey)).toEqual(['key-reuse-certificates', 'key-reuse-certificates', 'key-reuse-hosts', 'key-reuse-hosts', 'key-reuse-purposes', 'key-reuse-purposes']);
    const k = key(a, { usageMask: KMIP_USAGE.Sign | KMIP_USAGE.WrapKey });
    const known = certificateFindings(certs, keyMap(k), { now: NOW }).filter((x) => x.check.startsWith('key-reuse'));
    expect(checks(known)).toEqual(['key-reuse-certificates', 'key-reuse-hosts', 'key-reuse-purposes']);
    expect(known.every((x) => x.keyId === k.id && x.certificateId === null)).toBe(true);
    // One certificate seen in two places is not reuse of a key across certificates.
    expect(checks(certificateFindings([facts(a, 'tls-server', [{ kind: 'file', location: '/1' }, { kind: 'file', location: '/2' }])], new Map(), { now: NOW }))).toEqual([]);
  });
});
