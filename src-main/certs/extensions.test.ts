import { describe, expect, it } from 'vitest';
import { KMIP_USAGE } from '../../src-shared/lifecycle.js';
import { checkDnsName, extendedKeyUsageOids, keyUsageFromMask } from './extensions.js';

const U = KMIP_USAGE;

describe('KeyUsage from the KMIP usage mask', () => {
  it.each([
    ['Sign', 'ec', U.Sign, ['digitalSignature']],
    ['Sign|Verify', 'eddsa', U.Sign | U.Verify, ['digitalSignature']],
    ['Verify only', 'rsa', U.Verify, []],
    ['CA', 'ec', U.Sign | U.CertificateSign | U.CRLSign, ['digitalSignature', 'keyCertSign', 'cRLSign']],
    ['CertificateSign alone', 'rsa', U.CertificateSign, ['keyCertSign']],
    ['RSA Encrypt', 'rsa', U.Encrypt, ['keyEncipherment', 'dataEncipherment']],
    ['RSA Decrypt', 'rsa', U.Decrypt, ['keyEncipherment', 'dataEncipherment']],
    ['RSA WrapKey|UnwrapKey', 'rsa', U.WrapKey | U.UnwrapKey, ['keyEncipherment']],
    ['EC Encrypt is not an EC usage', 'ec', U.Encrypt | U.WrapKey, []],
    ['EC KeyAgreement', 'ec', U.Sign | U.KeyAgreement, ['digitalSignature', 'keyAgreement']],
    ['Ed25519 KeyAgreement is not possible', 'eddsa', U.KeyAgreement, []],
    ['RSA KeyAgreement is not possible', 'rsa', U.KeyAgreement, []],
    ['MAC, Export, DeriveKey have no bit', 'rsa', U.MACGenerate | U.MACVerify | U.Export | U.DeriveKey, []],
    ['symmetric keys have none', 'aes', U.Encrypt | U.Sign, []],
  ] as const)('%s', (_label, family, mask, want) => {
    expect(keyUsageFromMask(mask, family)).toEqual(want);
  });
});

describe('DNS names and extended key usages', () => {
  it('accepts host names and one leading wildcard, normalised to lower case', () => {
    expect(checkDnsName('WWW.Example.org.')).toBe('www.example.org');
    expect(checkDnsName('*.example.org')).toBe('*.example.org');
    expect(checkDnsName('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
  });
  it.each(['', 'a b.example', '-bad.example', 'bad-.example', 'a..b', '*.*.example', 'x.*.example', '10.0.0.1', '::1', `${'a'.repeat(64)}.example`, 'bücher.example'])('refuses %j', (n) => {
    expect(() => checkDnsName(n)).toThrow(/not a DNS name/);
  });
  it('maps EKU names and passes dotted OIDs', () => {
    expect(extendedKeyUsageOids(['serverAuth', 'codeSigning', '1.3.6.1.5.5.7.3.17'])).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.17']);
    expect(() => extendedKeyUsageOids(['anything'])).toThrow(/not an extended key usage/);
  });
});
