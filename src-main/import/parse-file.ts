import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import sshpk from 'sshpk';
import { certificateFacts, type CertificateFacts } from './certificate-facts.js';
import { pemBlocks, type PemBlock } from './pem-blocks.js';
import { isPkcs12Pbe, pkcs12PbeDecrypt, pkcs12PbeName, pkcs12PbeParams, pkcs12PbeSupported } from './pkcs12-pbe.js';

/**
 * Turns the bytes of one file into what it holds — certificates, public keys, private keys — using
 * maintained libraries only: Node's crypto (OpenSSL) for PKCS#1, PKCS#8 (also encrypted), SEC1,
 * SPKI and JWK; @peculiar/x509 for certificates, CSRs and PKCS#7 bundles; pkijs for PKCS#12;
 * sshpk for OpenSSH keys. Pure (no vault, no file system) and serialisable, so it runs in the parse
 * worker. It never throws: every input gets items and at most one problem.
 */

export type ProblemKind = 'unsupported' | 'malformed' | 'password-needed' | 'wrong-password';

export type ParsedItem =
  | { type: 'certificate'; der: Uint8Array; chainPosition: number | null; /** Decoded here, so the core does not parse it again. */ facts: CertificateFacts }
  | { type: 'public-key'; spki: Uint8Array; label: string | null; from: string }
  | { type: 'private-key'; spki: Uint8Array; pkcs8: Uint8Array; label: string | null; from: string };

export interface ParseResult {
  /** What the file was read as ("PEM", "PKCS#12", "DER certificate", "JWKS", "OpenSSH public keys", …). */
  format: string;
  items: ParsedItem[];
  /** The most pressing problem found (a password first, then damage, then unsupported content). */
  problem: { kind: ProblemKind; reason: string } | null;
  /** What was left out of a file that was otherwise read (a legacy part of a PKCS#12). */
  notes?: string[];
}

/** PBKDF2 iterations above this are refused before any work (a crafted file could ask for billions). */
export const MAX_KDF_ITERATIONS = 1_000_000;

let engineSet = false;
function ensurePkijsEngine(): void {
  if (!engineSet) {
    pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }));
    engineSet = true;
  }
}

class Problem extends Error {
  constructor(
    readonly kind: ProblemKind,
    reason: string,
  ) {
    super(reason);
  }
}

const RANK: Record<ProblemKind, number> = { 'password-needed': 4, 'wrong-password': 3, malformed: 2, unsupported: 1 };

/**
 * Library messages can be long or quote the input (a file may hold anything, secrets included):
 * keep a short, single-line excerpt with quoted parts removed.
 */
function why(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…')
    .replace(/\s+/g, ' ')
    .slice(0, 160);
}

function privateItem(key: KeyObject, label: string | null, from: string): ParsedItem {
  return { type: 'private-key', spki: createPublicKey(key).export({ type: 'spki', format: 'der' }), pkcs8: key.export({ type: 'pkcs8', format: 'der' }), label, from };
}

function publicItem(key: KeyObject, label: string | null, from: string): ParsedItem {
  return { type: 'public-key', spki: key.export({ type: 'spki', format: 'der' }), label, from };
}

