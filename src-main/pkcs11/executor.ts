import { CustosError } from '../errors.js';
import { ModuleAllowlist } from './allowlist.js';
import { CKA, CKF_SESSION, CKK, CKO, CKR, CKU } from './ck.js';
import { discoverKeys, readKey } from './discovery.js';
import { errorForCkr, isCkr, mapPkcs11Error } from './errors.js';
import { generateOnToken, newCkaId, parseCkaId } from './keygen.js';
import { Pkcs11Module } from './module.js';
import { findObjects } from './objects.js';
import * as ops from './operations.js';
import type { Pkcs11Api } from './protocol.js';
import { TokenSessions } from './sessions.js';
import { TOKEN_ALGORITHM_SPECS } from './algorithms.js';
import { unwrapKey } from './unwrap.js';
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

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new CustosError('E_INPUT', `${what} must be bytes.`);
  return v;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new CustosError('E_INPUT', `${what} must be text.`);
  return v;
}

function pinText(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new CustosError('E_INPUT', `${what} is required.`);
  return v;
}

function refOf(ref: TokenKeyRef): { serial: string; id: Buffer } {
  if (!ref || typeof ref !== 'object') throw new CustosError('E_INPUT', 'A token key reference {serial, ckaId} is required.');
  return { serial: text(ref.serial, 'The token serial'), id: parseCkaId(text(ref.ckaId, 'The CKA_ID')) };
}

/** Blank-padded 32-byte label for C_InitToken (pkcs11js pads with NULs, which tokens then show). */
function tokenLabel(label: string): string {
  const n = Buffer.byteLength(label, 'utf8');
  if (n === 0 || n > 32 || /\p{Cc}/u.test(label)) throw new CustosError('E_INPUT', 'A token label is 1 to 32 bytes of text without control characters.');
  return label + ' '.repeat(32 - n);
}

/**
 * The owner of one PKCS#11 module: loads it (allowlist first) on first use and answers every
 * Pkcs11Api call synchronously. It runs in the module's worker thread; tests may also run it
 * inline. Nothing it throws carries a PIN.
 */
export class Pkcs11Executor implements Pkcs11Api {
  private loaded: { mod: Pkcs11Module; tokens: TokenSessions } | null = null;
  private closed = false;
  private readonly allowlist: ModuleAllowlist;

  constructor(
    private readonly modulePath: string,
    allowlist: readonly string[],
  ) {
    this.allowlist = new ModuleAllowlist(allowlist);
    // Refuse an unlisted module before anything else happens (resolve throws E_PERMISSION).
    if (!this.allowlist.isListed(modulePath)) this.allowlist.resolve(modulePath);
  }

  private get m(): { mod: Pkcs11Module; tokens: TokenSessions } {
    if (this.closed) throw new CustosError('E_INTERNAL', `The PKCS#11 module ${this.modulePath} was closed.`);
    if (!this.loaded) {
      const mod = Pkcs11Module.load(this.modulePath, this.allowlist);
      this.loaded = { mod, tokens: new TokenSessions(mod) };
    }
    return this.loaded;
  }

  moduleInfo(): ModuleInfo {
    return this.m.mod.info();
  }

  listSlots(): SlotInfo[] {
    const { mod } = this.m;
    return mod.slots(false).map((s) => mod.slotInfo(s));
  }

  listTokens(): TokenInfo[] {
    return this.m.tokens.listTokens();
  }

  tokenInfo(serial: string): TokenInfo {
    return this.m.tokens.info(text(serial, 'The token serial'));
  }

  listMechanisms(serial: string): MechanismInfo[] {
    const { mod, tokens } = this.m;
    return tokens.run(text(serial, 'The token serial'), { action: 'list its mechanisms' }, (st) => mod.mechanisms(st.slot, st));
  }

  pollTokens(): PresentToken[] {
    return this.m.tokens.present();
  }

  rescan(): PresentToken[] {
    const { mod, tokens } = this.m;
    tokens.closeAll();
    mod.reinitialize();
    tokens.reset();
    return tokens.present();
  }

