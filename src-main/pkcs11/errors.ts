import { CustosError, isCustosError } from '../errors.js';
import type { ErrorCode } from '../../src-shared/errors.js';
import { CKF_TOKEN, CKR, ckrName } from './ck.js';

/**
 * CKR_* → CustosError. Messages say what happened and what a person can do about it, and end with
 * the CKR name so it can be looked up. Nothing here ever sees a PIN: contexts carry labels, serials
 * and flags only.
 *
 * There is no token-specific error code in src-shared yet; the closest existing codes are used:
 * wrong PIN → E_AUTH_FAILED, locked/expired PIN, not logged in, usage not permitted →
 * E_PERMISSION, token or key gone → E_NOT_FOUND, mechanism/template not supported →
 * E_UNSUPPORTED, bad ciphertext/token failure → E_CRYPTO, busy/full → E_CONFLICT.
 */

export interface Pkcs11ErrorContext {
  /** What was being done, as a verb phrase: "log in", "sign", "generate an RSA 2048 key". */
  action: string;
  token?: { label: string; serial: string } | undefined;
  /** The token's CK_FLAGS read after the failure, for PIN hints. */
  tokenFlags?: number | undefined;
  pinLength?: { min: number; max: number } | undefined;
  /** The mechanism in Custos' words ("ecdsa-sha256") or its CKM name. */
  mechanism?: string | undefined;
  /** Which PIN a login used. */
  userType?: 'user' | 'so' | undefined;
}

export interface Pkcs11ReturnValue {
  name: string;
  value: number;
}

/** The CK_RV carried by a pkcs11js error (Pkcs11Error: message "CKR_X", code = value). */
export function pkcs11ReturnValue(e: unknown): Pkcs11ReturnValue | null {
  if (!(e instanceof Error)) return null;
  const code = (e as { code?: unknown }).code;
  const m = /^(CKR_[A-Z0-9_]+)/.exec(e.message);
  if (typeof code === 'number' && code > 0 && (m || e.name === 'Pkcs11Error')) return { name: ckrName(code), value: code };
  if (m) {
    const value = (CKR as Record<string, number>)[m[1]!.slice(4)];
    if (value !== undefined) return { name: m[1]!, value };
  }
  return null;
}

export function isCkr(e: unknown, ...names: Array<keyof typeof CKR>): boolean {
  const rv = pkcs11ReturnValue(e);
  return rv !== null && names.some((n) => CKR[n] === rv.value);
}

function tokenName(ctx: Pkcs11ErrorContext): string {
  return ctx.token ? `token "${ctx.token.label}" (serial ${ctx.token.serial})` : 'the token';
}

function pinHint(ctx: Pkcs11ErrorContext): string {
  const f = ctx.tokenFlags;
  if (f === undefined) return ' Check the PIN before trying again: tokens lock the PIN after a few wrong tries.';
  const so = ctx.userType === 'so';
  const finalTry = so ? CKF_TOKEN.SO_PIN_FINAL_TRY : CKF_TOKEN.USER_PIN_FINAL_TRY;
  const countLow = so ? CKF_TOKEN.SO_PIN_COUNT_LOW : CKF_TOKEN.USER_PIN_COUNT_LOW;
  if (f & finalTry) return ' Only one try is left before the PIN locks: make sure of the PIN before trying again.';
  if (f & countLow) return ' The token reports that few tries are left before the PIN locks: make sure of the PIN before trying again.';
  return ' Check the PIN before trying again: tokens lock the PIN after a few wrong tries.';
}

function pinLocked(ctx: Pkcs11ErrorContext): boolean {
  if (ctx.tokenFlags === undefined) return false;
  return (ctx.tokenFlags & (ctx.userType === 'so' ? CKF_TOKEN.SO_PIN_LOCKED : CKF_TOKEN.USER_PIN_LOCKED)) !== 0;
}

function lockedMessage(ctx: Pkcs11ErrorContext): string {
  return ctx.userType === 'so'
    ? `The security officer PIN of ${tokenName(ctx)} is locked after too many wrong tries. The token must be re-initialised by its vendor's procedure; nothing else was changed.`
    : `The user PIN of ${tokenName(ctx)} is locked after too many wrong tries. A security officer must reset it with the SO PIN before the token can be used again.`;
}

type Rule = (ctx: Pkcs11ErrorContext) => { code: ErrorCode; message: string };

const gone: Rule = (ctx) => ({
  code: 'E_NOT_FOUND',
  message: `${cap(tokenName(ctx))} is not present: it was removed, or its reader or storage went away. Insert it and log in again to ${ctx.action}; nothing was changed.`,
});

