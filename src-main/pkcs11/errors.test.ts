import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CustosError } from '../errors.js';
import { CKF_TOKEN, CKR } from './ck.js';
import { errorForCkr, isCkr, mapPkcs11Error, pkcs11ReturnValue, type Pkcs11ErrorContext } from './errors.js';

const { Pkcs11Error } = createRequire(import.meta.url)('pkcs11js') as { Pkcs11Error: new (message: string, code?: number, method?: string) => Error };

/** An error exactly as pkcs11js throws it. */
function ckr(name: keyof typeof CKR): Error {
  return new Pkcs11Error(`CKR_${name}:${CKR[name]}`);
}

const token = { label: 'Ceremony HSM', serial: '0123456789abcdef' };
const login: Pkcs11ErrorContext = { action: 'log in', token, userType: 'user' };

describe('CKR → CustosError', () => {
  it('reads the return value from a pkcs11js error', () => {
    expect(pkcs11ReturnValue(ckr('PIN_INCORRECT'))).toEqual({ name: 'CKR_PIN_INCORRECT', value: 0xa0 });
    expect(isCkr(ckr('DEVICE_REMOVED'), 'TOKEN_NOT_PRESENT', 'DEVICE_REMOVED')).toBe(true);
    expect(pkcs11ReturnValue(new TypeError('Argument 0 has wrong type'))).toBeNull();
  });

  it('a wrong PIN: E_AUTH_FAILED with a hint from the token flags', () => {
    const plain = mapPkcs11Error(ckr('PIN_INCORRECT'), { ...login, tokenFlags: CKF_TOKEN.TOKEN_INITIALIZED });
    expect(plain.code).toBe('E_AUTH_FAILED');
    expect(plain.message).toBe(
      'The user PIN for token "Ceremony HSM" (serial 0123456789abcdef) is incorrect. Check the PIN before trying again: tokens lock the PIN after a few wrong tries. (CKR_PIN_INCORRECT)',
    );
    const low = mapPkcs11Error(ckr('PIN_INCORRECT'), { ...login, tokenFlags: CKF_TOKEN.USER_PIN_COUNT_LOW });
    expect(low.message).toMatch(/few tries are left before the PIN locks/);
    const last = mapPkcs11Error(ckr('PIN_INCORRECT'), { ...login, tokenFlags: CKF_TOKEN.USER_PIN_COUNT_LOW | CKF_TOKEN.USER_PIN_FINAL_TRY });
    expect(last.message).toMatch(/Only one try is left before the PIN locks/);
    // The SO's flags are separate from the user's.
    const so = mapPkcs11Error(ckr('PIN_INCORRECT'), { ...login, userType: 'so', tokenFlags: CKF_TOKEN.USER_PIN_FINAL_TRY });
    expect(so.message).toMatch(/^The security officer PIN .* incorrect\. Check the PIN/);
  });

  it('a locked PIN (which SoftHSM never reaches): E_PERMISSION saying who can unlock it', () => {
    const locked = mapPkcs11Error(ckr('PIN_LOCKED'), login);
    expect(locked.code).toBe('E_PERMISSION');
    expect(locked.message).toBe(
      'The user PIN of token "Ceremony HSM" (serial 0123456789abcdef) is locked after too many wrong tries. A security officer must reset it with the SO PIN before the token can be used again. (CKR_PIN_LOCKED)',
    );
    // The try that locks it: CKR_PIN_INCORRECT, with the locked flag now set.
    const lastTry = mapPkcs11Error(ckr('PIN_INCORRECT'), { ...login, tokenFlags: CKF_TOKEN.USER_PIN_LOCKED });
    expect(lastTry.code).toBe('E_PERMISSION');
    expect(lastTry.message).toMatch(/is locked after too many wrong tries.*\(CKR_PIN_INCORRECT\)$/);
    expect(mapPkcs11Error(ckr('PIN_LOCKED'), { ...login, userType: 'so' }).message).toMatch(/security officer PIN .* is locked/);
  });

  it('a token or device that went away: E_NOT_FOUND, telling the person to insert it and log in again', () => {
    for (const name of ['TOKEN_NOT_PRESENT', 'DEVICE_REMOVED', 'SLOT_ID_INVALID'] as const) {
      const e = mapPkcs11Error(ckr(name), { action: 'sign', token });
      expect(e.code).toBe('E_NOT_FOUND');
      expect(e.message).toBe(
        `Token "Ceremony HSM" (serial 0123456789abcdef) is not present: it was removed, or its reader or storage went away. Insert it and log in again to sign; nothing was changed. (CKR_${name})`,
      );
    }
  });

  it('sessions and logins', () => {
    const ended = mapPkcs11Error(ckr('SESSION_HANDLE_INVALID'), { action: 'sign', token });
    expect(ended.code).toBe('E_PERMISSION');
    expect(ended.message).toMatch(/The session with token "Ceremony HSM" .* has ended .* Log in again to sign\./);
    const notIn = mapPkcs11Error(ckr('USER_NOT_LOGGED_IN'), { action: 'generate a key (EC P-256)', token });
    expect(notIn.code).toBe('E_PERMISSION');
    expect(notIn.message).toBe('Log in to token "Ceremony HSM" (serial 0123456789abcdef) with its user PIN to generate a key (EC P-256). (CKR_USER_NOT_LOGGED_IN)');
    expect(mapPkcs11Error(ckr('USER_PIN_NOT_INITIALIZED'), login).message).toMatch(/security officer must set one/);
    expect(mapPkcs11Error(ckr('PIN_LEN_RANGE'), { ...login, pinLength: { min: 4, max: 255 } }).message).toMatch(/must be 4 to 255 characters/);
  });

  it('mechanisms, keys and data', () => {
    const mech = mapPkcs11Error(ckr('MECHANISM_INVALID'), { action: 'sign', token, mechanism: 'ecdsa-sha256' });
    expect(mech.code).toBe('E_UNSUPPORTED');
    expect(mech.message).toMatch(/does not support ecdsa-sha256 with this key, so Custos cannot sign\. Check the token's mechanism list\./);
    expect(mapPkcs11Error(ckr('KEY_FUNCTION_NOT_PERMITTED'), { action: 'decrypt', token }).code).toBe('E_PERMISSION');
    expect(mapPkcs11Error(ckr('KEY_UNEXTRACTABLE'), { action: 'wrap the key', token }).message).toMatch(/never extractable/);
    expect(mapPkcs11Error(ckr('OBJECT_HANDLE_INVALID'), { action: 'sign', token }).code).toBe('E_NOT_FOUND');
    expect(mapPkcs11Error(ckr('ENCRYPTED_DATA_INVALID'), { action: 'decrypt', token }).code).toBe('E_CRYPTO');
    expect(mapPkcs11Error(ckr('DATA_LEN_RANGE'), { action: 'encrypt', token }).code).toBe('E_INPUT');
    expect(mapPkcs11Error(ckr('DEVICE_MEMORY'), { action: 'generate a key', token }).code).toBe('E_CONFLICT');
    expect(mapPkcs11Error(ckr('TEMPLATE_INCONSISTENT'), { action: 'generate a key', token }).code).toBe('E_UNSUPPORTED');
  });

  it('unknown return values and non-PKCS#11 failures', () => {
    const odd = mapPkcs11Error(new Pkcs11Error('CKR_VENDOR:2147483649'), { action: 'sign', token });
    expect(odd.code).toBe('E_CRYPTO');
    expect(odd.message).toBe('Token "Ceremony HSM" (serial 0123456789abcdef) refused to sign. (CKR_0x80000001)');
    const internal = mapPkcs11Error(new Error('segfault at 0xdeadbeef in /secret/path'), { action: 'sign', token });
    expect(internal.code).toBe('E_INTERNAL');
    expect(internal.message).not.toMatch(/deadbeef|secret/);
    const passThrough = new CustosError('E_INPUT', 'as is');
    expect(mapPkcs11Error(passThrough, { action: 'x' })).toBe(passThrough);
    expect(errorForCkr(CKR.TOKEN_NOT_PRESENT, { action: 'sign' }).message).toMatch(/^The token is not present/);
  });

  it('every CKR Custos names maps to an existing error code and a message ending with its name', () => {
    for (const name of Object.keys(CKR) as Array<keyof typeof CKR>) {
      if (name === 'OK') continue;
      const e = mapPkcs11Error(ckr(name), { action: 'sign', token, mechanism: 'eddsa' });
      expect(e.message.endsWith(`(CKR_${name})`), name).toBe(true);
      expect(e.message.length).toBeGreaterThan(30);
    }
  });
});