  login(serial: string, pin: string | null): TokenInfo {
    return this.m.tokens.login(text(serial, 'The token serial'), pin === null ? null : pinText(pin, 'The PIN'));
  }

  logout(serial: string): void {
    this.m.tokens.logout(text(serial, 'The token serial'));
  }

  initToken(slotId: number, soPin: string, label: string): TokenInfo {
    const { mod, tokens } = this.m;
    if (!Number.isSafeInteger(slotId) || slotId < 0) throw new CustosError('E_INPUT', 'A slot id is a non-negative integer.');
    const slot = tokens.slotById(slotId);
    const padded = tokenLabel(text(label, 'The token label'));
    const so = pinText(soPin, 'The security officer PIN');
    // Whatever Custos knew of the token in that slot is about to be wiped.
    for (const t of tokens.listTokens()) if (t.slotId === slotId && t.serial) tokens.forget(t.serial);
    try {
      mod.lib.C_InitToken(slot, so, padded);
    } catch (e) {
      throw mapPkcs11Error(e, { action: 'initialise the token', userType: 'so' });
    }
    return mod.tokenInfoRaw(slot, false);
  }

  initUserPin(serial: string, soPin: string, userPin: string): void {
    const { mod, tokens } = this.m;
    const state = tokens.token(text(serial, 'The token serial'));
    const so = pinText(soPin, 'The security officer PIN');
    const user = pinText(userPin, 'The new user PIN');
    if (state.loggedIn) tokens.logout(serial);
    const session = mod.lib.C_OpenSession(state.slot, CKF_SESSION.SERIAL | CKF_SESSION.RW);
    try {
      try {
        mod.lib.C_Login(session, CKU.SO, so);
      } catch (e) {
        let flags: number | undefined;
        try {
          flags = mod.tokenInfoRaw(state.slot, false).rawFlags;
        } catch {
          flags = undefined;
        }
        throw mapPkcs11Error(e, { action: 'log in as security officer', token: state, userType: 'so', tokenFlags: flags });
      }
      try {
        mod.lib.C_InitPIN(session, user);
      } catch (e) {
        const info = mod.tokenInfoRaw(state.slot, false);
        throw mapPkcs11Error(e, { action: 'set the user PIN', token: state, pinLength: { min: info.minPinLength, max: info.maxPinLength } });
      } finally {
        try {
          mod.lib.C_Logout(session);
        } catch {
          // the session closes below
        }
      }
    } finally {
      try {
        mod.lib.C_CloseSession(session);
      } catch {
        // already closed
      }
    }
  }

  generateKey(req: GenerateOnTokenRequest): TokenKeyRecord {
    const { mod, tokens } = this.m;
    if (!req || typeof req !== 'object') throw new CustosError('E_INPUT', 'A key generation request is required.');
    const spec = TOKEN_ALGORITHM_SPECS[req.algorithm];
    if (!spec) throw new CustosError('E_INPUT', `Custos does not generate "${String(req.algorithm)}" keys on tokens.`);
    const serial = text(req.serial, 'The token serial');
    const action = `generate a key (${spec.label})`;
    const state = tokens.token(serial);
    tokens.requireLogin(state, action);
    const ckaId = req.ckaId ?? newCkaId();
    return tokens.run(serial, { action }, (st, session) => {
      if (req.ckaId && findObjects(mod.lib, session, [{ type: CKA.ID, value: parseCkaId(ckaId) }]).length > 0) {
        throw new CustosError('E_CONFLICT', `Token "${st.label}" already has objects with CKA_ID ${ckaId}.`);
      }
      generateOnToken(mod.lib, session, { ...req, ckaId });
      const record = readKey(mod.lib, session, serial, parseCkaId(ckaId));
      if (!record) throw new CustosError('E_CRYPTO', `Token "${st.label}" reported the key generated but does not show it.`);
      return record;
    });
  }

