import { CKF_MECHANISM, CKF_SLOT, CKF_TOKEN } from './ck.js';
import type { MechanismFlags, PinState, TokenFlags, Version } from './types.js';

const has = (flags: number, bit: number): boolean => (flags & bit) !== 0;

export function decodeTokenFlags(flags: number): TokenFlags {
  return {
    rng: has(flags, CKF_TOKEN.RNG),
    writeProtected: has(flags, CKF_TOKEN.WRITE_PROTECTED),
    loginRequired: has(flags, CKF_TOKEN.LOGIN_REQUIRED),
    userPinInitialized: has(flags, CKF_TOKEN.USER_PIN_INITIALIZED),
    restoreKeyNotNeeded: has(flags, CKF_TOKEN.RESTORE_KEY_NOT_NEEDED),
    clockOnToken: has(flags, CKF_TOKEN.CLOCK_ON_TOKEN),
    protectedAuthenticationPath: has(flags, CKF_TOKEN.PROTECTED_AUTHENTICATION_PATH),
    dualCryptoOperations: has(flags, CKF_TOKEN.DUAL_CRYPTO_OPERATIONS),
    tokenInitialized: has(flags, CKF_TOKEN.TOKEN_INITIALIZED),
    secondaryAuthentication: has(flags, CKF_TOKEN.SECONDARY_AUTHENTICATION),
    errorState: has(flags, CKF_TOKEN.ERROR_STATE),
  };
}

export function decodeUserPinState(flags: number): PinState {
  return {
    countLow: has(flags, CKF_TOKEN.USER_PIN_COUNT_LOW),
    finalTry: has(flags, CKF_TOKEN.USER_PIN_FINAL_TRY),
    locked: has(flags, CKF_TOKEN.USER_PIN_LOCKED),
    toBeChanged: has(flags, CKF_TOKEN.USER_PIN_TO_BE_CHANGED),
  };
}

export function decodeSoPinState(flags: number): PinState {
  return {
    countLow: has(flags, CKF_TOKEN.SO_PIN_COUNT_LOW),
    finalTry: has(flags, CKF_TOKEN.SO_PIN_FINAL_TRY),
    locked: has(flags, CKF_TOKEN.SO_PIN_LOCKED),
    toBeChanged: has(flags, CKF_TOKEN.SO_PIN_TO_BE_CHANGED),
  };
}

export function decodeSlotFlags(flags: number): { tokenPresent: boolean; removable: boolean; hardware: boolean } {
  return {
    tokenPresent: has(flags, CKF_SLOT.TOKEN_PRESENT),
    removable: has(flags, CKF_SLOT.REMOVABLE_DEVICE),
    hardware: has(flags, CKF_SLOT.HW_SLOT),
  };
}

export function decodeMechanismFlags(flags: number): MechanismFlags {
  return {
    hw: has(flags, CKF_MECHANISM.HW),
    encrypt: has(flags, CKF_MECHANISM.ENCRYPT),
    decrypt: has(flags, CKF_MECHANISM.DECRYPT),
    digest: has(flags, CKF_MECHANISM.DIGEST),
    sign: has(flags, CKF_MECHANISM.SIGN),
    signRecover: has(flags, CKF_MECHANISM.SIGN_RECOVER),
    verify: has(flags, CKF_MECHANISM.VERIFY),
    verifyRecover: has(flags, CKF_MECHANISM.VERIFY_RECOVER),
    generate: has(flags, CKF_MECHANISM.GENERATE),
    generateKeyPair: has(flags, CKF_MECHANISM.GENERATE_KEY_PAIR),
    wrap: has(flags, CKF_MECHANISM.WRAP),
    unwrap: has(flags, CKF_MECHANISM.UNWRAP),
    derive: has(flags, CKF_MECHANISM.DERIVE),
    ecFp: has(flags, CKF_MECHANISM.EC_F_P),
    ecF2m: has(flags, CKF_MECHANISM.EC_F_2M),
    ecParameters: has(flags, CKF_MECHANISM.EC_ECPARAMETERS),
    ecOid: has(flags, CKF_MECHANISM.EC_OID),
    ecUncompressed: has(flags, CKF_MECHANISM.EC_UNCOMPRESS),
    ecCompressed: has(flags, CKF_MECHANISM.EC_COMPRESS),
  };
}

export function versionString(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/** PKCS#11 strings are blank-padded (some modules pad with NULs): strip both. */
export function trimPadded(s: string): string {
  return s.replace(/[\s\0]+$/u, '');
}
