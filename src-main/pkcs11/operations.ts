import { oneShotHash } from '../crypto/one-shot-hash.js';
import { createHash, randomBytes } from 'node:crypto';
import { CustosError } from '../errors.js';
import { keyTypeFromCkk } from './algorithms.js';
import { pkcs11Binding, type GcmParameter, type Handle, type Mechanism, type OaepParameter, type Pkcs11Lib, type PssParameter } from './binding.js';
import { CKA, CKG, CKM, CKO, CKZ_DATA_SPECIFIED } from './ck.js';
import { isCkr } from './errors.js';
import { findKeyObject, findObjects, readAttribute, readUlong, type FoundKey } from './objects.js';
import { curveFromEcParams, ecdsaDerToRaw, ecdsaRawToDer } from './spki.js';
import type { TokenState } from './sessions.js';
import type { CipherMechanism, CipherOptions, EncryptResult, SignMechanism, SignOptions, TokenKeyType } from './types.js';

/**
 * Cryptographic operations with a key on the token, addressed by CKA_ID. Key material never
 * leaves the token; only inputs and results cross. Every operation checks that the key's type fits
 * the mechanism before asking the token (some tokens accept a mismatched key and fail later, or
 * not at all).
 */

interface SignSpec {
  keyTypes: TokenKeyType[];
  /** Private key for asymmetric mechanisms, secret key for MACs. */
  secret: boolean;
  ckm: number;
  /** Hash in software first (ECDSA: SoftHSM and many tokens have only raw CKM_ECDSA). */
  prehash?: 'sha256' | 'sha384' | 'sha512';
  parameter?: () => Mechanism['parameter'];
}

const SIGN_SPECS: Record<SignMechanism, SignSpec> = {
  'rsa-pkcs1-sha256': { keyTypes: ['rsa'], secret: false, ckm: CKM.SHA256_RSA_PKCS },
  'rsa-pss-sha256': {
    keyTypes: ['rsa'],
    secret: false,
    ckm: CKM.SHA256_RSA_PKCS_PSS,
    parameter: (): PssParameter => ({ type: pkcs11Binding().CK_PARAMS_RSA_PSS, hashAlg: CKM.SHA256, mgf: CKG.MGF1_SHA256, saltLen: 32 }),
  },
  'ecdsa-sha256': { keyTypes: ['ec'], secret: false, ckm: CKM.ECDSA, prehash: 'sha256' },
  'ecdsa-sha384': { keyTypes: ['ec'], secret: false, ckm: CKM.ECDSA, prehash: 'sha384' },
  'ecdsa-sha512': { keyTypes: ['ec'], secret: false, ckm: CKM.ECDSA, prehash: 'sha512' },
  eddsa: { keyTypes: ['ec-edwards'], secret: false, ckm: CKM.EDDSA },
  'hmac-sha256': { keyTypes: ['generic-secret'], secret: true, ckm: CKM.SHA256_HMAC },
};

interface CipherSpec {
  keyTypes: TokenKeyType[];
  secret: boolean;
  ckm: number;
}

const CIPHER_SPECS: Record<CipherMechanism, CipherSpec> = {
  'aes-gcm': { keyTypes: ['aes'], secret: true, ckm: CKM.AES_GCM },
  'rsa-oaep-sha1': { keyTypes: ['rsa'], secret: false, ckm: CKM.RSA_PKCS_OAEP },
  'rsa-oaep-sha256': { keyTypes: ['rsa'], secret: false, ckm: CKM.RSA_PKCS_OAEP },
};

/** Largest signature, RSA block or wrapped key Custos asks a token for (RSA-16384 fits). */
const OUT_MAX = 4096;
const GCM_TAG_BYTES = 16;

function spec<T>(table: Record<string, T>, name: string, what: string): T {
  const s = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (!s) throw new CustosError('E_INPUT', `"${name}" is not a ${what} Custos knows.`);
  return s;
}

export function signSpec(mechanism: SignMechanism): SignSpec {
  return spec(SIGN_SPECS, mechanism, 'signing mechanism');
}

/**
 * Finds the key object for an operation (cached per session) and checks its type. `classes` are
 * tried in order.
 */
export function keyFor(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  ckaId: Buffer,
  classes: readonly number[],
  keyTypes: readonly TokenKeyType[],
  what: string,
): FoundKey {
  const cacheKey = `${ckaId.toString('hex')}/${classes.join(',')}`;
  let found = state.handles.get(cacheKey);
  if (!found) {
    const r = findKeyObject(lib, session, ckaId, classes);
    if (r === 'ambiguous') {
      throw new CustosError('E_CONFLICT', `More than one object on token "${state.label}" has CKA_ID ${ckaId.toString('hex')}; Custos will not guess which key to use.`);
    }
    if (!r) {
      const kind = classes.map((c) => (c === CKO.PUBLIC_KEY ? 'public' : c === CKO.PRIVATE_KEY ? 'private' : 'secret')).join(' or ');
      const hint = state.loggedIn ? '' : ' (private and secret keys are visible only after logging in)';
      throw new CustosError('E_NOT_FOUND', `Token "${state.label}" (serial ${state.serial}) has no ${kind} key with CKA_ID ${ckaId.toString('hex')}${hint}.`);
    }
    found = r;
    state.handles.set(cacheKey, found);
  }
  const keyType = keyTypeFromCkk(found.ckk ?? -1);
  if (!keyTypes.includes(keyType)) {
    throw new CustosError('E_INPUT', `The key with CKA_ID ${ckaId.toString('hex')} is ${keyType === 'other' ? 'of a type Custos does not use' : `an ${keyType} key`}; it cannot ${what}.`);
  }
  return found;
}

