import type { ChannelOutput, EventPayload, TokenSummary } from '../../src-shared/contract';
import type { Role } from '../../src-shared/users';

/**
 * Who may ask for a token to be initialised (requesterRoles of the core's token.init operation,
 * src-main/app/token-operations.ts). The core checks again; e2e/lifecycle-mirror.spec.ts compares.
 */
export const TOKEN_INIT_ROLES: readonly Role[] = ['administrator', 'security-officer'];

/** Where people put the module paths of a vendor HSM (read by the core at start). */
export const MODULES_ENV = 'CUSTOS_PKCS11_MODULES';

/** "custos-test" or, for a slot whose token has no label yet, "Slot 1". */
export function tokenTitle(t: Pick<TokenSummary, 'label' | 'slotId'>): string {
  return t.label.trim() || `Slot ${t.slotId}`;
}

export interface Flag {
  label: string;
  color: string;
  /** What it means for the person at the keyboard. */
  hint: string;
}

/** The user-PIN state flags a token reports, as badges. */
export function pinFlags(pin: TokenSummary['userPin']): Flag[] {
  const out: Flag[] = [];
  if (pin.locked) out.push({ label: 'PIN locked', color: 'red', hint: 'Too many wrong PINs: a security officer must reset the user PIN with the SO PIN.' });
  else if (pin.finalTry) out.push({ label: 'Final PIN try', color: 'red', hint: 'One more wrong PIN locks the token.' });
  else if (pin.countLow) out.push({ label: 'PIN tries low', color: 'orange', hint: 'A wrong PIN was entered; the token reports few tries left.' });
  if (pin.toBeChanged) out.push({ label: 'PIN to be changed', color: 'yellow', hint: 'The token asks for its user PIN to be changed.' });
  return out;
}

export type DiscoveryResult = ChannelOutput<'tokens.discover'>;

/** "Found 3 keys: added 1, already known 2." and the skipped objects, one sentence each. */
export function discoveryMessage(r: DiscoveryResult): string {
  const found = `Found ${r.found} key${r.found === 1 ? '' : 's'}`;
  const parts = `added ${r.added}, already known ${r.matched}`;
  const skipped = r.skipped.length === 0 ? '' : ` Skipped ${r.skipped.length}: ${r.skipped.join('; ')}.`;
  return `${found}: ${parts}.${skipped}`;
}

/** A mechanism's key sizes as the token reports them (bits or bytes, depending on the mechanism). */
export function keySizeRange(m: { minKeySize: number; maxKeySize: number }): string {
  if (m.minKeySize === 0 && m.maxKeySize === 0) return '—';
  if (m.minKeySize === m.maxKeySize) return String(m.minKeySize);
  return `${m.minKeySize}–${m.maxKeySize}`;
}

/** "0x1041" */
export function mechanismHex(type: number): string {
  return `0x${type.toString(16).padStart(4, '0')}`;
}

/**
 * What the console knows of the tokens present: serial → label. Null until a list was read in this
 * session (the core's first slot poll reports every token already present as "inserted", so
 * nothing is announced until there is a list to compare with).
 */
export type KnownTokens = ReadonlyMap<string, string> | null;

export function knownFrom(tokens: readonly Pick<TokenSummary, 'serial' | 'label'>[]): Map<string, string> {
  return new Map(tokens.filter((t) => t.serial).map((t) => [t.serial, t.label]));
}

/**
 * What a `tokens.changed` event means for the person: a notice when it changes what the console
 * knew (a token with a serial arrived or left), nothing for the initial report or for free slots.
 */
export function tokenChangeNotice(known: KnownTokens, ev: EventPayload<'tokens.changed'>): { title: string; message: string } | null {
  if (!known || !ev.serial) return null;
  const name = ev.label.trim() ? `Token ${ev.label.trim()}` : 'A token';
  if (ev.present && !known.has(ev.serial)) return { title: 'Token inserted', message: `${name} (serial ${ev.serial}) was inserted.` };
  if (!ev.present && known.has(ev.serial)) {
    return { title: 'Token removed', message: `${name} (serial ${ev.serial}) was removed. Operations with its keys fail until it is inserted again.` };
  }
  return null;
}

export function applyTokenChange(known: KnownTokens, ev: EventPayload<'tokens.changed'>): KnownTokens {
  if (!known || !ev.serial) return known;
  const next = new Map(known);
  if (ev.present) next.set(ev.serial, ev.label);
  else next.delete(ev.serial);
  return next;
}

/** Tokens a key can be generated on or a vault unlock method can use: initialised ones. */
export function usableTokens(tokens: readonly TokenSummary[]): TokenSummary[] {
  return tokens.filter((t) => t.initialized && t.serial);
}

/** "custos-test (serial f896…)" for selects. */
export function tokenOption(t: Pick<TokenSummary, 'label' | 'serial' | 'slotId' | 'loggedIn'>): string {
  return `${tokenTitle(t)} · serial ${t.serial}${t.loggedIn ? ' · logged in' : ''}`;
}

/** The problems with a new token's PINs, by field; empty when they may be sent. */
export function checkTokenInit(v: { label: string; soPin: string; soPin2: string; userPin: string; userPin2: string }): Partial<Record<'label' | 'soPin' | 'soPin2' | 'userPin' | 'userPin2', string>> {
  const e: Partial<Record<'label' | 'soPin' | 'soPin2' | 'userPin' | 'userPin2', string>> = {};
  const label = v.label.trim();
  if (!label) e.label = 'A token needs a label.';
  else if (new TextEncoder().encode(label).length > 32) e.label = 'A token label is at most 32 bytes.';
  if (v.soPin.length < 4) e.soPin = 'The SO PIN needs at least 4 characters.';
  else if (v.soPin.length > 256) e.soPin = 'The SO PIN is at most 256 characters.';
  if (v.soPin2 !== v.soPin) e.soPin2 = 'The SO PINs do not match.';
  if (v.userPin.length < 4) e.userPin = 'The user PIN needs at least 4 characters.';
  else if (v.userPin.length > 256) e.userPin = 'The user PIN is at most 256 characters.';
  if (v.userPin2 !== v.userPin) e.userPin2 = 'The user PINs do not match.';
  if (!e.userPin && !e.soPin && v.userPin === v.soPin) e.userPin = 'Use a user PIN different from the SO PIN.';
  return e;
}
