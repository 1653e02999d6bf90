import { CustosError } from '../errors.js';
import type { KeyUsageAttributes } from './types.js';

/** KMIP Cryptographic Usage Mask bits (KMIP 1.x/2.x, §9.1.3.3.1): the shared definition. */
export { KMIP_USAGE, usageNames, type KmipUsageName } from '../../src-shared/lifecycle.js';
import { KMIP_USAGE, usageNames, type KmipUsageName } from '../../src-shared/lifecycle.js';

export function usageMaskOf(...names: KmipUsageName[]): number {
  return names.reduce((m, n) => m | KMIP_USAGE[n], 0);
}

const U = KMIP_USAGE;
const KNOWN = Object.values(U).reduce((a, b) => a | b, 0);

/**
 * Checks that `mask` asks only for what keys of this family can do and asks for something.
 * Export (0x40) is accepted and has no PKCS#11 attribute of its own: whether a token key can leave
 * the token is decided by `wrappableForBackup` (CKA_EXTRACTABLE), never by the mask alone.
 */
export function checkUsage(mask: number, allowed: number, what: string): void {
  if (!Number.isInteger(mask) || mask < 0 || (mask & ~KNOWN) !== 0) {
    throw new CustosError('E_INPUT', `The usage mask 0x${mask.toString(16)} has bits that are not KMIP usages.`);
  }
  const refused = usageNames(mask & ~allowed & ~U.Export);
  if (refused.length > 0) {
    throw new CustosError('E_INPUT', `${what} keys cannot be used for ${refused.join(', ')}. Allowed: ${usageNames(allowed).join(', ')}.`);
  }
  if ((mask & allowed) === 0) {
    throw new CustosError('E_INPUT', `A ${what} key needs at least one usage (${usageNames(allowed).join(', ')}).`);
  }
}

/** The usage attributes of each object of a new key. Every attribute is set, true or false: tokens have their own defaults (SoftHSM sets CKA_DECRYPT on private keys unless told otherwise). */
export interface UsageTemplates {
  /** For the private or secret object. */
  privateOrSecret: KeyUsageAttributes;
  /** For the public object of a pair. */
  public: KeyUsageAttributes;
}

const none: KeyUsageAttributes = { sign: false, verify: false, encrypt: false, decrypt: false, wrap: false, unwrap: false, derive: false };

/**
 * Mask → attributes. Asymmetric: the private object signs, decrypts, unwraps, derives; the public
 * one verifies, encrypts, wraps (and derives, for key agreement). Symmetric: one object does all,
 * with MAC generate/verify on CKA_SIGN/CKA_VERIFY.
 */
export function usageTemplates(mask: number, symmetric: boolean): UsageTemplates {
  const has = (bits: number) => (mask & bits) !== 0;
  const derive = has(U.DeriveKey | U.KeyAgreement);
  if (symmetric) {
    const all: KeyUsageAttributes = {
      sign: has(U.Sign | U.MACGenerate),
      verify: has(U.Verify | U.MACVerify),
      encrypt: has(U.Encrypt),
      decrypt: has(U.Decrypt),
      wrap: has(U.WrapKey),
      unwrap: has(U.UnwrapKey),
      derive,
    };
    return { privateOrSecret: all, public: none };
  }
  return {
    privateOrSecret: { ...none, sign: has(U.Sign | U.CertificateSign | U.CRLSign), decrypt: has(U.Decrypt), unwrap: has(U.UnwrapKey), derive },
    public: { ...none, verify: has(U.Verify), encrypt: has(U.Encrypt), wrap: has(U.WrapKey), derive },
  };
}

/** Attributes read from a token → KMIP mask (the inverse of `usageTemplates`, as near as it goes). */
export function usageMaskFromAttributes(usage: KeyUsageAttributes, symmetric: boolean): number {
  let m = 0;
  if (usage.sign) m |= symmetric ? U.MACGenerate : U.Sign;
  if (usage.verify) m |= symmetric ? U.MACVerify : U.Verify;
  if (usage.encrypt) m |= U.Encrypt;
  if (usage.decrypt) m |= U.Decrypt;
  if (usage.wrap) m |= U.WrapKey;
  if (usage.unwrap) m |= U.UnwrapKey;
  if (usage.derive) m |= U.DeriveKey;
  return m;
}
