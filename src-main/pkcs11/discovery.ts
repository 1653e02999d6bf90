import { createPublicKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import { spkiFacts } from '../import/public-key-facts.js';
import { spkiFingerprint } from '../keys/identity.js';
import { algorithmOf, keyTypeFromCkk } from './algorithms.js';
import type { Handle, Pkcs11Lib } from './binding.js';
import { CKA, CKO } from './ck.js';
import { findObjects, readAttribute, readBool, readUlong } from './objects.js';
import { curveFromEcParams, spkiFromEc, spkiFromRsa, type CurveInfo } from './spki.js';
import { usageMaskFromAttributes } from './usage.js';
import type { KeyProtection, KeyUsageAttributes, TokenKeyKind, TokenKeyRecord, TokenKeyType } from './types.js';

/** What discovery reads from one object. */
interface KeyObject {
  objectClass: number;
  ckaId: string | null;
  label: string;
  keyType: TokenKeyType;
  usage: KeyUsageAttributes;
  protection: KeyProtection | null;
  modulus: Buffer | null;
  publicExponent: Buffer | null;
  ecParams: Buffer | null;
  ecPoint: Buffer | null;
  valueLen: number | null;
}

const KEY_CLASSES = [CKO.PUBLIC_KEY, CKO.PRIVATE_KEY, CKO.SECRET_KEY] as const;

function readObject(lib: Pkcs11Lib, session: Handle, h: Handle, objectClass: number): KeyObject {
  const attr = (t: number) => readAttribute(lib, session, h, t);
  const bool = (t: number) => readBool(lib, session, h, t) ?? false;
  const id = attr(CKA.ID);
  const keyType = keyTypeFromCkk(readUlong(lib, session, h, CKA.KEY_TYPE) ?? -1);
  const isPublic = objectClass === CKO.PUBLIC_KEY;
  return {
    objectClass,
    ckaId: id && id.byteLength > 0 ? id.toString('hex') : null,
    label: attr(CKA.LABEL)?.toString('utf8') ?? '',
    keyType,
    usage: {
      sign: bool(CKA.SIGN),
      verify: bool(CKA.VERIFY),
      encrypt: bool(CKA.ENCRYPT),
      decrypt: bool(CKA.DECRYPT),
      wrap: bool(CKA.WRAP),
      unwrap: bool(CKA.UNWRAP),
      derive: bool(CKA.DERIVE),
    },
    protection: isPublic
      ? null
      : {
          private: bool(CKA.PRIVATE),
          sensitive: bool(CKA.SENSITIVE),
          extractable: bool(CKA.EXTRACTABLE),
          alwaysSensitive: bool(CKA.ALWAYS_SENSITIVE),
          neverExtractable: bool(CKA.NEVER_EXTRACTABLE),
          local: bool(CKA.LOCAL),
        },
    modulus: keyType === 'rsa' ? attr(CKA.MODULUS) : null,
    publicExponent: keyType === 'rsa' ? attr(CKA.PUBLIC_EXPONENT) : null,
    ecParams: keyType === 'ec' || keyType === 'ec-edwards' ? attr(CKA.EC_PARAMS) : null,
    ecPoint: isPublic && (keyType === 'ec' || keyType === 'ec-edwards') ? attr(CKA.EC_POINT) : null,
    valueLen: objectClass === CKO.SECRET_KEY ? readUlong(lib, session, h, CKA.VALUE_LEN) : null,
  };
}

function orUsage(objects: KeyObject[]): KeyUsageAttributes {
  const u: KeyUsageAttributes = { sign: false, verify: false, encrypt: false, decrypt: false, wrap: false, unwrap: false, derive: false };
  for (const o of objects) for (const k of Object.keys(u) as Array<keyof KeyUsageAttributes>) u[k] ||= o.usage[k];
  return u;
}

/** Groups the objects of one CKA_ID into the record the inventory keeps. */
function toRecord(serial: string, ckaId: string | null, objects: KeyObject[]): TokenKeyRecord {
  const warnings: string[] = [];
  const pubs = objects.filter((o) => o.objectClass === CKO.PUBLIC_KEY);
  const privs = objects.filter((o) => o.objectClass === CKO.PRIVATE_KEY);
  const secrets = objects.filter((o) => o.objectClass === CKO.SECRET_KEY);
  for (const [list, what] of [[pubs, 'public'], [privs, 'private'], [secrets, 'secret']] as const) {
    if (list.length > 1) warnings.push(`${list.length} ${what} key objects share this CKA_ID; operations on it are refused until only one is left.`);
  }
  if (secrets.length > 0 && pubs.length + privs.length > 0) warnings.push('A secret key shares its CKA_ID with a public or private key.');

  const main = secrets[0] ?? privs[0] ?? pubs[0]!;
  const kind: TokenKeyKind = secrets.length > 0 ? 'secret-key' : privs.length > 0 && pubs.length > 0 ? 'key-pair' : privs.length > 0 ? 'private-key' : 'public-key';
  const keyType = main.keyType;
  if (objects.some((o) => o.keyType !== keyType)) warnings.push('Objects with this CKA_ID have different key types.');

  let spki: Buffer | null = null;
  let curve: CurveInfo | null = null;
  let size: number | null = null;
  let otherCurve: string | null = null;
  const pub = pubs[0];
  const priv = privs[0];
  try {
    if (keyType === 'rsa') {
      const src = pub?.modulus && pub.publicExponent ? pub : priv?.modulus && priv.publicExponent ? priv : null;
      if (src) {
        spki = spkiFromRsa(src.modulus!, src.publicExponent!);
        size = bitLength(src.modulus!);
      }
    } else if (keyType === 'ec' || keyType === 'ec-edwards') {
      const params = pub?.ecParams ?? priv?.ecParams ?? null;
      curve = params ? curveFromEcParams(params) : null;
      if (pub?.ecParams && pub.ecPoint && curve) spki = spkiFromEc(pub.ecParams, pub.ecPoint).spki;
      size = curve?.size ?? null;
      if (params && !curve) {
        // secp256k1, brainpool, explicit parameters, …: Custos neither generates nor uses such a
        // key, but the inventory holds it for reporting (an inventory-only algorithm), so its
        // public key is read with the token's own parameters, as OpenSSL would.
        const other = keyType === 'ec' && pub?.ecPoint ? otherCurveKey(params, pub.ecPoint) : null;
        if (other) {
          ({ spki, size } = other);
          otherCurve = other.curve;
          warnings.push(`The key is on ${other.curve}, a curve Custos does not generate or use: it is held for reporting only.`);
        } else warnings.push('The key uses a curve Custos does not support.');
      }
    } else if (main.valueLen !== null) {
      size = main.valueLen * 8;
    }
  } catch {
    warnings.push('The public key on the token could not be read as a valid key.');
  }
  if (kind === 'private-key' && !spki) warnings.push('The token holds no public key object for this private key.');
  const protection = (secrets[0] ?? priv)?.protection ?? null;
  if (protection && !protection.sensitive) warnings.push('The key is not sensitive: the token would reveal its value to any application that asks.');
  if (protection && !protection.private) warnings.push('The key is not private: any application can use it without logging in.');

  const symmetric = secrets.length > 0;
  const usage = orUsage(objects);
  return {
    serial,
    ckaId,
    label: main.label || pub?.label || '',
    kind,
    keyType,
    algorithm: algorithmOf(keyType, size, curve),
    size,
    curve: curve?.name ?? otherCurve,
    protection,
    usage,
    usageMask: usageMaskFromAttributes(usage, symmetric),
    spki: spki ? new Uint8Array(spki) : null,
    fingerprint: spki ? spkiFingerprint(spki) : null,
    objectCount: objects.length,
    warnings,
  };
}

const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/**
 * An EC key on a curve outside CURVES: the SPKI built from CKA_EC_PARAMS as they are (a named
 * curve OID or explicit parameters) and the point inside CKA_EC_POINT (a DER OCTET STRING, or the
 * bare point some modules return), then re-encoded by Node so the fingerprint is the one a file
 * with the same key gives. Null when Node cannot read it (then the key stays unreadable).
 */
function otherCurveKey(params: Buffer, ecPoint: Buffer): { spki: Buffer; size: number; curve: string } | null {
  try {
    const p = asn1js.fromBER(new Uint8Array(params));
    if (p.offset !== params.byteLength) return null;
    const wrapped = asn1js.fromBER(new Uint8Array(ecPoint));
    const point = wrapped.offset === ecPoint.byteLength && wrapped.result instanceof asn1js.OctetString ? new Uint8Array(wrapped.result.valueBlock.valueHexView) : new Uint8Array(ecPoint);
    const der = new asn1js.Sequence({
      value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: ID_EC_PUBLIC_KEY }), p.result] }), new asn1js.BitString({ valueHex: point })],
    }).toBER();
    const spki = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
    const facts = spkiFacts(spki);
    return { spki, size: facts.size, curve: facts.curve ?? 'explicit parameters' };
  } catch {
    return null;
  }
}

