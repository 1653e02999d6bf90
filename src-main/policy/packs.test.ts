import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composePolicy } from './compose.js';
import { PolicyFileError } from './errors.js';
import { builtinPolicyDir, loadComposition, loadPackDirectory, loadPackFile, parsePack } from './load.js';

const dir = builtinPolicyDir();
const packFiles = readdirSync(dir).filter((f) => f.endsWith('.json'));
const compositionFiles = readdirSync(join(dir, 'compositions')).filter((f) => f.endsWith('.json'));

describe('shipped policy packs', () => {
  it('are the five expected packs', () => {
    expect(packFiles.sort()).toEqual(['cnsa-2.0.json', 'custos-baseline.json', 'nist-ir-8547.json', 'nist-sp800-131a-r2.json', 'nist-sp800-57-cryptoperiods.json']);
  });

  it.each(packFiles)('%s parses, is named after its id, and every rule cites its source', (file) => {
    const pack = loadPackFile(join(dir, file));
    expect(`${pack.id}.json`).toBe(file);
    expect(pack.rules.length).toBeGreaterThan(0);
    for (const r of pack.rules) {
      expect(r.citation, r.id).toBeTruthy();
      expect(r.explanation.length, r.id).toBeGreaterThan(20);
    }
  });

  it('use rule ids with one prefix per pack, unique across packs', () => {
    const packs = loadPackDirectory(dir);
    const prefixes = new Map<string, string>();
    const ids = new Set<string>();
    for (const p of packs) {
      for (const r of p.rules) {
        const prefix = r.id.split('.')[0] ?? '';
        expect(prefixes.get(prefix) ?? p.id, r.id).toBe(p.id);
        prefixes.set(prefix, p.id);
        expect(ids.has(r.id), r.id).toBe(false);
        ids.add(r.id);
      }
    }
  });

  it.each(compositionFiles)('composition %s parses and composes with the shipped packs', (file) => {
    const packs = loadPackDirectory(dir);
    const c = loadComposition(join(dir, 'compositions', file));
    const p = composePolicy(packs, c, file);
    expect(p.rules.length).toBe(c.packs.reduce((n, id) => n + (packs.find((x) => x.id === id)?.rules.length ?? 0), 0));
  });

  it('the SP 800-57 pack encodes Table 1 maxima', () => {
    const pack = loadPackFile(join(dir, 'nist-sp800-57-cryptoperiods.json'));
    const max = Object.fromEntries(
      pack.rules.flatMap((r) => (r.kind === 'cryptoperiod' ? [[r.id, r.period === 'originator' ? r.maxOriginatorUsage : `${r.maxOriginatorUsage}+${r.recipientUsageAfterOriginator}`]] : [])),
    );
    expect(max).toEqual({
      'sp800-57.private-signature': 'P3Y',
      'sp800-57.private-signature.ca': 'P3Y',
      'sp800-57.private-authentication': 'P2Y',
      'sp800-57.private-key-transport': 'P2Y',
      'sp800-57.private-static-key-agreement': 'P2Y',
      'sp800-57.symmetric-authentication': 'P2Y',
      'sp800-57.symmetric-authentication.recipient': 'P2Y+P3Y',
      'sp800-57.symmetric-data-encryption': 'P2Y',
      'sp800-57.symmetric-data-encryption.recipient': 'P2Y+P3Y',
      'sp800-57.symmetric-key-wrapping': 'P2Y',
      'sp800-57.symmetric-key-wrapping.recipient': 'P2Y+P3Y',
      'sp800-57.symmetric-master': 'P1Y',
      'sp800-57.symmetric-key-agreement': 'P2Y',
    });
  });
});

