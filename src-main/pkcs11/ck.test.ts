import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CKA, CKF_MECHANISM, CKF_SESSION, CKF_SLOT, CKF_TOKEN, CKG, CKK, CKM, CKO, CKR, CKU, ckrName, ckrValue, mechanismName } from './ck.js';

const pk = createRequire(import.meta.url)('pkcs11js') as Record<string, unknown>;

describe('PKCS#11 constants', () => {
  it('match pkcs11js wherever it has a name for them', () => {
    const groups: Array<[string, Record<string, number>]> = [
      ['CKA_', CKA],
      ['CKO_', CKO],
      ['CKK_', CKK],
      ['CKM_', CKM],
      ['CKG_', CKG],
      ['CKU_', CKU],
      ['CKR_', CKR],
      ['CKF_', CKF_TOKEN],
      ['CKF_', CKF_MECHANISM],
      ['CKF_', { RW_SESSION: CKF_SESSION.RW, SERIAL_SESSION: CKF_SESSION.SERIAL }],
      ['CKF_', CKF_SLOT],
    ];
    let compared = 0;
    for (const [prefix, table] of groups) {
      for (const [name, value] of Object.entries(table)) {
        const theirs = pk[`${prefix}${name}`];
        if (typeof theirs === 'number') {
          expect(value, `${prefix}${name}`).toBe(theirs);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(150);
    // The PKCS#11 3.0 values pkcs11js 2.1.7 lacks, used by number.
    expect(pk.CKM_EC_EDWARDS_KEY_PAIR_GEN).toBeUndefined();
    expect([CKM.EC_EDWARDS_KEY_PAIR_GEN, CKM.EDDSA, CKK.EC_EDWARDS]).toEqual([0x1055, 0x1057, 0x40]);
  });

  it('names return values and mechanisms', () => {
    expect(ckrName(0xa0)).toBe('CKR_PIN_INCORRECT');
    expect(ckrName(0x12345)).toBe('CKR_0x12345');
    expect(ckrValue('CKR_PIN_LOCKED')).toBe(0xa4);
    expect(mechanismName(0x1057)).toBe('CKM_EDDSA');
    expect(mechanismName(0x80000001)).toBe('CKM_0x80000001');
  });
});