function bitLength(unsignedBigEndian: Buffer): number {
  let i = 0;
  while (i < unsignedBigEndian.byteLength && unsignedBigEndian[i] === 0) i++;
  if (i === unsignedBigEndian.byteLength) return 0;
  return (unsignedBigEndian.byteLength - i - 1) * 8 + (32 - Math.clz32(unsignedBigEndian[i]!));
}

function collect(lib: Pkcs11Lib, session: Handle, extra: { type: number; value: Buffer }[]): KeyObject[] {
  const out: KeyObject[] = [];
  for (const objectClass of KEY_CLASSES) {
    for (const h of findObjects(lib, session, [{ type: CKA.CLASS, value: objectClass }, ...extra])) {
      out.push(readObject(lib, session, h, objectClass));
    }
  }
  return out;
}

function group(serial: string, objects: KeyObject[]): TokenKeyRecord[] {
  const byId = new Map<string, KeyObject[]>();
  const records: TokenKeyRecord[] = [];
  for (const o of objects) {
    if (o.ckaId === null) {
      records.push(toRecord(serial, null, [o]));
      continue;
    }
    const list = byId.get(o.ckaId) ?? [];
    list.push(o);
    byId.set(o.ckaId, list);
  }
  for (const [id, list] of byId) records.push(toRecord(serial, id, list));
  return records.sort(
    (a, b) =>
      (a.ckaId ?? '\uffff').localeCompare(b.ckaId ?? '\uffff') ||
      a.label.localeCompare(b.label) ||
      (a.fingerprint ?? '').localeCompare(b.fingerprint ?? ''),
  );
}

/**
 * Every key object the session can see (public objects always; private and secret ones when
 * logged in), grouped by CKA_ID into records, sorted by CKA_ID. Reading changes nothing on the
 * token, so the same token gives the same records every time.
 */
export function discoverKeys(lib: Pkcs11Lib, session: Handle, serial: string): TokenKeyRecord[] {
  return group(serial, collect(lib, session, []));
}

/** The record for one CKA_ID, or null when no object has it. */
export function readKey(lib: Pkcs11Lib, session: Handle, serial: string, ckaId: Buffer): TokenKeyRecord | null {
  const objects = collect(lib, session, [{ type: CKA.ID, value: ckaId }]);
  return objects.length === 0 ? null : group(serial, objects)[0]!;
}
