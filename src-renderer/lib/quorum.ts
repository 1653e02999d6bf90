import { userNameSchema } from '../../src-shared/users';
import { checkNewPassphrase } from './format';

/** One custodian at the keyboard: a name and the passphrase that seals their share. */
export interface CustodianEntry {
  user: string;
  passphrase: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Adds the custodian who just typed to those collected for a quorum unlock. Checks what the
 * console can check without the core (a name, a passphrase, nobody twice); the core checks the
 * shares themselves.
 */
export function addUnlockCustodian(collected: readonly CustodianEntry[], entry: CustodianEntry): Checked<CustodianEntry[]> {
  const name = userNameSchema.safeParse(entry.user);
  if (!name.success) return { ok: false, error: name.error.issues[0]?.message ?? 'Enter a user name.' };
  if (!entry.passphrase) return { ok: false, error: `${name.data}, type your share passphrase.` };
  const lower = name.data.toLowerCase();
  if (collected.some((c) => c.user.toLowerCase() === lower)) {
    return { ok: false, error: `${name.data} has already entered a share. The next custodian must be a different person.` };
  }
  return { ok: true, value: [...collected, { user: name.data, passphrase: entry.passphrase }] };
}

/** The M-of-N choice of the quorum set-up wizard. */
export function checkQuorumChoice(threshold: number, custodians: readonly string[]): string | null {
  const n = custodians.length;
  if (n < 2) return 'Choose at least two custodians.';
  if (n > 16) return 'A quorum has at most 16 custodians.';
  if (new Set(custodians.map((c) => c.toLowerCase())).size !== n) return 'Each custodian can be chosen once.';
  if (!Number.isInteger(threshold) || threshold < 2) return 'At least two custodians must be needed to unlock.';
  if (threshold > n) return `You chose ${n} custodians, so at most ${n} can be required.`;
  return null;
}

/** A custodian's share passphrase, typed twice. */
export function checkSharePassphrase(passphrase: string, confirm: string): { passphrase?: string; confirm?: string } {
  return checkNewPassphrase(passphrase, confirm);
}