/** Node's errors for encrypted keys, mapped to outcomes a person can act on. */
function keyError(e: unknown, passphrase: string | undefined, what: string): Problem {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'ERR_MISSING_PASSPHRASE' || (!passphrase && code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED')) return new Problem('password-needed', `${what} is encrypted: a passphrase is needed.`);
  if (!passphrase && (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT')) return new Problem('password-needed', `${what} is encrypted: a passphrase is needed.`);
  if (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT') return new Problem('wrong-password', `${what}: the passphrase is wrong (or the encrypted data is damaged).`);
  if (code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED') return new Problem('wrong-password', `${what}: the passphrase is wrong.`);
  if (/unsupported/i.test(code)) return new Problem('unsupported', `${what}: OpenSSL does not support this key (${why(e)}).`);
  return new Problem('malformed', `${what} cannot be read (${why(e)}).`);
}

/**
 * keyError for a key that was decrypted with a passphrase. A wrong passphrase usually fails the
 * CBC padding check (BAD_DECRYPT), but about once in 256 the padding happens to be valid and the
 * garbage then fails to decode, which OpenSSL 3 reports as malformed or as "unsupported": that is
 * most likely a wrong passphrase, and the message names the other possibilities.
 */
function decryptedKeyError(e: unknown, passphrase: string, what: string): Problem {
  const p = keyError(e, passphrase, what);
  if (p.kind !== 'malformed' && p.kind !== 'unsupported') return p;
  return new Problem('wrong-password', `${what}: the passphrase is wrong, or the key inside is damaged or of a kind OpenSSL cannot read (${why(e)}).`);
}

/** The PBKDF2 iteration count of a PBES2 AlgorithmIdentifier, or null for other schemes. */
function pbes2Iterations(alg: pkijs.AlgorithmIdentifier): number | null {
  if (alg.algorithmId !== '1.2.840.113549.1.5.13' || !alg.algorithmParams) return null;
  const params = new pkijs.PBES2Params({ schema: alg.algorithmParams });
  if (params.keyDerivationFunc.algorithmId !== '1.2.840.113549.1.5.12') return null;
  return new pkijs.PBKDF2Params({ schema: params.keyDerivationFunc.algorithmParams }).iterationCount;
}

function checkIterations(n: number | null, what: string): void {
  if (n !== null && n > MAX_KDF_ITERATIONS) throw new Problem('unsupported', `${what} asks for ${n} key-derivation iterations; more than ${MAX_KDF_ITERATIONS} are refused.`);
}

function encryptedPkcs8(der: Uint8Array, passphrase: string | undefined, label: string | null): ParsedItem {
  try {
    const bag = pkijs.PKCS8ShroudedKeyBag.fromBER(new Uint8Array(der).buffer);
    checkIterations(pbes2Iterations(bag.encryptionAlgorithm), 'The encrypted private key');
  } catch (e) {
    if (e instanceof Problem) throw e;
    throw new Problem('malformed', `The encrypted private key is not a valid EncryptedPrivateKeyInfo (${why(e)}).`);
  }
  if (!passphrase) throw new Problem('password-needed', 'The private key is encrypted (PKCS#8): a passphrase is needed.');
  try {
    return privateItem(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8', passphrase }), label, 'encrypted PKCS#8');
  } catch (e) {
    throw decryptedKeyError(e, passphrase, 'The encrypted private key (PKCS#8)');
  }
}

/** Decodes a certificate once (its facts carry a copy of the DER: the caller wipes the file's bytes, which may hold a private key). */
function readCertificate(der: Uint8Array): CertificateFacts {
  try {
    return certificateFacts(der);
  } catch (e) {
    // TRUSTED CERTIFICATE (OpenSSL) is a certificate followed by trust settings: keep the first element.
    const parsed = asn1js.fromBER(new Uint8Array(der));
    if (parsed.offset > 0 && parsed.offset < der.length) return certificateFacts(der.subarray(0, parsed.offset));
    throw e;
  }
}

function certificateItems(certs: CertificateFacts[]): ParsedItem[] {
  return certs.map((facts, i) => ({ type: 'certificate', der: facts.der, chainPosition: certs.length > 1 ? i : null, facts }));
}

function pkcs7Certificates(der: Uint8Array): ParsedItem[] {
  const certs = new x509.X509Certificates(der);
  if (certs.length === 0) throw new Problem('unsupported', 'The PKCS#7 bundle holds no certificates.');
  return certificateItems(certs.map((c) => readCertificate(new Uint8Array(c.rawData))));
}

function csrKey(der: Uint8Array): ParsedItem {
  const csr = new x509.Pkcs10CertificateRequest(der);
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  return publicItem(key, cnOf(csr.subject), 'PKCS#10 request');
}

function cnOf(subject: string): string | null {
  const m = /(?:^|,\s*)CN=([^,]+)/.exec(subject);
  return m ? m[1]!.trim() : null;
}

async function pkcs12(der: Uint8Array, passphrase: string | undefined, notes: string[]): Promise<ParsedItem[]> {
  ensurePkijsEngine();
  let pfx: pkijs.PFX;
  try {
    pfx = pkijs.PFX.fromBER(new Uint8Array(der).buffer);
  } catch (e) {
    throw new Problem('malformed', `The PKCS#12 file is damaged (${why(e)}).`);
  }
  if (pfx.macData) checkIterations(pfx.macData.iterations ?? 1, 'The PKCS#12 MAC');
  // Certificate-only files are often protected with an empty password: try it when none is given.
  const password = new TextEncoder().encode(passphrase ?? '').buffer;
  try {
    await pfx.parseInternalValues({ password, checkIntegrity: pfx.macData !== undefined });
  } catch (e) {
    if (/integrity/i.test(why(e))) {
      throw passphrase === undefined ? new Problem('password-needed', 'The PKCS#12 file is password-protected: a password is needed.') : new Problem('wrong-password', 'The PKCS#12 password is wrong (or the file was altered).');
    }
    throw new Problem('malformed', `The PKCS#12 file cannot be read (${why(e)}).`);
  }
  const safe = pfx.parsedValue?.authenticatedSafe;
  if (!safe) throw new Problem('unsupported', 'The PKCS#12 file uses public-key integrity or privacy mode, which Custos does not read.');
  // Each part separately: a part Custos cannot decrypt does not stop the others. Parts encrypted
  // with PKCS#12's own PBE (legacy files: RC2-40 certificates, 3DES) are decrypted by
  // ./pkcs12-pbe.ts, which pkijs and Node's OpenSSL 3 cannot do.
  const parts: NonNullable<pkijs.AuthenticatedSafe['parsedValue']>['safeContents'] = [];
  let legacyParts = 0;
  for (const ci of safe.safeContents) {
    const legacy = ci.contentType === '1.2.840.113549.1.7.6' ? legacyEncryptedPart(ci, passphrase) : null;
    if (legacy === 'unsupported') {
      legacyParts++;
      continue;
    }
    if (legacy) {
      parts.push({ privacyMode: 1, value: legacy });
      continue;
    }
    const one = new pkijs.AuthenticatedSafe({ safeContents: [ci] });
    try {
      await one.parseInternalValues({ safeContents: [ci.contentType === '1.2.840.113549.1.7.6' ? { password } : {}] });
      parts.push(...(one.parsedValue?.safeContents ?? []));
    } catch (e) {
      if (e instanceof Problem) throw e;
      const m = why(e);
      if (/contentEncryptionAlgorithm|1\.2\.840\.113549\.1\.12\.1/.test(m)) {
        legacyParts++;
        continue;
      }
      throw passphrase === undefined ? new Problem('password-needed', 'The PKCS#12 contents are encrypted: a password is needed.') : new Problem('wrong-password', `The PKCS#12 contents cannot be decrypted with this password (${m}).`);
    }
  }
  if (legacyParts > 0) notes.push('Part of this PKCS#12 file uses a legacy encryption Custos does not read (RC4); re-export it with AES (OpenSSL 3 `openssl pkcs12 -export` does by default) to import that part.');
  const items: ParsedItem[] = [];
  const certs: CertificateFacts[] = [];
  for (const sc of parts) {
    for (const bag of sc.value.safeBags) {
      const value = bag.bagValue;
      if (value instanceof pkijs.CertBag) {
        if (value.certId === '1.2.840.113549.1.9.22.1' && value.parsedValue instanceof pkijs.Certificate) certs.push(readCertificate(new Uint8Array(value.parsedValue.toSchema().toBER())));
      } else if (value instanceof pkijs.PKCS8ShroudedKeyBag && isPkcs12Pbe(value.encryptionAlgorithm.algorithmId)) {
        // PKCS#12's own PBE (3DES, RC2): decrypted here, the PrivateKeyInfo then read by OpenSSL.
        const der = legacyDecrypt(value.encryptionAlgorithm, new Uint8Array(value.encryptedData.valueBlock.valueHexView), passphrase, 'The PKCS#12 private key');
        try {
          items.push(privateItem(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), null, 'PKCS#12'));
        } catch (e) {
          throw new Problem('malformed', `The PKCS#12 private key cannot be read (${why(e)}).`);
        } finally {
          der.fill(0);
        }
      } else if (value instanceof pkijs.PKCS8ShroudedKeyBag) {
        checkIterations(pbes2Iterations(value.encryptionAlgorithm), 'A PKCS#12 key bag');
        // A shrouded key bag is an EncryptedPrivateKeyInfo: OpenSSL (through Node) decrypts it.
        try {
          items.push(privateItem(createPrivateKey({ key: Buffer.from(value.toSchema().toBER()), format: 'der', type: 'pkcs8', passphrase: passphrase ?? '' }), null, 'PKCS#12'));
        } catch (e) {
          throw keyError(e, passphrase, 'The PKCS#12 private key');
        }
      } else if (value instanceof pkijs.PrivateKeyInfo) {
        items.push(privateItem(createPrivateKey({ key: Buffer.from(value.toSchema().toBER()), format: 'der', type: 'pkcs8' }), null, 'PKCS#12'));
      }
    }
  }
  const all = [...certificateItems(certs), ...items];
  if (all.length === 0 && legacyParts > 0) throw new Problem('unsupported', notes.pop()!);
  return all;
}

/**
 * Decrypts data under PKCS#12's own PBE (RFC 7292 App. C). Problems: a scheme not read
 * (unsupported), too many iterations, no password (password-needed), bad padding (wrong-password).
 */
function legacyDecrypt(alg: pkijs.AlgorithmIdentifier, data: Uint8Array, passphrase: string | undefined, what: string): Buffer {
  if (!pkcs12PbeSupported(alg.algorithmId)) throw new Problem('unsupported', `${what} is encrypted with ${pkcs12PbeName(alg.algorithmId)}, which Custos does not read.`);
  let params: { salt: Uint8Array; iterations: number };
  try {
    params = pkcs12PbeParams(alg.algorithmParams);
  } catch (e) {
    throw new Problem('malformed', `${what}: ${why(e)}`);
  }
  checkIterations(params.iterations, what);
  try {
    return pkcs12PbeDecrypt(alg.algorithmId, params, passphrase ?? '', data);
  } catch {
    throw passphrase === undefined ? new Problem('password-needed', `${what} is encrypted: a password is needed.`) : new Problem('wrong-password', `${what} cannot be decrypted with this password.`);
  }
}

/**
 * An EncryptedData part of a PKCS#12 under PKCS#12's own PBE, decrypted into its SafeContents;
 * 'unsupported' for such a scheme Custos does not read (RC4); null for any other part (pkijs reads it).
 */
function legacyEncryptedPart(ci: pkijs.ContentInfo, passphrase: string | undefined): pkijs.SafeContents | 'unsupported' | null {
  let info: pkijs.EncryptedContentInfo;
  try {
    // From a copy: pkijs's schema comparison rewrites the object it reads, which then fails pkijs's own parse below.
    info = pkijs.EncryptedData.fromBER((ci.content as asn1js.Sequence).toBER(false)).encryptedContentInfo;
  } catch {
    return null;
  }
  const alg = info.contentEncryptionAlgorithm;
  if (!isPkcs12Pbe(alg.algorithmId)) return null;
  if (!pkcs12PbeSupported(alg.algorithmId)) return 'unsupported';
  if (!info.encryptedContent) throw new Problem('malformed', 'An encrypted part of the PKCS#12 file has no content.');
  const der = legacyDecrypt(alg, new Uint8Array(info.getEncryptedContent()), passphrase, 'The PKCS#12 contents');
  try {
    return pkijs.SafeContents.fromBER(new Uint8Array(der).buffer);
  } catch (e) {
    // One chance in 256 that a wrong password still gives valid padding: the contents do not decode.
    throw passphrase === undefined ? new Problem('password-needed', 'The PKCS#12 contents are encrypted: a password is needed.') : new Problem('wrong-password', `The PKCS#12 contents cannot be decrypted with this password (${why(e)}).`);
  } finally {
    der.fill(0);
  }
}

/** One DER object whose type is not labelled: tried as each structure in turn. */
async function derObject(der: Uint8Array, passphrase: string | undefined, seen: (format: string) => void, notes: string[]): Promise<{ format: string; items: ParsedItem[] }> {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) throw new Problem('malformed', `The DER does not decode (${parsed.result.error || 'not a SEQUENCE'}).`);
  const tryIt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof Problem) throw e;
      return undefined;
    }
  };
  const cert = tryIt(() => readCertificate(der));
  if (cert) return { format: 'DER certificate', items: certificateItems([cert]) };
  const pfx = tryIt(() => pkijs.PFX.fromBER(new Uint8Array(der).buffer));
  if (pfx) {
    seen('PKCS#12');
    return { format: 'PKCS#12', items: await pkcs12(der, passphrase, notes) };
  }
  const ci = tryIt(() => pkijs.ContentInfo.fromBER(new Uint8Array(der).buffer));
  if (ci?.contentType === '1.2.840.113549.1.7.2') {
    seen('PKCS#7');
    return { format: 'PKCS#7', items: pkcs7Certificates(der) };
  }
  const csr = tryIt(() => csrKey(der));
  if (csr) return { format: 'PKCS#10 request', items: [csr] };
  const buf = Buffer.from(der);
  for (const type of ['spki', 'pkcs1'] as const) {
    const k = tryIt(() => createPublicKey({ key: buf, format: 'der', type }));
    if (k) return { format: type === 'spki' ? 'DER public key' : 'DER PKCS#1 public key', items: [publicItem(k, null, type === 'spki' ? 'SPKI' : 'PKCS#1')] };
  }
  const shrouded = tryIt(() => pkijs.PKCS8ShroudedKeyBag.fromBER(new Uint8Array(der).buffer));
  if (shrouded && !tryIt(() => createPrivateKey({ key: buf, format: 'der', type: 'pkcs8' }))) {
    seen('DER encrypted PKCS#8');
    return { format: 'DER encrypted PKCS#8', items: [encryptedPkcs8(der, passphrase, null)] };
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    const k = tryIt(() => createPrivateKey({ key: buf, format: 'der', type }));
    if (k) return { format: `DER ${type.toUpperCase()} private key`, items: [privateItem(k, null, type.toUpperCase())] };
  }
  throw new Problem('unsupported', 'The DER structure is not a certificate, key, CSR, PKCS#7 bundle or PKCS#12 file.');
}

async function pemBlock(b: PemBlock, passphrase: string | undefined): Promise<ParsedItem[]> {
  if (b.der.length === 0) throw new Problem('malformed', `The PEM block "${b.label}" is damaged (bad base64 or no END line).`);
  switch (b.label) {
    case 'CERTIFICATE':
    case 'X509 CERTIFICATE':
    case 'TRUSTED CERTIFICATE':
      try {
        return certificateItems([readCertificate(b.der)]);
      } catch (e) {
        throw new Problem('malformed', `A certificate cannot be read (${why(e)}).`);
      }
    case 'PUBLIC KEY':
    case 'RSA PUBLIC KEY':
      try {
        const spki = b.label === 'PUBLIC KEY';
        return [publicItem(createPublicKey({ key: b.der, format: 'der', type: spki ? 'spki' : 'pkcs1' }), null, spki ? 'SPKI' : 'PKCS#1')];
      } catch (e) {
        throw keyError(e, undefined, 'The public key');
      }
    case 'ENCRYPTED PRIVATE KEY':
      return [encryptedPkcs8(b.der, passphrase, null)];
    case 'PRIVATE KEY':
    case 'RSA PRIVATE KEY':
    case 'EC PRIVATE KEY':
    case 'DSA PRIVATE KEY': {
      const encrypted = /ENCRYPTED/.test(b.headers['Proc-Type'] ?? '');
      if (encrypted && !passphrase) throw new Problem('password-needed', `The private key (${b.label}) is encrypted: a passphrase is needed.`);
      try {
        // Node reads the PEM text itself, including RFC 1421 Proc-Type/DEK-Info encryption.
        return [privateItem(createPrivateKey({ key: b.text, format: 'pem', passphrase: encrypted ? passphrase : undefined }), null, b.label === 'PRIVATE KEY' ? 'PKCS#8' : b.label === 'EC PRIVATE KEY' ? 'SEC1' : 'PKCS#1')];
      } catch (e) {
        throw encrypted && passphrase ? decryptedKeyError(e, passphrase, `The private key (${b.label})`) : keyError(e, undefined, `The private key (${b.label})`);
      }
    }
    case 'OPENSSH PRIVATE KEY':
      return [opensshPrivate(b.text, passphrase)];
    case 'CERTIFICATE REQUEST':
    case 'NEW CERTIFICATE REQUEST':
      try {
        return [csrKey(b.der)];
      } catch (e) {
        throw new Problem('malformed', `The certificate request cannot be read (${why(e)}).`);
      }
    case 'PKCS7':
    case 'CMS':
      try {
        return pkcs7Certificates(b.der);
      } catch (e) {
        if (e instanceof Problem) throw e;
        throw new Problem('malformed', `The PKCS#7 bundle cannot be read (${why(e)}).`);
      }
    case 'EC PARAMETERS':
      return [];
    default:
      throw new Problem('unsupported', `PEM blocks labelled "${b.label}" are not imported.`);
  }
}

/** sshpk's PKCS#8 output for Ed25519 is not what OpenSSL reads, so Ed25519 goes through JWK. */
function sshPrivateToNode(k: sshpk.PrivateKey): KeyObject {
  if (k.type === 'ed25519') {
    const part = (n: string) => (k.part as unknown as Record<string, { data: Buffer }>)[n]!.data;
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: part('k').subarray(0, 32).toString('base64url'), x: part('A').toString('base64url') }, format: 'jwk' });
  }
  return createPrivateKey(k.toBuffer('pkcs8', {}));
}

