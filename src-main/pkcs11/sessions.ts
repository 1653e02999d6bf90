import { CustosError } from '../errors.js';
import type { Handle } from './binding.js';
import { CKF_SESSION, CKR, CKU } from './ck.js';
import { errorForCkr, isCkr, mapPkcs11Error, type Pkcs11ErrorContext } from './errors.js';
import { slotIdOf, type Pkcs11Module } from './module.js';
import type { FoundKey } from './objects.js';
import type { PresentToken, TokenInfo } from './types.js';

/** What Custos holds for one token: its slot, one read/write session, and the login state. */
export interface TokenState {
  serial: string;
  label: string;
  slot: Handle;
  session: Handle | null;
  loggedIn: boolean;
  /** Object handles found by CKA_ID, valid while the session lives. */
  handles: Map<string, FoundKey>;
}

export interface RunContext {
  action: string;
  mechanism?: string;
}

/** Errors after which Custos checks whether the token is still there before saying anything. */
const SUSPECT: Array<keyof typeof CKR> = [
  'OBJECT_HANDLE_INVALID',
  'KEY_HANDLE_INVALID',
  'WRAPPING_KEY_HANDLE_INVALID',
  'UNWRAPPING_KEY_HANDLE_INVALID',
  'SESSION_HANDLE_INVALID',
  'SESSION_CLOSED',
  'DEVICE_REMOVED',
  'DEVICE_ERROR',
  'TOKEN_NOT_PRESENT',
  'SLOT_ID_INVALID',
  'GENERAL_ERROR',
  'USER_NOT_LOGGED_IN',
];
const SESSION_LOST: Array<keyof typeof CKR> = ['SESSION_HANDLE_INVALID', 'SESSION_CLOSED', 'USER_NOT_LOGGED_IN'];
const HANDLE_STALE: Array<keyof typeof CKR> = ['OBJECT_HANDLE_INVALID', 'KEY_HANDLE_INVALID', 'WRAPPING_KEY_HANDLE_INVALID', 'UNWRAPPING_KEY_HANDLE_INVALID'];

/**
 * Tokens of one module, addressed by serial number (slot ids can change between insertions; the
 * serial is what the vault records). One read/write session per token carries the login, which
 * PKCS#11 shares across all of an application's sessions with that token.
 *
 * After a failure that could mean the token went away, the token is probed; if it is gone, its
 * state is dropped (no session, no login, no cached handles) and the error says so. Nothing is
 * retried except a stale object handle (looked up again once) and an operation left active on
 * the session (a fresh session, once).
 */
export class TokenSessions {
  private readonly states = new Map<string, TokenState>();

  constructor(private readonly mod: Pkcs11Module) {}

  /** Every token in a slot that answers C_GetTokenInfo; tokens that do not are left out (gone). */
  listTokens(): TokenInfo[] {
    const out: TokenInfo[] = [];
    for (const slot of this.mod.slots(true)) {
      try {
        const info = this.mod.tokenInfoRaw(slot, false);
        info.loggedIn = this.states.get(info.serial)?.loggedIn ?? false;
        out.push(info);
      } catch {
        // A token that cannot describe itself is treated as absent.
      }
    }
    this.dropAbsent(out);
    return out;
  }

  present(): PresentToken[] {
    return this.listTokens().map((t) => ({ slotId: t.slotId, serial: t.serial, label: t.label, initialized: t.flags.tokenInitialized }));
  }

  info(serial: string): TokenInfo {
    const state = this.token(serial);
    try {
      return this.mod.tokenInfoRaw(state.slot, state.loggedIn);
    } catch (e) {
      if (!this.stillPresent(state)) {
        this.forget(serial);
        throw errorForCkr(CKR.TOKEN_NOT_PRESENT, { action: 'read its information', token: state });
      }
      throw mapPkcs11Error(e, { action: 'read its information', token: state });
    }
  }

  /** The state for a token, finding its slot by serial when it is not known yet. */
  token(serial: string): TokenState {
    const known = this.states.get(serial);
    if (known) return known;
    if (!serial) throw new CustosError('E_INPUT', 'A token serial number is required.');
    for (const slot of this.mod.slots(true)) {
      let info: TokenInfo;
      try {
        info = this.mod.tokenInfoRaw(slot, false);
      } catch {
        continue;
      }
      if (info.serial === serial) {
        const state: TokenState = { serial, label: info.label, slot, session: null, loggedIn: false, handles: new Map() };
        this.states.set(serial, state);
        return state;
      }
    }
    throw new CustosError('E_NOT_FOUND', `No token with serial ${serial} is present in any slot of ${this.mod.path}. Insert it, or check the serial with "tokens list".`);
  }

  slotById(slotId: number): Handle {
    const slot = this.mod.slots(false).find((s) => slotIdOf(s) === slotId);
    if (!slot) throw new CustosError('E_NOT_FOUND', `There is no slot ${slotId} in ${this.mod.path}.`);
    return slot;
  }

  /** The token's read/write session, opened on first use. */
  session(state: TokenState): Handle {
    if (!state.session) {
      state.session = this.mod.lib.C_OpenSession(state.slot, CKF_SESSION.SERIAL | CKF_SESSION.RW);
    }
    return state.session;
  }