/** A CK_MECHANISM for pkcs11js, with a `parameter` only when the mechanism takes one. */
function mech(ckm: number, parameter?: Mechanism['parameter']): Mechanism {
  return parameter === undefined ? { mechanism: ckm } : { mechanism: ckm, parameter };
}

function curveFieldBytes(lib: Pkcs11Lib, session: Handle, key: Handle): number {
  const params = readAttribute(lib, session, key, CKA.EC_PARAMS);
  const curve = params ? curveFromEcParams(params) : null;
  if (!curve) throw new CustosError('E_UNSUPPORTED', 'The EC key uses a curve Custos does not support.');
  return curve.fieldBytes;
}


const DIGEST_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

function digest(alg: 'sha256' | 'sha384' | 'sha512', data: Uint8Array): Buffer {
  return oneShotHash ? oneShotHash(alg, data, 'buffer') : createHash(alg).update(data).digest();
}

export function sign(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  ckaId: Buffer,
  mechanism: SignMechanism,
  data: Uint8Array,
  options: SignOptions = {},
): Uint8Array {
  return signMany(lib, session, state, ckaId, mechanism, [data], options)[0]!;
}

/**
 * Several signatures with one key and mechanism: the key is looked up and checked once, one
 * output buffer serves every C_Sign (each result is copied out of it), so a batch costs the
 * token's work and little else.
 */
