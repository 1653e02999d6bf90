import { CustosError, isCustosError } from '../errors.js';
import { errorCodeSchema, type CustosErrorShape } from '../../src-shared/errors.js';
import type {
  CipherMechanism,
  CipherOptions,
  EncryptResult,
  GenerateOnTokenRequest,
  MechanismInfo,
  ModuleInfo,
  PresentToken,
  SignMechanism,
  SignOptions,
  SlotInfo,
  TokenInfo,
  TokenKeyRecord,
  TokenKeyRef,
  UnwrapRequest,
  WrapResult,
} from './types.js';

/**
 * Everything the owner of a PKCS#11 module can do, as synchronous calls. The executor implements
 * it inside the worker; `TokenClient` offers the same methods, asynchronously, on the main thread.
 * Arguments and results are structured-clone data (see types.ts).
 */
export interface Pkcs11Api {
  moduleInfo(): ModuleInfo;
  listSlots(): SlotInfo[];
  /** Tokens in slots, initialised or not; tokens that no longer answer are left out. */
  listTokens(): TokenInfo[];
  tokenInfo(serial: string): TokenInfo;
  listMechanisms(serial: string): MechanismInfo[];
  /** The tokens present now (C_GetSlotList with tokenPresent), for insertion/removal polling. */
  pollTokens(): PresentToken[];
  /** C_Finalize + C_Initialize: logs every token out; finds tokens some modules only see at initialisation. */
  rescan(): PresentToken[];
  /** User login; `pin` null uses the reader's PIN pad (protected authentication path). */
  login(serial: string, pin: string | null): TokenInfo;
  logout(serial: string): void;
  /** SO operation: (re)initialise the token in a slot, destroying everything on it. */
  initToken(slotId: number, soPin: string, label: string): TokenInfo;
  /** SO operation: set the user PIN. */
  initUserPin(serial: string, soPin: string, userPin: string): void;
  generateKey(req: GenerateOnTokenRequest): TokenKeyRecord;
  discover(serial: string): TokenKeyRecord[];
  readKey(ref: TokenKeyRef): TokenKeyRecord;
  sign(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array, options?: SignOptions): Uint8Array;
  /** Several signatures with one key and mechanism in one request (one thread hop for a batch); all or nothing. */
  signMany(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array[], options?: SignOptions): Uint8Array[];
  verify(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean;
  encrypt(ref: TokenKeyRef, mechanism: CipherMechanism, plaintext: Uint8Array, options?: CipherOptions): EncryptResult;
  decrypt(ref: TokenKeyRef, mechanism: CipherMechanism, ciphertext: Uint8Array, options?: CipherOptions): Uint8Array;
  wrapKey(wrapping: TokenKeyRef, target: TokenKeyRef): WrapResult;
  unwrapKey(unwrapping: TokenKeyRef, wrapped: Uint8Array, req: UnwrapRequest): TokenKeyRecord;
  destroyKey(ref: TokenKeyRef): { destroyed: number };
  /**
   * Puts a backup key-encryption key on the token as a session object (gone at logout): AES,
   * sensitive, never extractable, able only to wrap and unwrap. For wrapped backups of token keys.
   */
  importWrappingKey(serial: string, value: Uint8Array): { ckaId: string };
  /** Logs out, closes sessions, C_Finalize. The executor is unusable afterwards. */
  close(): void;
}

export type Pkcs11Op = keyof Pkcs11Api;

export const PKCS11_OPS = [
  'moduleInfo',
  'listSlots',
  'listTokens',
  'tokenInfo',
  'listMechanisms',
  'pollTokens',
  'rescan',
  'login',
  'logout',
  'initToken',
  'initUserPin',
  'generateKey',
  'discover',
  'readKey',
  'sign',
  'signMany',
  'verify',
  'encrypt',
  'decrypt',
  'wrapKey',
  'unwrapKey',
  'importWrappingKey',
  'destroyKey',
  'close',
] as const satisfies readonly Pkcs11Op[];

/** The methods of T, returning promises. */
export type AsyncApi<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

export interface Pkcs11Request<K extends Pkcs11Op = Pkcs11Op> {
  id: number;
  op: K;
  args: Parameters<Pkcs11Api[K]>;
}

export type Pkcs11Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: CustosErrorShape };

