import { createRequire } from 'node:module';
import type * as Pkcs11js from 'pkcs11js';

/**
 * pkcs11js, loaded on demand. It is a CommonJS N-API addon; `createRequire` loads it the same way
 * under vitest, in the bundled worker (where the bundler leaves it external) and in Electron. Only
 * the thread that owns a module (the worker, or the inline executor) ever calls this.
 */
export type Pkcs11Binding = typeof Pkcs11js;
export type Pkcs11Lib = Pkcs11js.PKCS11;
export type Handle = Buffer;
export type Template = Pkcs11js.Template;
export type Mechanism = Pkcs11js.Mechanism;
export type GcmParameter = Pkcs11js.AesGCM;
export type OaepParameter = Pkcs11js.RsaOAEP;
export type PssParameter = Pkcs11js.RsaPSS;

let binding: Pkcs11Binding | null = null;

export function pkcs11Binding(): Pkcs11Binding {
  if (!binding) binding = createRequire(import.meta.url)('pkcs11js') as Pkcs11Binding;
  return binding;
}