export function signMany(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  ckaId: Buffer,
  mechanism: SignMechanism,
  data: readonly Uint8Array[],
  options: SignOptions = {},
): Uint8Array[] {
  const s = signSpec(mechanism);
  const key = keyFor(lib, session, state, ckaId, s.secret ? [CKO.SECRET_KEY] : [CKO.PRIVATE_KEY], s.keyTypes, `sign with ${mechanism}`);
  const m = mech(s.ckm, s.parameter?.());
  const out = Buffer.allocUnsafe(OUT_MAX);
  const der = s.prehash !== undefined && options.ecdsaFormat !== 'raw';
  const prehashed = s.prehash !== undefined && options.prehashed === true;
  if (options.prehashed && !prehashed) throw new CustosError('E_INPUT', `A prehashed input is only for ECDSA, not ${mechanism}.`);
  if (prehashed && data.some((d) => d.byteLength !== DIGEST_BYTES[s.prehash!])) {
    throw new CustosError('E_INPUT', `A prehashed ${mechanism} input must be a ${DIGEST_BYTES[s.prehash!]}-byte ${s.prehash} digest.`);
  }
  const results: Uint8Array[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const d = data[i]!;
    const input = s.prehash && !prehashed ? digest(s.prehash, d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    lib.C_SignInit(session, m, key.handle);
    const sig = lib.C_Sign(session, input, out);
    results[i] = der ? ecdsaRawToDer(sig) : new Uint8Array(sig);
  }
  return results;
}

/** True when the signature verifies; false when it does not (including malformed signatures). */
export function verify(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  ckaId: Buffer,
  mechanism: SignMechanism,
  data: Uint8Array,
  signature: Uint8Array,
  options: SignOptions = {},
): boolean {
  const s = signSpec(mechanism);
  if (options.prehashed) throw new CustosError('E_INPUT', 'Verification takes the signed data, not a digest.');
  const key = keyFor(lib, session, state, ckaId, s.secret ? [CKO.SECRET_KEY] : [CKO.PUBLIC_KEY], s.keyTypes, `verify with ${mechanism}`);
  let sig: Uint8Array | null = signature;
  if (s.prehash && options.ecdsaFormat !== 'raw') sig = ecdsaDerToRaw(signature, curveFieldBytes(lib, session, key.handle));
  if (!sig || sig.byteLength === 0) return false;
  const input = s.prehash ? digest(s.prehash, data) : Buffer.from(data);
  lib.C_VerifyInit(session, mech(s.ckm, s.parameter?.()), key.handle);
  try {
    return lib.C_Verify(session, input, Buffer.from(sig));
  } catch (e) {
    if (isCkr(e, 'SIGNATURE_INVALID', 'SIGNATURE_LEN_RANGE')) return false;
    throw e;
  }
}

function gcmParameter(iv: Uint8Array, aad: Uint8Array | undefined): GcmParameter {
  if (iv.byteLength !== 12) throw new CustosError('E_INPUT', 'An AES-GCM IV is 12 bytes.');
  const p: GcmParameter = { type: pkcs11Binding().CK_PARAMS_AES_GCM, iv: Buffer.from(iv), ivBits: 96, tagBits: 128 };
  if (aad) p.aad = Buffer.from(aad);
  return p;
}

function oaepParameter(mechanism: CipherMechanism): OaepParameter {
  const sha256 = mechanism === 'rsa-oaep-sha256';
  return {
    type: pkcs11Binding().CK_PARAMS_RSA_OAEP,
    hashAlg: sha256 ? CKM.SHA256 : CKM.SHA_1,
    mgf: sha256 ? CKG.MGF1_SHA256 : CKG.MGF1_SHA1,
    source: CKZ_DATA_SPECIFIED,
  };
}

export function encrypt(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  ckaId: Buffer,
  mechanism: CipherMechanism,
  plaintext: Uint8Array,
  options: CipherOptions = {},
): EncryptResult {
  const s = spec(CIPHER_SPECS, mechanism, 'cipher mechanism');
  const key = keyFor(lib, session, state, ckaId, s.secret ? [CKO.SECRET_KEY] : [CKO.PUBLIC_KEY], s.keyTypes, `encrypt with ${mechanism}`);
  if (mechanism === 'aes-gcm') {
    const iv = options.iv ?? randomBytes(12);
    lib.C_EncryptInit(session, mech(s.ckm, gcmParameter(iv, options.aad)), key.handle);
    const out = lib.C_Encrypt(session, Buffer.from(plaintext), Buffer.alloc(plaintext.byteLength + GCM_TAG_BYTES));
    return { ciphertext: new Uint8Array(out), iv: new Uint8Array(iv) };
  }
  lib.C_EncryptInit(session, mech(s.ckm, oaepParameter(mechanism)), key.handle);
  return { ciphertext: new Uint8Array(lib.C_Encrypt(session, Buffer.from(plaintext), Buffer.alloc(OUT_MAX))), iv: null };
}

export function decrypt(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  ckaId: Buffer,
  mechanism: CipherMechanism,
  ciphertext: Uint8Array,
  options: CipherOptions = {},
): Uint8Array {
  const s = spec(CIPHER_SPECS, mechanism, 'cipher mechanism');
  const key = keyFor(lib, session, state, ckaId, s.secret ? [CKO.SECRET_KEY] : [CKO.PRIVATE_KEY], s.keyTypes, `decrypt with ${mechanism}`);
  if (mechanism === 'aes-gcm') {
    if (!options.iv) throw new CustosError('E_INPUT', 'AES-GCM decryption needs the IV used to encrypt.');
    if (ciphertext.byteLength < GCM_TAG_BYTES) throw new CustosError('E_CRYPTO', 'Decryption failed: the ciphertext is shorter than a GCM tag.');
    lib.C_DecryptInit(session, mech(s.ckm, gcmParameter(options.iv, options.aad)), key.handle);
    return new Uint8Array(lib.C_Decrypt(session, Buffer.from(ciphertext), Buffer.alloc(ciphertext.byteLength)));
  }
  lib.C_DecryptInit(session, mech(s.ckm, oaepParameter(mechanism)), key.handle);
  return new Uint8Array(lib.C_Decrypt(session, Buffer.from(ciphertext), Buffer.alloc(OUT_MAX)));
}

/** CKM_AES_KEY_WRAP_PAD (RFC 5649) of a private or secret key under an AES key on the same token. */
export function wrapKey(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  wrappingId: Buffer,
  targetId: Buffer,
): { wrapped: Uint8Array; kind: 'private-key' | 'secret-key'; keyType: TokenKeyType } {
  const wrapping = keyFor(lib, session, state, wrappingId, [CKO.SECRET_KEY], ['aes'], 'wrap other keys');
  const target = keyFor(
    lib,
    session,
    state,
    targetId,
    [CKO.SECRET_KEY, CKO.PRIVATE_KEY],
    ['rsa', 'ec', 'ec-edwards', 'aes', 'generic-secret'],
    'be wrapped',
  );
  const out = lib.C_WrapKey(session, mech(CKM.AES_KEY_WRAP_PAD), wrapping.handle, target.handle, Buffer.alloc(OUT_MAX));
  return {
    wrapped: new Uint8Array(out),
    kind: target.objectClass === CKO.PRIVATE_KEY ? 'private-key' : 'secret-key',
    keyType: keyTypeFromCkk(target.ckk ?? -1),
  };
}

/** Destroys every object with this CKA_ID (both halves of a pair). Returns how many there were. */
export function destroyKey(lib: Pkcs11Lib, session: Handle, state: TokenState, ckaId: Buffer): number {
  const objects = findObjects(lib, session, [{ type: CKA.ID, value: ckaId }]);
  const keys = objects.filter((h) => {
    const c = readUlong(lib, session, h, CKA.CLASS);
    return c === CKO.PUBLIC_KEY || c === CKO.PRIVATE_KEY || c === CKO.SECRET_KEY;
  });
  for (const h of keys) lib.C_DestroyObject(session, h);
  for (const k of [...state.handles.keys()]) if (k.startsWith(`${ckaId.toString('hex')}/`)) state.handles.delete(k);
  return keys.length;
}
