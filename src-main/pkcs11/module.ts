import { CustosError } from '../errors.js';
import type { ModuleAllowlist } from './allowlist.js';
import { pkcs11Binding, type Handle, type Pkcs11Lib } from './binding.js';
import { mechanismName } from './ck.js';
import { isCkr, mapPkcs11Error } from './errors.js';
import {
  decodeMechanismFlags,
  decodeSlotFlags,
  decodeSoPinState,
  decodeTokenFlags,
  decodeUserPinState,
  trimPadded,
  versionString,
} from './flags.js';
import type { MechanismInfo, ModuleInfo, SlotInfo, TokenInfo } from './types.js';

/** A slot id as a number. CK_SLOT_ID is a CK_ULONG, which pkcs11js hands over as its raw bytes. */
export function slotIdOf(slot: Handle): number {
  if (slot.byteLength === 8) return Number(slot.readBigUInt64LE(0));
  if (slot.byteLength === 4) return slot.readUInt32LE(0);
  throw new CustosError('E_INTERNAL', 'The PKCS#11 module returned a slot id of unexpected size.');
}

/**
 * One loaded and initialised PKCS#11 module: library, slot, token and mechanism information.
 * Only allowlisted modules are loaded. A module is loaded once per process (its C_Initialize
 * state is process-wide), which is why each module gets exactly one worker.
 */
export class Pkcs11Module {
  private constructor(
    readonly path: string,
    readonly lib: Pkcs11Lib,
  ) {}

  static load(path: string, allowlist: ModuleAllowlist): Pkcs11Module {
    const real = allowlist.resolve(path);
    const { PKCS11 } = pkcs11Binding();
    const lib = new PKCS11();
    try {
      lib.load(real);
    } catch (e) {
      throw new CustosError('E_UNSUPPORTED', `Custos could not load ${path} as a PKCS#11 module: it is not a PKCS#11 library for this machine, or a library it needs is missing.`, { cause: e });
    }
    const mod = new Pkcs11Module(path, lib);
    mod.initialize();
    return mod;
  }

  /**
   * C_Initialize. If the library is still initialised in this process (a previous worker ended
   * without C_Finalize), it is finalised and initialised again so no stale session or login
   * survives.
   */
  private initialize(): void {
    try {
      this.lib.C_Initialize();
    } catch (e) {
      if (!isCkr(e, 'CRYPTOKI_ALREADY_INITIALIZED')) {
        this.closeQuietly();
        throw mapPkcs11Error(e, { action: `initialise the PKCS#11 module ${this.path}` });
      }
      try {
        this.lib.C_Finalize();
        this.lib.C_Initialize();
      } catch (e2) {
        throw mapPkcs11Error(e2, { action: `initialise the PKCS#11 module ${this.path}` });
      }
    }
  }

  /** C_Finalize + C_Initialize: ends every session and login; tokens created since are seen. */
  reinitialize(): void {
    try {
      this.lib.C_Finalize();
    } catch {
      // already finalised; initialise anyway
    }
    this.initialize();
  }

  finalize(): void {
    try {
      this.lib.C_Finalize();
    } catch {
      // best effort: the module may already be finalised
    }
    this.closeQuietly();
  }

  private closeQuietly(): void {
    try {
      this.lib.close();
    } catch {
      // nothing left to release
    }
  }

  info(): ModuleInfo {
    const i = this.call(() => this.lib.C_GetInfo(), 'read the module information');
    return {
      path: this.path,
      cryptokiVersion: versionString(i.cryptokiVersion),
      manufacturer: trimPadded(i.manufacturerID),
      description: trimPadded(i.libraryDescription),
      libraryVersion: versionString(i.libraryVersion),
    };
  }

  slots(tokenPresent: boolean): Handle[] {
    return this.call(() => this.lib.C_GetSlotList(tokenPresent), 'list the slots');
  }

  slotInfo(slot: Handle): SlotInfo {
    const i = this.call(() => this.lib.C_GetSlotInfo(slot), 'read the slot information');
    return {
      slotId: slotIdOf(slot),
      description: trimPadded(i.slotDescription),
      manufacturer: trimPadded(i.manufacturerID),
      ...decodeSlotFlags(i.flags),
      hardwareVersion: versionString(i.hardwareVersion),
      firmwareVersion: versionString(i.firmwareVersion),
    };
  }

  /** C_GetTokenInfo, decoded. Throws the raw pkcs11js error so callers can tell "gone" apart. */
  tokenInfoRaw(slot: Handle, loggedIn: boolean): TokenInfo {
    const t = this.lib.C_GetTokenInfo(slot);
    const flags = t.flags >>> 0;
    return {
      slotId: slotIdOf(slot),
      label: trimPadded(t.label),
      serial: trimPadded(t.serialNumber),
      manufacturer: trimPadded(t.manufacturerID),
      model: trimPadded(t.model),
      hardwareVersion: versionString(t.hardwareVersion),
      firmwareVersion: versionString(t.firmwareVersion),
      rawFlags: flags,
      flags: decodeTokenFlags(flags),
      userPin: decodeUserPinState(flags),
      soPin: decodeSoPinState(flags),
      minPinLength: t.minPinLen,
      maxPinLength: t.maxPinLen,
      loggedIn,
    };
  }

  mechanisms(slot: Handle, token: { label: string; serial: string }): MechanismInfo[] {
    const ctx = { action: 'list its mechanisms', token };
    const types = this.call(() => this.lib.C_GetMechanismList(slot), ctx);
    return types.map((type) => {
      const m = this.call(() => this.lib.C_GetMechanismInfo(slot, type), ctx);
      return { type, name: mechanismName(type), minKeySize: m.minKeySize, maxKeySize: m.maxKeySize, flags: decodeMechanismFlags(m.flags >>> 0) };
    });
  }

  private call<T>(fn: () => T, ctx: string | Parameters<typeof mapPkcs11Error>[1]): T {
    try {
      return fn();
    } catch (e) {
      throw mapPkcs11Error(e, typeof ctx === 'string' ? { action: ctx } : ctx);
    }
  }
}