function opensshPrivate(text: string, passphrase: string | undefined): ParsedItem {
  let k: sshpk.PrivateKey;
  try {
    k = sshpk.parsePrivateKey(text, 'ssh', passphrase ? { passphrase } : {});
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === 'KeyEncryptedError') throw new Problem('password-needed', 'The OpenSSH private key is encrypted: a passphrase is needed.');
    if (/passphrase/i.test(why(e))) throw new Problem('wrong-password', 'The OpenSSH private key: the passphrase is wrong.');
    throw new Problem('malformed', `The OpenSSH private key cannot be read (${why(e)}).`);
  }
  try {
    return privateItem(sshPrivateToNode(k), k.comment && k.comment !== '(unnamed)' ? k.comment : null, 'OpenSSH');
  } catch (e) {
    throw new Problem('unsupported', `The OpenSSH ${k.type} key cannot be converted (${why(e)}).`);
  }
}

/** An sshpk public key as a Node key (sshpk has no SPKI writer for Ed25519: go through JWK). */
function sshPublicToNode(key: sshpk.Key): KeyObject {
  if (key.type !== 'ed25519') return createPublicKey(key.toBuffer('pkcs8', {}));
  const x = (key.part as unknown as Record<string, { data: Buffer }>)['A']!.data.toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

const SSH_LINE = /(?:^|\s)((?:ssh-(?:rsa|ed25519|dss|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-[a-z0-9-]+@openssh\.com))\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/;

function opensshPublicLines(text: string): { items: ParsedItem[]; problem: Problem | null } | null {
  const items: ParsedItem[] = [];
  let problem: Problem | null = null;
  let seen = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const m = SSH_LINE.exec(line);
    if (!m) continue;
    seen++;
    try {
      const key = sshpk.parseKey(`${m[1]} ${m[2]}`, 'ssh');
      const comment = m[3]?.trim() || null;
      items.push(publicItem(sshPublicToNode(key), comment, 'OpenSSH'));
    } catch (e) {
      problem ??= new Problem('malformed', `An OpenSSH public key (${m[1]}) cannot be read (${why(e)}).`);
    }
  }
  return seen ? { items, problem } : null;
}

/** RFC 4716 ("---- BEGIN SSH2 PUBLIC KEY ----") blocks, as ssh-keygen -e writes them: read by sshpk. */
function rfc4716Keys(text: string, note: (p: Problem) => void): ParsedItem[] {
  const items: ParsedItem[] = [];
  for (const block of text.split(/(?=---- BEGIN SSH2 PUBLIC KEY ----)/).filter((b) => b.startsWith('---- BEGIN SSH2 PUBLIC KEY ----'))) {
    try {
      const key = sshpk.parseKey(block, 'auto');
      const comment = /^Comment:\s*"?([^"\r\n]*)"?/m.exec(block)?.[1]?.trim() || null;
      items.push(publicItem(sshPublicToNode(key), comment, 'RFC 4716'));
    } catch (e) {
      note(new Problem('malformed', `An SSH2 public key block cannot be read (${why(e)}).`));
    }
  }
  return items;
}