  discover(serial: string): TokenKeyRecord[] {
    const { mod, tokens } = this.m;
    text(serial, 'The token serial');
    return tokens.run(serial, { action: 'list its keys' }, (_st, session) => discoverKeys(mod.lib, session, serial));
  }

  readKey(ref: TokenKeyRef): TokenKeyRecord {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    return tokens.run(serial, { action: 'read the key' }, (st, session) => {
      const record = readKey(mod.lib, session, serial, id);
      if (!record) throw new CustosError('E_NOT_FOUND', `Token "${st.label}" (serial ${serial}) has no key with CKA_ID ${ref.ckaId}.`);
      return record;
    });
  }

  sign(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array, options?: SignOptions): Uint8Array {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    const input = bytes(data, 'The data to sign');
    tokens.requireLogin(tokens.token(serial), 'sign');
    return tokens.run(serial, { action: 'sign', mechanism }, (st, session) => ops.sign(mod.lib, session, st, id, mechanism, input, options));
  }

  signMany(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array[], options?: SignOptions): Uint8Array[] {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    if (!Array.isArray(data) || data.length === 0) throw new CustosError('E_INPUT', 'signMany needs a non-empty list of data to sign.');
    const inputs = data.map((d) => bytes(d, 'The data to sign'));
    tokens.requireLogin(tokens.token(serial), 'sign');
    return tokens.run(serial, { action: 'sign', mechanism }, (st, session) => ops.signMany(mod.lib, session, st, id, mechanism, inputs, options));
  }

  verify(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    const input = bytes(data, 'The signed data');
    const sig = bytes(signature, 'The signature');
    if (ops.signSpec(mechanism).secret) tokens.requireLogin(tokens.token(serial), 'verify a MAC');
    return tokens.run(serial, { action: 'verify the signature', mechanism }, (st, session) => ops.verify(mod.lib, session, st, id, mechanism, input, sig, options));
  }

  encrypt(ref: TokenKeyRef, mechanism: CipherMechanism, plaintext: Uint8Array, options?: CipherOptions): EncryptResult {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    const input = bytes(plaintext, 'The plaintext');
    if (mechanism === 'aes-gcm') tokens.requireLogin(tokens.token(serial), 'encrypt');
    return tokens.run(serial, { action: 'encrypt', mechanism }, (st, session) => ops.encrypt(mod.lib, session, st, id, mechanism, input, options));
  }

  decrypt(ref: TokenKeyRef, mechanism: CipherMechanism, ciphertext: Uint8Array, options?: CipherOptions): Uint8Array {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    const input = bytes(ciphertext, 'The ciphertext');
    tokens.requireLogin(tokens.token(serial), 'decrypt');
    return tokens.run(serial, { action: 'decrypt', mechanism }, (st, session) => {
      try {
        return ops.decrypt(mod.lib, session, st, id, mechanism, input, options);
      } catch (e) {
        // A GCM tag mismatch is CKR_ENCRYPTED_DATA_INVALID by the standard; SoftHSM 2.6 says
        // CKR_GENERAL_ERROR and other tokens CKR_FUNCTION_FAILED. Unless the token went away, say what it means.
        if (mechanism === 'aes-gcm' && isCkr(e, 'ENCRYPTED_DATA_INVALID', 'FUNCTION_FAILED', 'GENERAL_ERROR') && tokens.stillPresent(st)) {
          throw errorForCkr(CKR.ENCRYPTED_DATA_INVALID, { action: 'decrypt' });
        }
        throw e;
      }
    });
  }

  wrapKey(wrapping: TokenKeyRef, target: TokenKeyRef): WrapResult {
    const { mod, tokens } = this.m;
    const w = refOf(wrapping);
    const t = refOf(target);
    if (w.serial !== t.serial) throw new CustosError('E_INPUT', 'The wrapping key and the key to wrap must be on the same token.');
    tokens.requireLogin(tokens.token(w.serial), 'wrap a key');
    return tokens.run(w.serial, { action: 'wrap the key', mechanism: 'CKM_AES_KEY_WRAP_PAD' }, (st, session) => ({
      mechanism: 'aes-key-wrap-pad' as const,
      ...ops.wrapKey(mod.lib, session, st, w.id, t.id),
    }));
  }