const RULES: Partial<Record<keyof typeof CKR, Rule>> = {
  PIN_INCORRECT: (ctx) =>
    pinLocked(ctx)
      ? { code: 'E_PERMISSION', message: lockedMessage(ctx) }
      : { code: 'E_AUTH_FAILED', message: `The ${ctx.userType === 'so' ? 'security officer' : 'user'} PIN for ${tokenName(ctx)} is incorrect.${pinHint(ctx)}` },
  PIN_LOCKED: (ctx) => ({ code: 'E_PERMISSION', message: lockedMessage(ctx) }),
  PIN_EXPIRED: (ctx) => ({ code: 'E_PERMISSION', message: `The PIN of ${tokenName(ctx)} has expired and must be changed before you can ${ctx.action}.` }),
  PIN_INVALID: (ctx) => ({ code: 'E_INPUT', message: `The PIN contains characters ${tokenName(ctx)} does not accept.` }),
  PIN_LEN_RANGE: (ctx) => ({
    code: 'E_INPUT',
    message: ctx.pinLength
      ? `A PIN for ${tokenName(ctx)} must be ${ctx.pinLength.min} to ${ctx.pinLength.max} characters long.`
      : `The PIN is too short or too long for ${tokenName(ctx)}.`,
  }),
  PIN_TOO_WEAK: (ctx) => ({ code: 'E_INPUT', message: `${cap(tokenName(ctx))} refused the new PIN as too weak; choose a longer or less predictable one.` }),
  TOKEN_NOT_PRESENT: gone,
  DEVICE_REMOVED: gone,
  SLOT_ID_INVALID: gone,
  TOKEN_NOT_RECOGNIZED: (ctx) => ({ code: 'E_UNSUPPORTED', message: `The reader holds a card or token this module does not recognise, so Custos cannot ${ctx.action}. Check that it is the right token and module.` }),
  SESSION_HANDLE_INVALID: (ctx) => ({ code: 'E_PERMISSION', message: `The session with ${tokenName(ctx)} has ended (the token was removed or reset). Log in again to ${ctx.action}.` }),
  SESSION_CLOSED: (ctx) => ({ code: 'E_PERMISSION', message: `The session with ${tokenName(ctx)} was closed. Log in again to ${ctx.action}.` }),
  USER_NOT_LOGGED_IN: (ctx) => ({ code: 'E_PERMISSION', message: `Log in to ${tokenName(ctx)} with its user PIN to ${ctx.action}.` }),
  USER_PIN_NOT_INITIALIZED: (ctx) => ({ code: 'E_PERMISSION', message: `${cap(tokenName(ctx))} has no user PIN yet; a security officer must set one before anyone can log in.` }),
  USER_ANOTHER_ALREADY_LOGGED_IN: (ctx) => ({ code: 'E_CONFLICT', message: `Another user (such as the security officer) is logged in to ${tokenName(ctx)}; log them out first.` }),
  USER_TYPE_INVALID: (ctx) => ({ code: 'E_INTERNAL', message: `${cap(tokenName(ctx))} rejected the login type.` }),
  SESSION_READ_WRITE_SO_EXISTS: (ctx) => ({ code: 'E_CONFLICT', message: `A security-officer session is open on ${tokenName(ctx)}; close it before logging in as user.` }),
  SESSION_READ_ONLY_EXISTS: (ctx) => ({ code: 'E_CONFLICT', message: `A read-only session is open on ${tokenName(ctx)}; close it before logging in as security officer.` }),
  SESSION_READ_ONLY: (ctx) => ({ code: 'E_PERMISSION', message: `The session with ${tokenName(ctx)} is read-only, so Custos cannot ${ctx.action}.` }),
  SESSION_COUNT: (ctx) => ({ code: 'E_CONFLICT', message: `${cap(tokenName(ctx))} has no free session; close other applications using it and try again.` }),
  SESSION_EXISTS: (ctx) => ({ code: 'E_CONFLICT', message: `Sessions are still open on ${tokenName(ctx)}; close them before you ${ctx.action}.` }),
  TOKEN_WRITE_PROTECTED: (ctx) => ({ code: 'E_PERMISSION', message: `${cap(tokenName(ctx))} is write-protected, so Custos cannot ${ctx.action}.` }),
  MECHANISM_INVALID: (ctx) => ({
    code: 'E_UNSUPPORTED',
    message: `${cap(tokenName(ctx))} does not support ${ctx.mechanism ?? 'this mechanism'} with this key, so Custos cannot ${ctx.action}. Check the token's mechanism list.`,
  }),
  MECHANISM_PARAM_INVALID: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not accept the parameters of ${ctx.mechanism ?? 'this mechanism'}, so Custos cannot ${ctx.action}.` }),
  ARGUMENTS_BAD: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} rejected the arguments to ${ctx.action}${ctx.mechanism ? ` with ${ctx.mechanism}` : ''}; it probably does not support that variant.` }),
  FUNCTION_NOT_SUPPORTED: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not support this function, so Custos cannot ${ctx.action}.` }),
  KEY_TYPE_INCONSISTENT: (ctx) => ({ code: 'E_INPUT', message: `The key's type does not fit ${ctx.mechanism ?? 'this mechanism'}, so Custos cannot ${ctx.action}.` }),
  KEY_FUNCTION_NOT_PERMITTED: (ctx) => ({
    code: 'E_PERMISSION',
    message: `The key's usage attributes do not allow it to ${ctx.action}. Usage is fixed when a key is generated on a token; generate a key with that usage.`,
  }),
  KEY_HANDLE_INVALID: (ctx) => ({ code: 'E_NOT_FOUND', message: `The key is no longer on ${tokenName(ctx)} (it was deleted or the token was replaced), so Custos cannot ${ctx.action}.` }),
  OBJECT_HANDLE_INVALID: (ctx) => ({ code: 'E_NOT_FOUND', message: `The key is no longer on ${tokenName(ctx)} (it was deleted or the token was replaced), so Custos cannot ${ctx.action}.` }),
  WRAPPING_KEY_HANDLE_INVALID: (ctx) => ({ code: 'E_NOT_FOUND', message: `The wrapping key is no longer on ${tokenName(ctx)}.` }),
  UNWRAPPING_KEY_HANDLE_INVALID: (ctx) => ({ code: 'E_NOT_FOUND', message: `The unwrapping key is no longer on ${tokenName(ctx)}.` }),
  KEY_UNEXTRACTABLE: () => ({ code: 'E_PERMISSION', message: 'The key was generated as never extractable, so it cannot be wrapped for backup. Only keys marked for wrapped backup at generation can be.' }),
  KEY_NOT_WRAPPABLE: () => ({ code: 'E_PERMISSION', message: 'The token does not allow this key to be wrapped (it is not extractable, or needs a trusted wrapping key).' }),
  KEY_SIZE_RANGE: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not support this key size, so Custos cannot ${ctx.action}. Check the mechanism's key-size range.` }),
  WRAPPING_KEY_SIZE_RANGE: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not support a wrapping key of this size.` }),
  UNWRAPPING_KEY_SIZE_RANGE: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not support an unwrapping key of this size.` }),
  WRAPPING_KEY_TYPE_INCONSISTENT: () => ({ code: 'E_INPUT', message: 'The wrapping key is not an AES key; AES key wrap needs one.' }),
  UNWRAPPING_KEY_TYPE_INCONSISTENT: () => ({ code: 'E_INPUT', message: 'The unwrapping key is not an AES key; AES key wrap needs one.' }),
  CURVE_NOT_SUPPORTED: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not support this curve, so Custos cannot ${ctx.action}.` }),
  DOMAIN_PARAMS_INVALID: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not accept these curve parameters, so Custos cannot ${ctx.action}.` }),
  TEMPLATE_INCONSISTENT: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} refused the key's attributes as inconsistent, so Custos cannot ${ctx.action}.` }),
  TEMPLATE_INCOMPLETE: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} wants attributes Custos did not give, so it cannot ${ctx.action}.` }),
  ATTRIBUTE_VALUE_INVALID: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} refused an attribute value of the key, so Custos cannot ${ctx.action}.` }),
  ATTRIBUTE_TYPE_INVALID: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} does not know an attribute Custos set, so it cannot ${ctx.action}.` }),
  ATTRIBUTE_READ_ONLY: (ctx) => ({ code: 'E_PERMISSION', message: `${cap(tokenName(ctx))} does not allow this attribute to be set, so Custos cannot ${ctx.action}.` }),
  ATTRIBUTE_SENSITIVE: () => ({ code: 'E_PERMISSION', message: 'That attribute is sensitive and the token will not reveal it.' }),
  ACTION_PROHIBITED: (ctx) => ({ code: 'E_PERMISSION', message: `${cap(tokenName(ctx))} prohibits this action, so Custos cannot ${ctx.action}.` }),
  ENCRYPTED_DATA_INVALID: () => ({ code: 'E_CRYPTO', message: 'Decryption failed: the ciphertext was altered, truncated, or made with another key, IV or AAD.' }),
  ENCRYPTED_DATA_LEN_RANGE: () => ({ code: 'E_CRYPTO', message: 'Decryption failed: the ciphertext has the wrong length for this key and mechanism.' }),
  WRAPPED_KEY_INVALID: () => ({ code: 'E_CRYPTO', message: 'Unwrapping failed: the wrapped key was altered or was wrapped under another key.' }),
  WRAPPED_KEY_LEN_RANGE: () => ({ code: 'E_CRYPTO', message: 'Unwrapping failed: the wrapped key has the wrong length.' }),
  SIGNATURE_INVALID: () => ({ code: 'E_CRYPTO', message: 'The signature does not verify.' }),
  SIGNATURE_LEN_RANGE: () => ({ code: 'E_CRYPTO', message: 'The signature does not verify (wrong length for this key).' }),
  DATA_LEN_RANGE: (ctx) => ({ code: 'E_INPUT', message: `The data is too long or too short for ${ctx.mechanism ?? 'this mechanism'}, so Custos cannot ${ctx.action}.` }),
  DATA_INVALID: (ctx) => ({ code: 'E_INPUT', message: `The data is not valid input for ${ctx.mechanism ?? 'this mechanism'}, so Custos cannot ${ctx.action}.` }),
  PUBLIC_KEY_INVALID: () => ({ code: 'E_INPUT', message: 'The token rejected the public key as invalid.' }),
  DEVICE_MEMORY: (ctx) => ({ code: 'E_CONFLICT', message: `${cap(tokenName(ctx))} has no room left, so Custos cannot ${ctx.action}. Remove objects you no longer need.` }),
  HOST_MEMORY: (ctx) => ({ code: 'E_INTERNAL', message: `The PKCS#11 module ran out of memory while trying to ${ctx.action}.` }),
  OPERATION_ACTIVE: (ctx) => ({ code: 'E_CONFLICT', message: `Another operation is still active on the session with ${tokenName(ctx)}; try again.` }),
  OPERATION_NOT_INITIALIZED: (ctx) => ({ code: 'E_INTERNAL', message: `The operation on ${tokenName(ctx)} was not started correctly; try again.` }),
  FUNCTION_CANCELED: (ctx) => ({ code: 'E_PERMISSION', message: `The operation was cancelled on ${tokenName(ctx)} (for example on its PIN pad).` }),
  CANCEL: (ctx) => ({ code: 'E_PERMISSION', message: `The operation was cancelled on ${tokenName(ctx)}.` }),
  FUNCTION_REJECTED: (ctx) => ({ code: 'E_PERMISSION', message: `${cap(tokenName(ctx))} rejected the operation (the holder declined it).` }),
  RANDOM_NO_RNG: (ctx) => ({ code: 'E_UNSUPPORTED', message: `${cap(tokenName(ctx))} has no random number generator.` }),
  CRYPTOKI_NOT_INITIALIZED: () => ({ code: 'E_INTERNAL', message: 'The PKCS#11 module is not initialised; reload the module.' }),
  CRYPTOKI_ALREADY_INITIALIZED: () => ({ code: 'E_CONFLICT', message: 'The PKCS#11 module is already initialised by another user of it in this process.' }),
  DEVICE_ERROR: (ctx) => ({ code: 'E_CRYPTO', message: `${cap(tokenName(ctx))} reported a device error while trying to ${ctx.action}. Remove and reinsert it; if it repeats, the token may be failing.` }),
  GENERAL_ERROR: (ctx) => ({ code: 'E_CRYPTO', message: `${cap(tokenName(ctx))} reported a general error while trying to ${ctx.action}. If it repeats, remove and reinsert the token or restart Custos.` }),
  FUNCTION_FAILED: (ctx) => ({ code: 'E_CRYPTO', message: `${cap(tokenName(ctx))} could not ${ctx.action}; the operation failed on the token.` }),
};

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Maps anything a PKCS#11 call threw to a CustosError. CustosErrors pass through; a pkcs11js
 * error becomes the mapped code and message with the CKR name appended; anything else is an
 * internal error whose text is not shown (it can quote native detail).
 */
export function mapPkcs11Error(e: unknown, ctx: Pkcs11ErrorContext): CustosError {
  if (isCustosError(e)) return e;
  const rv = pkcs11ReturnValue(e);
  if (!rv) {
    return new CustosError('E_INTERNAL', `Custos could not ${ctx.action}: the PKCS#11 layer failed unexpectedly. See the console log for details.`, { cause: e });
  }
  const short = rv.name.slice(4) as keyof typeof CKR;
  const rule = RULES[short];
  const { code, message } = rule
    ? rule(ctx)
    : { code: 'E_CRYPTO' as const, message: `${cap(tokenName(ctx))} refused to ${ctx.action}.` };
  return new CustosError(code, `${message} (${rv.name})`, { cause: e });
}

/** An error built from a CKR value directly, for the cases the layer detects itself. */
export function errorForCkr(value: number, ctx: Pkcs11ErrorContext): CustosError {
  const e = Object.assign(new Error(ckrName(value)), { name: 'Pkcs11Error', code: value });
  return mapPkcs11Error(e, ctx);
}
