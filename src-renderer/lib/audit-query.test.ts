import { describe, expect, it } from 'vitest';
import { auditFilterSchema } from '../../src-shared/contract';
import { EMPTY_AUDIT_FORM, activeFilterCount, exportCheckCommands, localInputToIso, toAuditFilter } from './audit-query';

describe('audit filters', () => {
  it('reads datetime-local values as UTC, the end of a minute inclusive', () => {
    expect(localInputToIso('2026-03-04T10:15')).toBe('2026-03-04T10:15:00.000Z');
    expect(localInputToIso('2026-03-04T10:15', true)).toBe('2026-03-04T10:15:59.999Z');
    expect(localInputToIso('2026-03-04T10:15:30', true)).toBe('2026-03-04T10:15:30.999Z');
    expect(localInputToIso('2026-02-30T10:15')).toBeNull();
    expect(localInputToIso('yesterday')).toBeNull();
  });

  it('builds a filter the contract accepts', () => {
    const r = toAuditFilter(
      { from: '2026-03-04T10:00', to: '2026-03-04T11:00', actor: ' carol ', keyId: 'AB'.repeat(16), operation: 'user.add', outcome: 'refused' },
      { limit: 50, beforeSeq: 120 },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.filter).toEqual({
      limit: 50,
      beforeSeq: 120,
      from: '2026-03-04T10:00:00.000Z',
      to: '2026-03-04T11:00:59.999Z',
      actor: 'carol',
      keyId: 'ab'.repeat(16),
      operation: 'user.add',
      outcome: 'refused',
    });
    expect(auditFilterSchema.safeParse(r.filter).success).toBe(true);
  });

  it('leaves empty fields out', () => {
    expect(toAuditFilter(EMPTY_AUDIT_FORM, { limit: 50 })).toEqual({ ok: true, filter: { limit: 50 } });
    expect(activeFilterCount(EMPTY_AUDIT_FORM)).toBe(0);
    expect(activeFilterCount({ ...EMPTY_AUDIT_FORM, operation: 'user.add', outcome: 'failed' })).toBe(2);
  });

  it('says which field is wrong', () => {
    const r = toAuditFilter({ ...EMPTY_AUDIT_FORM, keyId: 'abc', from: '2026-03-05T00:00', to: '2026-03-04T00:00' }, { limit: 50 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.keyId).toMatch(/32 hex/);
    expect(r.errors.to).toBe('The end is before the start.');
  });

  it('quotes the path in the commands that check an export', () => {
    const cmds = exportCheckCommands("/tmp/it's/a.tar", 'ff'.repeat(32));
    expect(cmds).toContain(`tar -xf '/tmp/it'\\''s/a.tar'`);
    expect(cmds).toContain('openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin -in manifest.json -sigfile manifest.sig');
    expect(cmds).toContain(`--expect-key ${'ff'.repeat(32)}`);
  });
});
