import { describe, expect, it } from 'vitest';
import { TOKEN_ALGORITHM_SPECS } from './algorithms.js';
import { CKA, CKM, CKO } from './ck.js';
import { keyTemplates } from './keygen.js';
import { checkUsage, KMIP_USAGE as U, usageMaskFromAttributes, usageMaskOf, usageNames, usageTemplates } from './usage.js';

function attrs(template: Array<{ type: number; value?: unknown }>): Map<number, unknown> {
  return new Map(template.map((a) => [a.type, a.value]));
}

describe('KMIP usage mask → PKCS#11 attributes', () => {
  it('maps asymmetric usage onto the half that performs it', () => {
    const t = usageTemplates(usageMaskOf('Sign', 'Verify', 'Decrypt', 'Encrypt'), false);
    expect(t.privateOrSecret).toEqual({ sign: true, verify: false, encrypt: false, decrypt: true, wrap: false, unwrap: false, derive: false });
    expect(t.public).toEqual({ sign: false, verify: true, encrypt: true, decrypt: false, wrap: false, unwrap: false, derive: false });
    expect(usageTemplates(U.CertificateSign, false).privateOrSecret.sign).toBe(true);
    expect(usageTemplates(U.KeyAgreement, false).privateOrSecret.derive).toBe(true);
  });

  it('maps symmetric usage onto the one secret object, MACs on CKA_SIGN/CKA_VERIFY', () => {
    const t = usageTemplates(usageMaskOf('MACGenerate', 'MACVerify', 'WrapKey'), true);
    expect(t.privateOrSecret).toEqual({ sign: true, verify: true, encrypt: false, decrypt: false, wrap: true, unwrap: false, derive: false });
    expect(usageMaskFromAttributes(t.privateOrSecret, true)).toBe(usageMaskOf('MACGenerate', 'MACVerify', 'WrapKey'));
  });

  it('refuses usage a family cannot have, unknown bits, and an empty mask', () => {
    expect(() => checkUsage(U.Encrypt, TOKEN_ALGORITHM_SPECS['ec-p256'].allowedUsage, 'EC P-256')).toThrow(/EC P-256 keys cannot be used for Encrypt/);
    expect(() => checkUsage(0x4000_0000, 0xffff, 'x')).toThrow(/not KMIP usages/);
    expect(() => checkUsage(U.Export, TOKEN_ALGORITHM_SPECS['aes-256'].allowedUsage, 'AES-256')).toThrow(/needs at least one usage/);
    expect(() => checkUsage(U.Sign, TOKEN_ALGORITHM_SPECS['hmac-sha256'].allowedUsage, 'HMAC')).toThrow(/cannot be used for Sign/);
    expect(usageNames(0x183)).toEqual(['Sign', 'Verify', 'MACGenerate', 'MACVerify']);
  });
});

describe('key templates', () => {
  const id = Buffer.alloc(16, 7);

  it('a key pair: token objects, private half private, sensitive and never extractable, every usage set explicitly', () => {
    const t = keyTemplates(TOKEN_ALGORITHM_SPECS['rsa-3072'], { label: 'ceremony', usageMask: usageMaskOf('Sign', 'Verify') }, id);
    const priv = attrs(t.privateOrSecret);
    const pub = attrs(t.publicKey!);
    expect(priv.get(CKA.CLASS)).toBe(CKO.PRIVATE_KEY);
    expect([priv.get(CKA.TOKEN), priv.get(CKA.PRIVATE), priv.get(CKA.SENSITIVE), priv.get(CKA.EXTRACTABLE)]).toEqual([true, true, true, false]);
    expect([priv.get(CKA.SIGN), priv.get(CKA.DECRYPT), priv.get(CKA.UNWRAP), priv.get(CKA.DERIVE), priv.get(CKA.SIGN_RECOVER)]).toEqual([true, false, false, false, false]);
    expect(priv.has(CKA.VERIFY)).toBe(false); // not a private-key attribute
    expect([pub.get(CKA.TOKEN), pub.get(CKA.PRIVATE), pub.get(CKA.VERIFY), pub.get(CKA.ENCRYPT), pub.get(CKA.WRAP)]).toEqual([true, false, true, false, false]);
    expect(pub.get(CKA.MODULUS_BITS)).toBe(3072);
    expect(Buffer.from(pub.get(CKA.PUBLIC_EXPONENT) as Buffer).toString('hex')).toBe('010001');
    expect(priv.get(CKA.ID)).toEqual(id);
    expect(Buffer.from(priv.get(CKA.LABEL) as Buffer).toString()).toBe('ceremony');
  });

  it('extractable only when marked for wrapped backup', () => {
    const t = keyTemplates(TOKEN_ALGORITHM_SPECS['aes-256'], { label: 'k', usageMask: U.Encrypt | U.Decrypt, wrappableForBackup: true }, id);
    const s = attrs(t.privateOrSecret);
    expect(t.publicKey).toBeNull();
    expect([s.get(CKA.SENSITIVE), s.get(CKA.EXTRACTABLE), s.get(CKA.VALUE_LEN)]).toEqual([true, true, 32]);
  });

  it('EC and Edwards keys name their curve by OID; Ed25519 uses the PKCS#11 3.0 mechanism', () => {
    const ed = TOKEN_ALGORITHM_SPECS.ed25519;
    expect([ed.generateMechanism, ed.ckk]).toEqual([CKM.EC_EDWARDS_KEY_PAIR_GEN, 0x40]);
    const t = keyTemplates(ed, { label: 'e', usageMask: U.Sign | U.Verify }, id);
    expect(Buffer.from(attrs(t.publicKey!).get(CKA.EC_PARAMS) as Buffer).toString('hex')).toBe('06032b6570');
    const p521 = keyTemplates(TOKEN_ALGORITHM_SPECS['ec-p521'], { label: 'e', usageMask: U.Sign }, id);
    expect(Buffer.from(attrs(p521.publicKey!).get(CKA.EC_PARAMS) as Buffer).toString('hex')).toBe('06052b81040023');
  });

  it('refuses labels with control characters', () => {
    expect(() => keyTemplates(TOKEN_ALGORITHM_SPECS['aes-128'], { label: 'a\nb', usageMask: U.Encrypt }, id)).toThrow(/label/);
  });
});