/** What the worker is started with. */
export interface Pkcs11WorkerData {
  modulePath: string;
  allowlist: string[];
}

/**
 * A list of byte strings (signMany's inputs and its signatures) crosses the thread boundary as
 * one buffer and the lengths. Structured clone makes a separate ArrayBuffer, with its own
 * allocation and finalizer, for every Uint8Array; at 16 per request that was a measurable share
 * of both threads' time per signature, and of the garbage collector's.
 */
export interface PackedByteList {
  packedByteList: Uint8Array;
  lengths: number[];
}

/** A non-empty array of Uint8Arrays as one PackedByteList; anything else unchanged. */
export function packByteList(v: unknown): unknown {
  if (!Array.isArray(v) || v.length === 0) return v;
  let total = 0;
  for (const x of v) {
    if (!(x instanceof Uint8Array)) return v;
    total += x.byteLength;
  }
  const packed = new Uint8Array(total);
  const lengths = new Array<number>(v.length);
  let at = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as Uint8Array;
    packed.set(x, at);
    at += x.byteLength;
    lengths[i] = x.byteLength;
  }
  return { packedByteList: packed, lengths } satisfies PackedByteList;
}

/**
 * The list back, as views into the one buffer (no copies). Anything that is not a well-formed
 * PackedByteList (lengths that are not whole numbers adding up to the buffer) is returned
 * unchanged, so the operation's own input checks refuse it.
 */
export function unpackByteList(v: unknown): unknown {
  const p = v as Partial<PackedByteList> | null;
  if (!p || typeof p !== 'object' || !(p.packedByteList instanceof Uint8Array) || !Array.isArray(p.lengths)) return v;
  const buf = p.packedByteList;
  let total = 0;
  for (const n of p.lengths) {
    if (!Number.isSafeInteger(n) || n < 0) return v;
    total += n;
  }
  if (total !== buf.byteLength) return v;
  const out = new Array<Uint8Array>(p.lengths.length);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    const n = p.lengths[i]!;
    out[i] = new Uint8Array(buf.buffer, buf.byteOffset + at, n);
    at += n;
  }
  return out;
}

function isOp(op: unknown): op is Pkcs11Op {
  return typeof op === 'string' && (PKCS11_OPS as readonly string[]).includes(op);
}

/** Only a CustosError's code and message cross the thread boundary; anything else is reported generically. */
export function errorToShape(e: unknown, op: string): CustosErrorShape {
  if (isCustosError(e)) return e.toShape();
  return { code: 'E_INTERNAL', message: `The PKCS#11 worker failed unexpectedly during ${op}; nothing was changed on purpose. See the console log for details.` };
}

export function shapeToError(shape: CustosErrorShape): CustosError {
  const code = errorCodeSchema.safeParse(shape.code);
  return new CustosError(code.success ? code.data : 'E_INTERNAL', shape.message);
}

/**
 * Runs one request against the executor. Never throws: every outcome is a response. Unexpected
 * (non-Custos) errors are passed to `onUnexpected` for local diagnostics; requests are never
 * logged, because some carry PINs.
 */
export function handleRequest(api: Pkcs11Api, req: unknown, onUnexpected?: (op: string, e: unknown) => void): Pkcs11Response {
  const r = req as Partial<Pkcs11Request>;
  const id = typeof r?.id === 'number' ? r.id : -1;
  if (!isOp(r?.op) || !Array.isArray(r.args)) {
    return { id, ok: false, error: { code: 'E_INTERNAL', message: 'The PKCS#11 worker received a malformed request.' } };
  }
  try {
    const fn = api[r.op] as (...a: unknown[]) => unknown;
    const value = fn.apply(api, r.args.map(unpackByteList));
    return { id, ok: true, value: value === undefined ? null : packByteList(value) };
  } catch (e) {
    if (!isCustosError(e)) onUnexpected?.(r.op, e);
    return { id, ok: false, error: errorToShape(e, r.op) };
  }
}
