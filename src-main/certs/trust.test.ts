import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { makeCa, makeIssued, type MadeCert } from './openssl-chain.test-support.js';
import { mozillaRoots, trustModel } from './trust.js';

let dir: { path: string; cleanup: () => void };
let root: MadeCert;
let inter: MadeCert;
let leaf: MadeCert;

beforeAll(() => {
  dir = tempDir();
  root = makeCa(dir.path, 'private-root');
  inter = makeIssued(dir.path, 'private-inter', root, { ext: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' });
  leaf = makeIssued(dir.path, 'leaf', inter);
});
afterAll(() => dir.cleanup());

describe('trust model', () => {
  it('reads Node\'s bundled Mozilla roots offline', () => {
    expect(mozillaRoots().certs.length).toBe(rootCertificates.length);
    expect(rootCertificates.length).toBeGreaterThan(100);
  });

  it('calls a chain ending in a bundled Mozilla root public', () => {
    const mozilla = Buffer.from(new X509Certificate(rootCertificates[0]!).raw);
    expect(trustModel(mozilla)).toBe('public');
  });

  it('calls an openssl-made chain private, whole or partial', () => {
    expect(trustModel(leaf.der, [inter.der, root.der])).toBe('private');
    expect(trustModel(leaf.der, [inter.der])).toBe('private');
    expect(trustModel(leaf.der)).toBe('private');
    expect(trustModel(root.der)).toBe('private');
  });

  it('does not let a certificate borrow a public root\'s name: the signature must verify', () => {
    const mozilla = new X509Certificate(rootCertificates[0]!);
    // A CA with exactly the subject of a Mozilla root, and a leaf it signs: names chain up, keys do not.
    const subject = '/' + mozilla.subject.split('\n').map((l) => l.replace(/\//g, '\\/')).join('/');
    const fake = makeCa(dir.path, 'fake-root', { subject });
    expect(new X509Certificate(fake.pem).subject).toBe(mozilla.subject);
    const impostor = makeIssued(dir.path, 'impostor', fake);
    expect(new X509Certificate(impostor.pem).issuer).toBe(mozilla.subject);
    expect(trustModel(impostor.der)).toBe('private');
    expect(trustModel(impostor.der, [fake.der])).toBe('private');
  });

  it('treats bytes that are not a certificate as private', () => {
    expect(trustModel(Buffer.from('not a certificate'))).toBe('private');
  });
});
