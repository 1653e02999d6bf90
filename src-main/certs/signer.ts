import 'reflect-metadata';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { SignMechanismId } from '../../src-shared/contract.js';
import { ALGORITHMS, type AlgorithmId, type AlgorithmInfo } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';
import { checkMechanism, defaultSignMechanism } from '../keys/mechanisms.js';
import { softwareVerify } from '../keys/software-sign.js';
import { ecdsaDerToRaw } from '../pkcs11/spki.js';

type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;
type KeyAlgorithm = webcrypto.KeyAlgorithm;
type KeyType = webcrypto.KeyType;
type BufferSource = webcrypto.BufferSource;
/** What @peculiar/x509's generators take as their crypto provider. */
type Crypto = webcrypto.Crypto;

/**
 * Delegated signing for @peculiar/x509. Custos never hands a private key to the library: the
 * generators get a stand-in CryptoKey and a minimal WebCrypto-shaped provider whose subtle.sign()
 * passes the to-be-signed bytes to the core's callback (vault key in software, or a PKCS#11 token)
 * and returns the signature in the form WebCrypto would. Nothing else of WebCrypto is implemented:
 * a library call that needs more fails loudly instead of reaching a real key.
 */

/** Signs exactly `tbs` with the key's private half, using the signer's mechanism. */
export type SignCallback = (tbs: Uint8Array) => Promise<Uint8Array>;

export interface CertSigner {
  /** The Custos algorithm of the key (asymmetric: ec-*, ed25519, rsa-*). */
  algorithm: AlgorithmId;
  /** DER SubjectPublicKeyInfo of the key, as stored in the vault. */
  spki: Uint8Array;
  /**
   * The mechanism `sign` uses; default defaultSignMechanism(algorithm): rsa-pkcs1-sha256,
   * ecdsa-sha256/384/512 by curve, eddsa. rsa-pss-sha256 (MGF1-SHA-256, 32-byte salt) is allowed.
   */
  mechanism?: SignMechanismId;
  /**
   * Returns the signature over `tbs`: DER ECDSA-Sig-Value, a PKCS#1 v1.5 or PSS signature of the
   * modulus length, or the raw 64-byte Ed25519 signature — what softwareSign() and the PKCS#11
   * path (after ecdsaRawToDer) already return. The core checks state and usage before calling.
   */
  sign: SignCallback;
}

export interface ResolvedSigner {
  info: AlgorithmInfo;
  mechanism: SignMechanismId;
  spki: Buffer;
  publicKey: KeyObject;
  /** X.509 signatureAlgorithm name, for display ("ecdsa-with-SHA384"). */
  signatureAlgorithmName: string;
  /** The stand-in keys and the provider to hand to @peculiar/x509. */
  webKey: { privateKey: CryptoKey; publicKey: CryptoKey };
  signingAlgorithm: Algorithm;
  provider: Crypto;
  /** Every to-be-signed buffer the callback was given, in order (one per generated object). */
  signed: Uint8Array[];
}

const EC_CURVES: Record<string, { named: string; fieldBytes: number }> = {
  'P-256': { named: 'prime256v1', fieldBytes: 32 },
  'P-384': { named: 'secp384r1', fieldBytes: 48 },
  'P-521': { named: 'secp521r1', fieldBytes: 66 },
};

function webAlgorithms(info: AlgorithmInfo, mechanism: SignMechanismId): { keyAlgorithm: KeyAlgorithm & Record<string, unknown>; signingAlgorithm: Algorithm & Record<string, unknown>; name: string } {
  switch (mechanism) {
    case 'rsa-pkcs1-sha256':
      return { keyAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } }, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, name: 'sha256WithRSAEncryption' };
    case 'rsa-pss-sha256':
      return { keyAlgorithm: { name: 'RSA-PSS', hash: { name: 'SHA-256' } }, signingAlgorithm: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }, name: 'RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)' };
    case 'ecdsa-sha256':
    case 'ecdsa-sha384':
    case 'ecdsa-sha512': {
      const bits = mechanism.slice(-3);
      // No `hash` on the key algorithm: x509 spreads it over the signing algorithm.
      return { keyAlgorithm: { name: 'ECDSA', namedCurve: info.curve! }, signingAlgorithm: { name: 'ECDSA', hash: `SHA-${bits}` }, name: `ecdsa-with-SHA${bits}` };
    }
    case 'eddsa':
      return { keyAlgorithm: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' }, name: 'Ed25519' };
    default:
      throw new CustosError('E_UNSUPPORTED', `The ${mechanism} mechanism cannot sign certificates.`);
  }
}

/** Checks the SPKI is a key of the declared algorithm (type, curve, modulus size). */
function checkSpki(info: AlgorithmInfo, spki: Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (e) {
    throw new CustosError('E_INPUT', 'The public key is not a valid DER SubjectPublicKeyInfo.', { cause: e });
  }
  const d = key.asymmetricKeyDetails ?? {};
  const ok =
    (info.family === 'rsa' && key.asymmetricKeyType === 'rsa' && d.modulusLength === info.size) ||
    (info.family === 'ec' && key.asymmetricKeyType === 'ec' && d.namedCurve === EC_CURVES[info.curve!]?.named) ||
    (info.family === 'eddsa' && key.asymmetricKeyType === 'ed25519');
  if (!ok) throw new CustosError('E_INPUT', `The public key given is not a ${info.label} key.`);
  return key;
}