describe('malformed packs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'custos-policy-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const good = JSON.parse(readFileSync(join(dir, 'nist-ir-8547.json'), 'utf8')) as { rules: Record<string, unknown>[] } & Record<string, unknown>;

  function errorOf(fn: () => unknown): PolicyFileError {
    try {
      fn();
    } catch (e) {
      if (e instanceof PolicyFileError) return e;
      throw e;
    }
    throw new Error('expected a PolicyFileError');
  }

  it('names the file, the JSON path and the rule', () => {
    const bad = structuredClone(good);
    bad.rules[2] = { ...bad.rules[2], severity: 'fatal' };
    const file = join(tmp, 'bad-severity.json');
    writeFileSync(file, JSON.stringify(bad, null, 2));
    const e = errorOf(() => loadPackFile(file));
    expect(e.code).toBe('E_INPUT');
    expect(e.file).toBe(file);
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.path).toBe('$.rules[2].severity (rule "ir8547.signature.112-bit.deprecated")');
    expect(e.message).toContain(file);
    expect(e.message).toContain('$.rules[2].severity');
  });

  it('reports several problems at once, including unknown fields, kinds, families, dates and durations', () => {
    const bad = structuredClone(good);
    bad.version = '1';
    bad.rules[0] = { ...bad.rules[0], match: { families: ['rsa', 'rsaa'] } };
    bad.rules[1] = { ...bad.rules[1], efectiveFrom: '2024-01-01' };
    bad.rules[3] = { ...bad.rules[3], effectiveFrom: '2031-02-30' };
    bad.rules[4] = { ...bad.rules[4], kind: 'algorithm-state' };
    bad.rules.push({ ...bad.rules[5], id: 'ir8547.extra', kind: 'cryptoperiod', period: 'originator', maxOriginatorUsage: '2 years', status: undefined });
    const e = errorOf(() => parsePack(JSON.stringify(bad), 'inline.json'));
    const paths = e.issues.map((i) => i.path);
    expect(paths).toContain('$.version');
    expect(paths).toContain('$.rules[0].match.families[1] (rule "ir8547.notice.112-bit")');
    expect(paths.some((p) => p.startsWith('$.rules[1]') && /efectiveFrom/.test(e.issues[paths.indexOf(p)]?.message ?? ''))).toBe(true);
    expect(paths).toContain('$.rules[3].effectiveFrom (rule "ir8547.key-establishment.112-bit.deprecated")');
    expect(paths.some((p) => p.startsWith('$.rules[4].kind'))).toBe(true);
    expect(paths).toContain('$.rules[6].maxOriginatorUsage (rule "ir8547.extra")');
  });

  it('rejects duplicate rule ids, unknown purposes and contradictory bounds', () => {
    const bad = structuredClone(good);
    bad.rules[1] = { ...bad.rules[1], id: bad.rules[0]?.id };
    bad.rules[2] = { ...bad.rules[2], match: { strengthAtLeast: 128, strengthBelow: 112 } };
    const e = errorOf(() => parsePack(bad, 'dup.json'));
    expect(e.issues.map((i) => i.message).join('\n')).toMatch(/used twice/);
    expect(e.issues.map((i) => i.message).join('\n')).toMatch(/strengthAtLeast must be below strengthBelow/);

    const purpose = structuredClone(good);
    purpose.rules[0] = { ...purpose.rules[0], match: { purposes: ['tls-sever'] } };
    const p = errorOf(() => parsePack(purpose, 'purpose.json'));
    expect(p.issues[0]?.path).toBe('$.rules[0].match.purposes[0] (rule "ir8547.notice.112-bit")');
    expect(p.issues[0]?.message).toMatch(/Unknown purpose "tls-sever"/);
  });

  it('reports invalid JSON with line and column, and a missing file', () => {
    const file = join(tmp, 'broken.json');
    writeFileSync(file, '{\n  "format": "custos.policy-pack/v1",\n  "id": "x",,\n}');
    const e = errorOf(() => loadPackFile(file));
    expect(e.issues[0]?.message).toMatch(/^Not valid JSON at line 3, column \d+/);
    expect(errorOf(() => loadPackFile(join(tmp, 'nope.json'))).issues[0]?.message).toBe('The file does not exist.');
  });

  it('a folder with one malformed pack fails as a whole, naming that file', () => {
    const d = mkdtempSync(join(tmp, 'dir-'));
    writeFileSync(join(d, 'a.json'), readFileSync(join(dir, 'nist-ir-8547.json')));
    writeFileSync(join(d, 'b.json'), '{}');
    const e = errorOf(() => loadPackDirectory(d));
    expect(basename(e.file)).toBe('b.json');
    writeFileSync(join(d, 'b.json'), readFileSync(join(dir, 'nist-ir-8547.json')));
    expect(basename(errorOf(() => loadPackDirectory(d)).file)).toBe('b.json');
    expect(errorOf(() => loadPackDirectory(d)).issues[0]?.message).toMatch(/also used by/);
  });
});