  /**
   * C_Login as user. A login always checks the PIN: an existing login is ended first, so a wrong
   * PIN is never accepted because the token happened to be logged in already. `pin` null means the
   * reader's protected authentication path (PIN pad).
   */
  login(serial: string, pin: string | null): TokenInfo {
    const state = this.token(serial);
    const ctx: Pkcs11ErrorContext = { action: 'log in', token: state, userType: 'user' };
    const info = this.info(serial);
    if (pin === null && !info.flags.protectedAuthenticationPath) {
      throw new CustosError('E_INPUT', `Token "${state.label}" has no PIN pad; enter its user PIN.`);
    }
    if (info.userPin.locked) throw errorForCkr(CKR.PIN_LOCKED, ctx);
    return this.run(serial, { action: 'log in' }, (st, session) => {
      if (st.loggedIn) this.logoutQuietly(st);
      try {
        this.mod.lib.C_Login(session, CKU.USER, pin ?? undefined);
      } catch (e) {
        if (isCkr(e, 'USER_ALREADY_LOGGED_IN')) {
          this.logoutQuietly(st);
          this.mod.lib.C_Login(session, CKU.USER, pin ?? undefined);
        } else if (isCkr(e, 'PIN_INCORRECT', 'PIN_LOCKED', 'PIN_LEN_RANGE', 'PIN_EXPIRED')) {
          throw mapPkcs11Error(e, { ...ctx, tokenFlags: this.flagsQuietly(st), pinLength: { min: info.minPinLength, max: info.maxPinLength } });
        } else {
          throw e;
        }
      }
      st.loggedIn = true;
      return this.mod.tokenInfoRaw(st.slot, true);
    });
  }

  logout(serial: string): void {
    const state = this.states.get(serial);
    if (!state) return;
    this.logoutQuietly(state);
    this.closeSession(state);
  }

  private logoutQuietly(state: TokenState): void {
    if (state.session) {
      try {
        this.mod.lib.C_Logout(state.session);
      } catch {
        // not logged in, or the session is gone: either way nobody is logged in now
      }
    }
    state.loggedIn = false;
    state.handles.clear();
  }

  private closeSession(state: TokenState): void {
    if (state.session) {
      try {
        this.mod.lib.C_CloseSession(state.session);
      } catch {
        // already closed
      }
    }
    state.session = null;
    state.handles.clear();
  }

  private flagsQuietly(state: TokenState): number | undefined {
    try {
      return this.mod.tokenInfoRaw(state.slot, state.loggedIn).rawFlags;
    } catch {
      return undefined;
    }
  }

  /** Whether the token is still in its slot (same serial) and answers. */
  stillPresent(state: TokenState): boolean {
    try {
      if (!this.mod.slots(true).some((s) => s.equals(state.slot))) return false;
      return this.mod.tokenInfoRaw(state.slot, false).serial === state.serial;
    } catch {
      return false;
    }
  }

  /** Drops all state for a token (after removal): no session, no login, no handles. */
  forget(serial: string): void {
    const state = this.states.get(serial);
    if (!state) return;
    this.closeSession(state);
    state.loggedIn = false;
    this.states.delete(serial);
  }

  private dropAbsent(present: TokenInfo[]): void {
    for (const serial of [...this.states.keys()]) {
      if (!present.some((t) => t.serial === serial)) this.forget(serial);
    }
  }

  /** Requires a user login (for private and secret objects). */
  requireLogin(state: TokenState, action: string): void {
    if (!state.loggedIn) throw errorForCkr(CKR.USER_NOT_LOGGED_IN, { action, token: state });
  }

  /**
   * Runs `fn` with the token's session and turns failures into errors a person can act on,
   * keeping the state consistent with what the token still has.
   */
  run<T>(serial: string, ctx: RunContext, fn: (state: TokenState, session: Handle) => T): T {
    const state = this.token(serial);
    const errCtx: Pkcs11ErrorContext = { action: ctx.action, token: state, mechanism: ctx.mechanism };
    for (let attempt = 0; ; attempt++) {
      try {
        return fn(state, this.session(state));
      } catch (e) {
        if (e instanceof CustosError) throw e;
        if (isCkr(e, 'OPERATION_ACTIVE') && attempt === 0) {
          this.replaceSession(state);
          continue;
        }
        if (isCkr(e, ...SUSPECT)) {
          if (!this.stillPresent(state)) {
            this.forget(serial);
            throw errorForCkr(CKR.TOKEN_NOT_PRESENT, errCtx);
          }
          if (isCkr(e, ...SESSION_LOST)) {
            this.closeSession(state);
            state.loggedIn = false;
          } else if (isCkr(e, ...HANDLE_STALE)) {
            state.handles.clear();
            if (attempt === 0) continue;
          }
        }
        throw mapPkcs11Error(e, errCtx);
      }
    }
  }

  /** A new session in place of one with a stuck operation; the login carries over (it is per token, not per session). */
  private replaceSession(state: TokenState): void {
    const old = state.session;
    state.session = this.mod.lib.C_OpenSession(state.slot, CKF_SESSION.SERIAL | CKF_SESSION.RW);
    state.handles.clear();
    if (old) {
      try {
        this.mod.lib.C_CloseSession(old);
      } catch {
        // already gone
      }
    }
  }

  /** Forgets every token (after C_Finalize/C_Initialize). */
  reset(): void {
    this.states.clear();
  }

  closeAll(): void {
    for (const serial of [...this.states.keys()]) {
      const s = this.states.get(serial)!;
      this.logoutQuietly(s);
      this.closeSession(s);
    }
    this.states.clear();
  }
}