/** The callback's signature → the form WebCrypto's sign() returns, which x509 then re-encodes. */
function toWebSignature(info: AlgorithmInfo, signature: Uint8Array): ArrayBuffer {
  const sig = new Uint8Array(signature);
  if (info.family === 'ec') {
    const raw = ecdsaDerToRaw(sig, EC_CURVES[info.curve!]!.fieldBytes);
    if (!raw) throw new CustosError('E_CRYPTO', `The signer did not return a DER ECDSA signature for ${info.label}.`);
    return raw.slice().buffer;
  }
  if (info.family === 'eddsa' && sig.byteLength !== 64) throw new CustosError('E_CRYPTO', 'The signer did not return a 64-byte Ed25519 signature.');
  if (info.family === 'rsa' && sig.byteLength !== info.size / 8) throw new CustosError('E_CRYPTO', `The signer did not return a ${info.size}-bit RSA signature.`);
  return sig.slice().buffer;
}

export function resolveSigner(signer: CertSigner): ResolvedSigner {
  const info = ALGORITHMS[signer.algorithm];
  if (!info || info.symmetric) throw new CustosError('E_UNSUPPORTED', `${info?.label ?? signer.algorithm} keys cannot sign certificates or requests; use an RSA, EC or Ed25519 key.`);
  const mechanism = signer.mechanism ?? defaultSignMechanism(signer.algorithm);
  checkMechanism(info.family, mechanism);
  const spki = Buffer.from(signer.spki);
  const publicKey = checkSpki(info, spki);
  const { keyAlgorithm, signingAlgorithm, name } = webAlgorithms(info, mechanism);

  const stand = (type: KeyType): CryptoKey => Object.freeze({ type, algorithm: keyAlgorithm, extractable: false, usages: type === 'private' ? ['sign'] : ['verify'] }) as unknown as CryptoKey;
  const privateKey = stand('private');
  const webPublicKey = stand('public');
  const signed: Uint8Array[] = [];
  const unsupported = (what: string) => () => Promise.reject(new CustosError('E_INTERNAL', `Certificate generation asked the delegated signer for ${what}, which it does not provide.`));

  const subtle = {
    async sign(_algorithm: unknown, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
      if (key !== privateKey) throw new CustosError('E_INTERNAL', 'The delegated signer was asked to sign with a key it does not hold.');
      const tbs = data instanceof ArrayBuffer ? new Uint8Array(data.slice(0)) : new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      signed.push(tbs);
      const signature = await signer.sign(new Uint8Array(tbs));
      if (!(signature instanceof Uint8Array)) throw new CustosError('E_CRYPTO', 'The signer returned no signature.');
      return toWebSignature(info, signature);
    },
    async exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer> {
      if (format !== 'spki' || key !== webPublicKey) throw new CustosError('E_INTERNAL', 'The delegated signer exports only its own public key as SPKI.');
      return spki.buffer.slice(spki.byteOffset, spki.byteOffset + spki.byteLength);
    },
    digest: unsupported('a digest'),
    verify: unsupported('verification'),
    importKey: unsupported('a key import'),
    generateKey: unsupported('key generation'),
  };
  const provider = { subtle, getRandomValues: <T extends ArrayBufferView | null>(a: T) => webcrypto.getRandomValues(a as never) as T } as unknown as Crypto;

  return { info, mechanism, spki, publicKey, signatureAlgorithmName: name, webKey: { privateKey, publicKey: webPublicKey }, signingAlgorithm, provider, signed };
}

/**
 * Checks the finished object (certificate or CSR: SEQUENCE { tbs, algorithm, BIT STRING }) with the
 * public key alone: the to-be-signed part must be the bytes the callback signed, and the signature
 * must verify. Catches a signer that used the wrong key or mechanism, and a faulty signature from a
 * token before it leaves Custos (an RSA-CRT fault would otherwise expose the key).
 */
export function checkSignedObject(resolved: ResolvedSigner, der: Uint8Array, what: string): void {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  const seq = parsed.result;
  const parts = seq instanceof asn1js.Sequence ? seq.valueBlock.value : [];
  const tbs = parts[0];
  const sig = parts[2];
  if (parsed.offset === -1 || parts.length !== 3 || !tbs || !(sig instanceof asn1js.BitString)) {
    throw new CustosError('E_INTERNAL', `The generated ${what} is not a signed ASN.1 structure.`);
  }
  const tbsBytes = Buffer.from(tbs.valueBeforeDecodeView);
  const last = resolved.signed[resolved.signed.length - 1];
  if (!last || !tbsBytes.equals(Buffer.from(last))) throw new CustosError('E_INTERNAL', `The ${what} does not contain the bytes that were signed.`);
  const signature = Buffer.from(sig.valueBlock.valueHexView);
  if (!softwareVerify(resolved.mechanism, resolved.spki, tbsBytes, signature)) {
    throw new CustosError('E_CRYPTO', `The signature on the ${what} does not verify with the key's public key: the signer used another key or mechanism, or the token returned a faulty signature. Nothing was issued.`);
  }
}
