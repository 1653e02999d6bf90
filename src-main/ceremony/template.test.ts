import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplates, parseTemplate } from './template.js';
import { CEREMONIES_DIR } from './testing.js';

const dir = CEREMONIES_DIR;
const rootCa = () => JSON.parse(readFileSync(join(dir, 'root-ca-key-generation.json'), 'utf8')) as Record<string, unknown> & { steps: Array<Record<string, unknown>>; roles: Record<string, Record<string, number>> };

describe('ceremony templates', () => {
  it('ships the five templates, each valid', () => {
    const ts = loadTemplates(dir);
    expect(ts.map((t) => t.id)).toEqual(['key-backup', 'key-destruction', 'key-recovery', 'root-ca-key-generation', 'vault-quorum-setup']);
    for (const t of ts) {
      expect(t.steps.length).toBeGreaterThan(2);
      expect(t.roles['key-custodian'].threshold).toBeLessThanOrEqual(t.roles['key-custodian'].count);
    }
    const kinds = new Set(ts.flatMap((t) => t.steps.map((s) => s.kind)));
    expect([...kinds].sort()).toEqual(['authenticate', 'certificate', 'checklist', 'destroy-temporary', 'generate-key', 'note', 'recover-backup', 'show-fingerprint', 'split-backup', 'verify-shares']);
  });

  it('fills defaults: performed by the administrator, custodians by quorum', () => {
    const t = parseTemplate(rootCa());
    const generate = t.steps.find((s) => s.kind === 'generate-key')!;
    expect(generate.performedBy).toBe('ceremony-administrator');
    expect(generate.custodians).toBe('quorum');
  });

  it('refuses broken templates with the place of the problem', () => {
    const cases: Array<[string, (t: ReturnType<typeof rootCa>) => void, RegExp]> = [
      ['unknown kind', (t) => (t.steps[0]!.kind = 'dance'), /steps\.0/],
      ['duplicate step id', (t) => (t.steps[1]!.id = t.steps[0]!.id as string), /used twice/],
      ['threshold above count', (t) => (t.roles['key-custodian']!.threshold = 4), /threshold cannot exceed/],
      ['xor not n-of-n', (t) => (t.steps.find((s) => s.kind === 'split-backup')!.scheme = 'xor'), /n-of-n/],
      ['shares not one per custodian', (t) => (t.steps.find((s) => s.kind === 'split-backup')!.shares = 5), /one share each/],
      ['root without days', (t) => delete t.steps.find((s) => s.kind === 'certificate')!.days, /needs days/],
      ['auditor step without auditors', (t) => (t.steps[0]!.attestedBy = ['auditor']), /requires none/],
      ['unknown field', (t) => (t.steps[0]!.secret = 'x'), /steps\.0/],
      ['unknown role', (t) => (t.steps[0]!.attestedBy = ['janitor']), /attestedBy/],
    ];
    for (const [what, edit, want] of cases) {
      const t = rootCa();
      edit(t);
      expect(() => parseTemplate(t), what).toThrow(want);
    }
  });
});
