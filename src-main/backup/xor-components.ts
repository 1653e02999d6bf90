import { createCipheriv, randomBytes } from 'node:crypto';
import { aesKcv } from '../crypto/cmac.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';

/**
 * Payment-style split knowledge: a key is the XOR of n components, each held by one custodian;
 * all n are needed, and any n-1 say nothing about the key. Each component and the combined key
 * carry a key check value so a custodian can confirm a component was keyed in correctly.
 */
export type KcvMethod = 'aes-cmac' | 'tdes-ecb';

/**
 * KCV: AES — CMAC over one zero block (the method in ANSI X9.24 for AES keys); TDES — encrypt a
 * zero block with the key (the classic method). First `bytes` bytes, hex; 3 by default.
 */
export function keyCheckValue(key: Uint8Array, method: KcvMethod, bytes = 3): string {
  if (bytes < 2 || bytes > 8) throw new CustosError('E_INPUT', 'A key check value is 2 to 8 bytes.');
  if (method === 'aes-cmac') {
    if (![16, 24, 32].includes(key.length)) throw new CustosError('E_INPUT', 'An AES key is 16, 24 or 32 bytes.');
    return aesKcv(key, bytes);
  }
  if (key.length !== 16 && key.length !== 24) throw new CustosError('E_INPUT', 'A TDES key is 16 (two-key) or 24 (three-key) bytes.');
  const k = key.length === 16 ? Buffer.concat([key, key.subarray(0, 8)]) : Buffer.from(key);
  const c = createCipheriv('des-ede3-ecb', k, null);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.alloc(8)), c.final()]);
  wipe(k);
  return out.subarray(0, bytes).toString('hex');
}

export interface Component {
  index: number;
  value: Buffer;
  kcv: string;
}

export function xorSplit(key: Uint8Array, n: number, method: KcvMethod, kcvBytes = 3): { components: Component[]; combinedKcv: string } {
  if (!Number.isInteger(n) || n < 2 || n > 16) throw new CustosError('E_INPUT', 'XOR split needs 2 to 16 components.');
  const last = Buffer.from(key);
  const components: Component[] = [];
  for (let i = 1; i < n; i++) {
    const c = randomBytes(key.length);
    for (let j = 0; j < last.length; j++) last[j]! ^= c[j]!;
    components.push({ index: i, value: c, kcv: keyCheckValue(c, method, kcvBytes) });
  }
  components.push({ index: n, value: last, kcv: keyCheckValue(last, method, kcvBytes) });
  return { components, combinedKcv: keyCheckValue(key, method, kcvBytes) };
}

/**
 * Combines all components. When `expectedKcv` is given (the combined key's KCV recorded at split
 * time), a mistyped or foreign component is refused instead of yielding a wrong key.
 */
export function xorCombine(components: Uint8Array[], method: KcvMethod, expectedKcv?: string): Buffer {
  if (components.length < 2) throw new CustosError('E_INPUT', 'All components are needed; fewer than two were given.');
  const len = components[0]!.length;
  if (components.some((c) => c.length !== len)) throw new CustosError('E_INPUT', 'The components have different lengths; one of them was mistyped.');
  const seen = new Set(components.map((c) => Buffer.from(c).toString('hex')));
  if (seen.size !== components.length) throw new CustosError('E_INPUT', 'The same component was entered twice.');
  const key = Buffer.alloc(len);
  for (const c of components) for (let j = 0; j < len; j++) key[j]! ^= c[j]!;
  if (expectedKcv !== undefined && keyCheckValue(key, method, expectedKcv.length / 2) !== expectedKcv.toLowerCase()) {
    wipe(key);
    throw new CustosError('E_INPUT', 'The combined key does not match its key check value: a component is missing, mistyped or from another key.');
  }
  return key;
}
