import { randomBytes } from 'node:crypto';
import { CustosError } from '../errors.js';
import { TOKEN_ALGORITHM_SPECS, type TokenAlgorithmSpec } from './algorithms.js';
import type { Handle, Pkcs11Lib, Template } from './binding.js';
import { CKA, CKO } from './ck.js';
import { isCkr } from './errors.js';
import { ecParamsEdwardsName, ecParamsOid } from './spki.js';
import { checkUsage, usageTemplates } from './usage.js';
import type { GenerateOnTokenRequest, KeyUsageAttributes, TokenAlgorithm } from './types.js';

/** CKA_ID for a new key: 16 random bytes, lowercase hex. */
export function newCkaId(): string {
  return randomBytes(16).toString('hex');
}

export function parseCkaId(hex: string): Buffer {
  if (!/^(?:[0-9a-f]{2}){1,64}$/.test(hex)) {
    throw new CustosError('E_INPUT', 'A CKA_ID is 1 to 64 bytes written as lowercase hex.');
  }
  return Buffer.from(hex, 'hex');
}

export function checkLabel(label: string): string {
  const bytes = Buffer.byteLength(label, 'utf8');
  if (bytes === 0 || bytes > 255 || /\p{Cc}/u.test(label)) {
    throw new CustosError('E_INPUT', 'A key label on a token is 1 to 255 bytes of text without control characters.');
  }
  return label;
}

export function specFor(algorithm: TokenAlgorithm): TokenAlgorithmSpec {
  const spec = TOKEN_ALGORITHM_SPECS[algorithm];
  if (!spec) throw new CustosError('E_INPUT', `Custos does not generate "${String(algorithm)}" keys on tokens.`);
  return spec;
}

/** The usage attributes each object class has (PKCS#11 §4.8–4.10); setting another one is CKR_ATTRIBUTE_TYPE_INVALID. */
const USAGE_ATTRIBUTES = {
  public: ['verify', 'encrypt', 'wrap', 'derive'],
  private: ['sign', 'decrypt', 'unwrap', 'derive'],
  secret: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'derive'],
} as const satisfies Record<string, ReadonlyArray<keyof KeyUsageAttributes>>;

const USAGE_CKA: Record<keyof KeyUsageAttributes, number> = {
  sign: CKA.SIGN,
  verify: CKA.VERIFY,
  encrypt: CKA.ENCRYPT,
  decrypt: CKA.DECRYPT,
  wrap: CKA.WRAP,
  unwrap: CKA.UNWRAP,
  derive: CKA.DERIVE,
};

function usageAttributes(u: KeyUsageAttributes, objectClass: keyof typeof USAGE_ATTRIBUTES): Template {
  return USAGE_ATTRIBUTES[objectClass].map((k) => ({ type: USAGE_CKA[k], value: u[k] }));
}

export interface KeyTemplates {
  /** For a pair; null for a secret key. */
  publicKey: Template | null;
  /** The private key of a pair, or the secret key. */
  privateOrSecret: Template;
}

/**
 * The templates for a new key, from the algorithm and the KMIP usage mask. The private or secret
 * object is a token object, private, sensitive, and extractable only when marked for wrapped
 * backup; every usage attribute is set explicitly. The public object is a token object that can be
 * read without logging in. Sign/verify-recover are always off.
 */
export function keyTemplates(
  spec: TokenAlgorithmSpec,
  req: { label: string; usageMask: number; wrappableForBackup?: boolean | undefined },
  ckaId: Buffer,
  ecParams?: Uint8Array,
): KeyTemplates {
  checkUsage(req.usageMask, spec.allowedUsage, spec.label);
  const usage = usageTemplates(req.usageMask, spec.symmetric);
  const label = Buffer.from(checkLabel(req.label), 'utf8');
  const common: Template = [
    { type: CKA.TOKEN, value: true },
    { type: CKA.ID, value: ckaId },
    { type: CKA.LABEL, value: label },
  ];
  const protect: Template = [
    { type: CKA.PRIVATE, value: true },
    { type: CKA.SENSITIVE, value: true },
    { type: CKA.EXTRACTABLE, value: req.wrappableForBackup === true },
  ];

  if (spec.symmetric) {
    return {
      publicKey: null,
      privateOrSecret: [
        { type: CKA.CLASS, value: CKO.SECRET_KEY },
        { type: CKA.KEY_TYPE, value: spec.ckk },
        ...common,
        ...protect,
        { type: CKA.VALUE_LEN, value: spec.size / 8 },
        ...usageAttributes(usage.privateOrSecret, 'secret'),
      ],
    };
  }

  const shape: Template =
    spec.keyType === 'rsa'
      ? [
          { type: CKA.MODULUS_BITS, value: spec.size },
          { type: CKA.PUBLIC_EXPONENT, value: Buffer.from([0x01, 0x00, 0x01]) },
        ]
      : [{ type: CKA.EC_PARAMS, value: Buffer.from(ecParams ?? ecParamsOid(spec.curve!)) }];
  return {
    publicKey: [
      { type: CKA.CLASS, value: CKO.PUBLIC_KEY },
      { type: CKA.KEY_TYPE, value: spec.ckk },
      ...common,
      { type: CKA.PRIVATE, value: false },
      ...shape,
      ...usageAttributes(usage.public, 'public'),
      { type: CKA.VERIFY_RECOVER, value: false },
    ],
    privateOrSecret: [
      { type: CKA.CLASS, value: CKO.PRIVATE_KEY },
      { type: CKA.KEY_TYPE, value: spec.ckk },
      ...common,
      ...protect,
      ...usageAttributes(usage.privateOrSecret, 'private'),
      { type: CKA.SIGN_RECOVER, value: false },
    ],
  };
}

/**
 * Generates the key on the token. Returns its CKA_ID; the caller reads the key back (public key,
 * attributes) the same way discovery does, so what Custos records is what the token holds.
 */
export function generateOnToken(lib: Pkcs11Lib, session: Handle, req: GenerateOnTokenRequest): string {
  const spec = specFor(req.algorithm);
  const ckaIdHex = req.ckaId ?? newCkaId();
  const ckaId = parseCkaId(ckaIdHex);
  const t = keyTemplates(spec, req, ckaId);
  const mechanism = { mechanism: spec.generateMechanism };

  if (!t.publicKey) {
    lib.C_GenerateKey(session, mechanism, t.privateOrSecret);
    return ckaIdHex;
  }
  try {
    lib.C_GenerateKeyPair(session, mechanism, t.publicKey, t.privateOrSecret);
  } catch (e) {
    // PKCS#11 3.0 allows Edwards curves to be named by a PrintableString; some tokens accept only that form.
    if (spec.keyType !== 'ec-edwards' || !isCkr(e, 'ATTRIBUTE_VALUE_INVALID', 'CURVE_NOT_SUPPORTED', 'DOMAIN_PARAMS_INVALID')) throw e;
    const alt = keyTemplates(spec, req, ckaId, ecParamsEdwardsName());
    lib.C_GenerateKeyPair(session, mechanism, alt.publicKey!, alt.privateOrSecret);
  }
  return ckaIdHex;
}