  unwrapKey(unwrapping: TokenKeyRef, wrapped: Uint8Array, req: UnwrapRequest): TokenKeyRecord {
    const { mod, tokens } = this.m;
    const u = refOf(unwrapping);
    const blob = bytes(wrapped, 'The wrapped key');
    if (!req || typeof req !== 'object') throw new CustosError('E_INPUT', 'An unwrap request is required.');
    tokens.requireLogin(tokens.token(u.serial), 'unwrap a key');
    const ckaId = req.ckaId ?? newCkaId();
    return tokens.run(u.serial, { action: 'unwrap the key', mechanism: 'CKM_AES_KEY_WRAP_PAD' }, (st, session) => {
      if (findObjects(mod.lib, session, [{ type: CKA.ID, value: parseCkaId(ckaId) }]).length > 0) {
        throw new CustosError('E_CONFLICT', `Token "${st.label}" already has objects with CKA_ID ${ckaId}; destroy them first or restore under another id.`);
      }
      unwrapKey(mod.lib, session, st, u.id, blob, req, ckaId);
      const record = readKey(mod.lib, session, u.serial, parseCkaId(ckaId));
      if (!record) throw new CustosError('E_CRYPTO', `Token "${st.label}" reported the key unwrapped but does not show it.`);
      return record;
    });
  }

  importWrappingKey(serial: string, value: Uint8Array): { ckaId: string } {
    const { mod, tokens } = this.m;
    const key = Buffer.from(bytes(value, 'The wrapping key'));
    if (key.length !== 16 && key.length !== 32) throw new CustosError('E_INPUT', 'A wrapping key is AES-128 or AES-256.');
    tokens.requireLogin(tokens.token(serial), 'import a wrapping key');
    const ckaId = newCkaId();
    try {
      return tokens.run(serial, { action: 'import the wrapping key' }, (_st, session) => {
        mod.lib.C_CreateObject(session, [
          { type: CKA.CLASS, value: CKO.SECRET_KEY },
          { type: CKA.KEY_TYPE, value: CKK.AES },
          { type: CKA.TOKEN, value: false },
          { type: CKA.PRIVATE, value: true },
          { type: CKA.SENSITIVE, value: true },
          { type: CKA.EXTRACTABLE, value: false },
          { type: CKA.WRAP, value: true },
          { type: CKA.UNWRAP, value: true },
          { type: CKA.ENCRYPT, value: false },
          { type: CKA.DECRYPT, value: false },
          { type: CKA.SIGN, value: false },
          { type: CKA.VERIFY, value: false },
          { type: CKA.ID, value: parseCkaId(ckaId) },
          { type: CKA.LABEL, value: 'custos-backup-kek' },
          { type: CKA.VALUE, value: key },
        ]);
        return { ckaId };
      });
    } finally {
      key.fill(0);
      if (value instanceof Uint8Array) value.fill(0);
    }
  }

  destroyKey(ref: TokenKeyRef): { destroyed: number } {
    const { mod, tokens } = this.m;
    const { serial, id } = refOf(ref);
    tokens.requireLogin(tokens.token(serial), 'destroy the key');
    return tokens.run(serial, { action: 'destroy the key' }, (st, session) => {
      const destroyed = ops.destroyKey(mod.lib, session, st, id);
      if (destroyed === 0) throw new CustosError('E_NOT_FOUND', `Token "${st.label}" (serial ${serial}) has no key with CKA_ID ${ref.ckaId}.`);
      return { destroyed };
    });
  }

  close(): void {
    if (this.loaded) {
      this.loaded.tokens.closeAll();
      this.loaded.mod.finalize();
      this.loaded = null;
    }
    this.closed = true;
  }
}