function jwkItems(value: unknown): { format: string; items: ParsedItem[]; problem: Problem | null } | null {
  if (typeof value !== 'object' || value === null) return null;
  const obj = value as Record<string, unknown>;
  const set = Array.isArray(obj.keys) ? obj.keys : typeof obj.kty === 'string' ? [obj] : null;
  if (!set) return null;
  const items: ParsedItem[] = [];
  let problem: Problem | null = null;
  for (const jwk of set) {
    try {
      if (typeof jwk !== 'object' || jwk === null || typeof (jwk as { kty?: unknown }).kty !== 'string') throw new Problem('malformed', 'A JWK has no "kty".');
      const j = jwk as JsonWebKey & { kid?: string; x5c?: unknown };
      if (j.kty === 'oct') throw new Problem('unsupported', 'Symmetric JWKs (kty "oct") are not imported.');
      const label = typeof j.kid === 'string' ? j.kid : null;
      if (Array.isArray(j.x5c)) {
        const ders = j.x5c.filter((c): c is string => typeof c === 'string').map((c) => new Uint8Array(Buffer.from(c, 'base64')));
        items.push(...certificateItems(ders.map((d) => readCertificate(d))));
      }
      items.push(j.d !== undefined ? privateItem(createPrivateKey({ key: j, format: 'jwk' }), label, 'JWK') : publicItem(createPublicKey({ key: j, format: 'jwk' }), label, 'JWK'));
    } catch (e) {
      problem ??= e instanceof Problem ? e : new Problem('malformed', `A JWK cannot be read (${why(e)}).`);
    }
  }
  return { format: Array.isArray(obj.keys) ? 'JWKS' : 'JWK', items, problem };
}

