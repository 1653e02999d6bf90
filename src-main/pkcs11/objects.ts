import type { Handle, Pkcs11Lib, Template } from './binding.js';
import { CKA } from './ck.js';
import { isCkr } from './errors.js';

/** Every object matching `template`, in batches; the search is always finalised. */
export function findObjects(lib: Pkcs11Lib, session: Handle, template: Template): Handle[] {
  lib.C_FindObjectsInit(session, template);
  const out: Handle[] = [];
  try {
    for (;;) {
      const batch = lib.C_FindObjects(session, 64);
      if (batch.length === 0) break;
      out.push(...batch);
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
  return out;
}

/**
 * One attribute, or null when the object does not have it or will not reveal it. Attributes are
 * read one at a time because a single unknown or sensitive attribute fails the whole template.
 */
export function readAttribute(lib: Pkcs11Lib, session: Handle, object: Handle, type: number): Buffer | null {
  try {
    const [a] = lib.C_GetAttributeValue(session, object, [{ type }]);
    return a?.value ?? null;
  } catch (e) {
    if (isCkr(e, 'ATTRIBUTE_SENSITIVE', 'ATTRIBUTE_TYPE_INVALID')) return null;
    throw e;
  }
}

/** A CK_ULONG attribute (native-endian bytes; little-endian on the platforms Custos runs on). */
export function ulongValue(b: Buffer | null): number | null {
  if (!b) return null;
  if (b.byteLength === 8) return Number(b.readBigUInt64LE(0));
  if (b.byteLength === 4) return b.readUInt32LE(0);
  return null;
}

export function boolValue(b: Buffer | null): boolean | null {
  if (!b || b.byteLength === 0) return null;
  return b[0] !== 0;
}

export function readBool(lib: Pkcs11Lib, session: Handle, object: Handle, type: number): boolean | null {
  return boolValue(readAttribute(lib, session, object, type));
}

export function readUlong(lib: Pkcs11Lib, session: Handle, object: Handle, type: number): number | null {
  return ulongValue(readAttribute(lib, session, object, type));
}

export interface FoundKey {
  handle: Handle;
  objectClass: number;
  ckk: number | null;
}

/**
 * The key object with this CKA_ID, trying the classes in order (e.g. private, then secret, for
 * signing). Returns null when there is none; `ambiguous` when a class holds more than one.
 */
export function findKeyObject(
  lib: Pkcs11Lib,
  session: Handle,
  ckaId: Buffer,
  classes: readonly number[],
): FoundKey | 'ambiguous' | null {
  for (const objectClass of classes) {
    const found = findObjects(lib, session, [
      { type: CKA.CLASS, value: objectClass },
      { type: CKA.ID, value: ckaId },
    ]);
    if (found.length > 1) return 'ambiguous';
    const handle = found[0];
    if (handle) return { handle, objectClass, ckk: readUlong(lib, session, handle, CKA.KEY_TYPE) };
  }
  return null;
}
