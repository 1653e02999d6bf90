import { ALGORITHMS, inventoryAlgorithmLabel, type AlgorithmId, type InventoryKeyFamily, type KeyFamily, type KeyState, type KeyStore, type KeySummary } from '../../src-shared/keys';
import { passphraseSchema, type Role } from '../../src-shared/users';
import type { VaultStatus } from '../../src-shared/contract';
import type { AuditOutcome } from '../../src-shared/audit';

export const OUTCOME_COLORS: Record<AuditOutcome, string> = { success: 'green', refused: 'orange', failed: 'red' };

/** Any inventory algorithm, generated ("EC P-256") or inventory-only ("RSA 1024", "DSA"); an unknown id as it is. */
export function algorithmLabel(id: string): string {
  return inventoryAlgorithmLabel(id);
}

/** "P-256" for curves, "2048 bits" for RSA and AES. */
export function sizeLabel(key: Pick<KeySummary, 'size' | 'curve'>): string {
  return key.curve ?? `${key.size} bits`;
}

/**
 * An (algorithm, size) pair of the inventory's aggregates as one label: the label for ids of a
 * fixed size, "RSA 1536" / "DSA 1024" / "EC, other 256-bit curve" for the inventory-only ids whose size varies.
 */
export function algorithmSizeLabel(algorithm: string, size: number): string {
  switch (algorithm) {
    case 'rsa-other':
      return `RSA ${size}`;
    case 'dsa':
      return `DSA ${size}`;
    case 'ec-other':
      return `EC, other ${size}-bit curve`;
    default:
      return algorithmLabel(algorithm);
  }
}

/** Whether keys of this algorithm id come in several sizes (inventory-only rsa-other, ec-other, dsa). */
export function algorithmSizeVaries(algorithm: string): boolean {
  return algorithm === 'rsa-other' || algorithm === 'ec-other' || algorithm === 'dsa';
}

/**
 * The algorithm with what sets it apart where the id alone does not: "RSA 1536 bits" for
 * rsa-other, "EC brainpoolP256r1" for ec-other, "DSA 1024 bits"; otherwise the label.
 */
export function keyAlgorithmLabel(key: Pick<KeySummary, 'algorithm' | 'size' | 'curve'>): string {
  switch (key.algorithm) {
    case 'rsa-other':
      return `RSA ${key.size} bits`;
    case 'ec-other':
      return `EC ${key.curve ?? `${key.size}-bit curve`}`;
    case 'dsa':
      return `DSA ${key.size} bits`;
    default:
      return algorithmLabel(key.algorithm);
  }
}

const STATE_LABELS: Record<KeyState, string> = {
  'pre-active': 'Pre-active',
  active: 'Active',
  suspended: 'Suspended',
  deactivated: 'Deactivated',
  compromised: 'Compromised',
  destroyed: 'Destroyed',
  'destroyed-compromised': 'Destroyed (compromised)',
};
export function stateLabel(state: KeyState): string {
  return STATE_LABELS[state] ?? state;
}

const STATE_COLORS: Record<KeyState, string> = {
  'pre-active': 'blue',
  active: 'green',
  suspended: 'yellow',
  deactivated: 'gray',
  compromised: 'red',
  destroyed: 'dark',
  'destroyed-compromised': 'red',
};
export function stateColor(state: KeyState): string {
  return STATE_COLORS[state] ?? 'gray';
}

const STORE_LABELS: Record<KeyStore, string> = { vault: 'Vault', token: 'Token', external: 'External' };
export function storeLabel(store: KeyStore): string {
  return STORE_LABELS[store] ?? store;
}

const ROLE_LABELS: Record<Role, string> = {
  administrator: 'Administrator',
  'security-officer': 'Security officer',
  'key-custodian': 'Key custodian',
  auditor: 'Auditor',
};
export function roleLabel(role: Role): string {
  return ROLE_LABELS[role] ?? role;
}

const FAMILY_LABELS: Record<InventoryKeyFamily, string> = {
  ec: 'Elliptic curve (ECDSA / ECDH)',
  eddsa: 'Edwards curve (EdDSA)',
  rsa: 'RSA',
  aes: 'Symmetric (AES)',
  hmac: 'Message authentication (HMAC)',
  dsa: 'DSA (imported only)',
  xdh: 'Montgomery curve (X25519 / X448, imported only)',
};

export function familyLabel(family: InventoryKeyFamily): string {
  return FAMILY_LABELS[family] ?? family;
}

/** The algorithm choices for a select, grouped by family, in the contract's order: the generated algorithms only. */
export function algorithmGroups(): { group: string; items: { value: AlgorithmId; label: string }[] }[] {
  const groups = new Map<KeyFamily, { value: AlgorithmId; label: string }[]>();
  for (const info of Object.values(ALGORITHMS)) {
    const items = groups.get(info.family) ?? [];
    items.push({ value: info.id, label: info.label });
    groups.set(info.family, items);
  }
  return [...groups].map(([family, items]) => ({ group: FAMILY_LABELS[family], items }));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Times are shown in UTC, always: custodians on different workstations and auditors reading an
 * export must see the same clock. Unparseable input is shown as it came.
 */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** Hex in groups (for reading aloud during a ceremony), e.g. "ab12 cd34 …". */
export function groupHex(hex: string, size = 4): string {
  const parts: string[] = [];
  for (let i = 0; i < hex.length; i += size) parts.push(hex.slice(i, i + size));
  return parts.join(' ');
}

/** "1–25 of 130", or "No keys" when empty. */
export function rangeLabel(offset: number, count: number, total: number): string {
  if (total === 0 || count === 0) return total === 0 ? 'No keys' : `0 of ${total}`;
  return `${offset + 1}–${offset + count} of ${total}`;
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

export type Phase = 'first-run' | 'locked' | 'login' | 'unlocked';

/**
 * Which top-level screen a vault status calls for. A vault can be open with nobody signed in
 * (a custodian quorum unlocked it): that is the sign-in screen, not the console.
 */
export function phaseFor(status: Pick<VaultStatus, 'exists' | 'unlocked' | 'user'>): Phase {
  if (!status.exists) return 'first-run';
  if (!status.unlocked) return 'locked';
  return status.user ? 'unlocked' : 'login';
}

/** Details of an audit event as "key=value" pairs, in a stable order; empty values left out. */
export function formatDetails(details: Record<string, string | number | boolean | null>): string {
  return Object.keys(details)
    .sort()
    .filter((k) => details[k] !== null && details[k] !== '')
    .map((k) => `${k}=${String(details[k])}`)
    .join(', ');
}

/** Client-side checks for the create-vault form; the core validates again. */
export function checkNewPassphrase(passphrase: string, confirm: string): { passphrase?: string; confirm?: string } {
  const errors: { passphrase?: string; confirm?: string } = {};
  const checked = passphraseSchema.safeParse(passphrase);
  if (!checked.success) errors.passphrase = checked.error.issues[0]?.message ?? 'This passphrase is not accepted.';
  if (confirm !== passphrase) errors.confirm = 'The passphrases do not match.';
  return errors;
}