function isText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0 || (c < 0x09) || (c > 0x0d && c < 0x20 && c !== 0x1b)) return false;
  }
  return true;
}

/** Parses one file's bytes. `passphrase` opens encrypted keys and PKCS#12 files. */
export async function parseFileContents(bytes: Uint8Array, passphrase?: string): Promise<ParseResult> {
  const items: ParsedItem[] = [];
  const notes: string[] = [];
  let problem: Problem | null = null;
  const note = (p: Problem) => {
    if (!problem || RANK[p.kind] > RANK[problem.kind]) problem = p;
  };
  let format = 'unknown';
  try {
    if (bytes.length === 0) throw new Problem('unsupported', 'The file is empty.');
    if (isText(bytes)) {
      const text = Buffer.from(bytes).toString('utf8');
      const blocks = pemBlocks(text);
      if (blocks) {
        format = 'PEM';
        for (const b of blocks) {
          try {
            items.push(...(await pemBlock(b, passphrase)));
          } catch (e) {
            note(e instanceof Problem ? e : new Problem('malformed', `A PEM block cannot be read (${why(e)}).`));
          }
        }
        const certs = items.filter((i) => i.type === 'certificate');
        if (certs.length > 1) certs.forEach((c, i) => (c.chainPosition = i));
      } else if (/^\s*[[{]/.test(text)) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (e) {
          // JSON.parse quotes the text around the error: say only where.
          const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
          throw new Problem('malformed', `The JSON cannot be parsed${at ? ` (at character ${at})` : ''}.`);
        }
        const r = jwkItems(json);
        if (!r) throw new Problem('unsupported', 'The JSON is neither a JWK nor a JWK Set.');
        format = r.format;
        items.push(...r.items);
        if (r.problem) note(r.problem);
      } else if (text.includes('---- BEGIN SSH2 PUBLIC KEY ----')) {
        format = 'SSH2 public key (RFC 4716)';
        items.push(...rfc4716Keys(text, note));
      } else {
        const r = opensshPublicLines(text);
        if (!r) throw new Problem('unsupported', 'A text file without PEM blocks, JWKs or OpenSSH public keys.');
        format = 'OpenSSH public keys';
        items.push(...r.items);
        if (r.problem) note(r.problem);
      }
    } else if (bytes[0] === 0x30) {
      const r = await derObject(bytes, passphrase, (f) => (format = f), notes);
      format = r.format;
      items.push(...r.items);
    } else {
      throw new Problem('unsupported', 'Not a key or certificate format Custos reads (no PEM, DER, JSON or OpenSSH content).');
    }
  } catch (e) {
    note(e instanceof Problem ? e : new Problem('malformed', `The file cannot be read (${why(e)}).`));
  }
  if (items.length === 0 && !problem && format === 'PEM') note(new Problem('unsupported', 'The PEM file holds no keys or certificates.'));
  const p = problem as Problem | null;
  return { format, items, problem: p ? { kind: p.kind, reason: p.message } : null, ...(notes.length ? { notes } : {}) };
}
