import type { AuditOutcome } from '../../src-shared/audit';
import type { AuditFilter } from '../../src-shared/contract';
import { keyIdSchema } from '../../src-shared/keys';

/** The audit filter form as typed (strings; empty means "any"). */
export interface AuditFilterForm {
  /** `YYYY-MM-DDTHH:mm` from a datetime-local input, read as UTC (the console shows UTC). */
  from: string;
  to: string;
  actor: string;
  keyId: string;
  operation: string;
  outcome: '' | AuditOutcome;
}

export const EMPTY_AUDIT_FORM: AuditFilterForm = { from: '', to: '', actor: '', keyId: '', operation: '', outcome: '' };

/** Operations the core writes, offered as suggestions in the filter (any text is accepted). */
export const KNOWN_OPERATIONS = [
  'vault.create',
  'vault.unlock',
  'vault.lock',
  'vault.header-adopted',
  'vault.header-restored',
  'session.login',
  'session.logout',
  'auth.login',
  'auth.approval',
  'user.create',
  'user.add',
  'user.disable',
  'user.set-role',
  'user.change-passphrase',
  'unlock-method.add-passphrase',
  'unlock-method.add-token',
  'unlock-method.set-quorum',
  'unlock-method.remove',
  'approval.request',
  'approval.grant',
  'approval.reject',
  'approval.cancel',
  'approval.expire',
  'policy.set-dual-control',
  'settings.change',
  'key.generate',
  'key.activate',
  'key.suspend',
  'key.resume',
  'key.deactivate',
  'key.revoke',
  'key.sign',
  'key.verify',
  'key.encrypt',
  'key.decrypt',
  'key.discover',
  'token.init',
  'token.discover',
  'token.login',
  'token.logout',
  'audit.export',
] as const;

const LOCAL_MINUTE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A datetime-local value read as UTC, as an ISO instant. `end` moves to the last millisecond of the
 * minute (or second), so "to 10:15" includes events at 10:15:30. Null when it is not a date.
 */
export function localInputToIso(value: string, end = false): string | null {
  const m = LOCAL_MINUTE.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const withSeconds = s !== undefined;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), withSeconds ? Number(s) : 0);
  const date = new Date(ms);
  if (Number.isNaN(ms) || date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(mo) - 1) return null;
  const extra = end ? (withSeconds ? 999 : 59_999) : 0;
  return new Date(ms + extra).toISOString();
}

export type AuditFormErrors = Partial<Record<keyof AuditFilterForm, string>>;

/** Turns the form into the channel's filter, or says which field is wrong. */
export function toAuditFilter(
  form: AuditFilterForm,
  page: { limit: number; beforeSeq?: number },
): { ok: true; filter: AuditFilter } | { ok: false; errors: AuditFormErrors } {
  const errors: AuditFormErrors = {};
  const filter: AuditFilter = { limit: page.limit };
  if (page.beforeSeq !== undefined) filter.beforeSeq = page.beforeSeq;

  const from = form.from.trim() ? localInputToIso(form.from) : undefined;
  const to = form.to.trim() ? localInputToIso(form.to, true) : undefined;
  if (from === null) errors.from = 'Not a date and time.';
  else if (from) filter.from = from;
  if (to === null) errors.to = 'Not a date and time.';
  else if (to) filter.to = to;
  if (from && to && from > to) errors.to = 'The end is before the start.';

  const actor = form.actor.trim();
  if (actor) {
    if (actor.length > 64) errors.actor = 'At most 64 characters.';
    else filter.actor = actor;
  }
  const operation = form.operation.trim();
  if (operation) {
    if (operation.length > 64) errors.operation = 'At most 64 characters.';
    else filter.operation = operation;
  }
  const keyId = form.keyId.trim().toLowerCase();
  if (keyId) {
    if (!keyIdSchema.safeParse(keyId).success) errors.keyId = 'A key id is 32 hex characters (copy it from the key page).';
    else filter.keyId = keyId;
  }
  if (form.outcome) filter.outcome = form.outcome;

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, filter };
}

/** How many filters are set, for the "Filters (3)" label. */
export function activeFilterCount(form: AuditFilterForm): number {
  return (Object.keys(form) as (keyof AuditFilterForm)[]).filter((k) => form[k].trim() !== '').length;
}

/** The openssl and custos commands that check an exported bundle, for the export panel. */
export function exportCheckCommands(path: string, fingerprint: string): string {
  const q = `'${path.replace(/'/g, `'\\''`)}'`;
  return [
    `mkdir custos-audit && tar -xf ${q} -C custos-audit && cd custos-audit`,
    'openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin -in manifest.json -sigfile manifest.sig',
    `openssl pkey -pubin -in audit-public.pem -outform DER | sha256sum   # expect ${fingerprint}`,
    `custos audit verify ${q} --expect-key ${fingerprint}`,
  ].join('\n');
}
