import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { readBundle } from './bundle.js';
import { exportAudit } from './export.js';
import { CHECKPOINT_INTERVAL } from './log.js';
import { verifyBundle } from './verify-bundle.js';

let dir: { path: string; cleanup: () => void };
let files: Map<string, Buffer>;
let fingerprint: string;

beforeAll(async () => {
  dir = tempDir();
  const v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  for (let i = 0; i < CHECKPOINT_INTERVAL + 10; i++) v.record({ actor: 'alice', operation: 'test.event', outcome: i % 7 === 0 ? 'refused' : 'success', details: { i } });
  const m = await exportAudit(v, join(dir.path, 'audit.tar'));
  fingerprint = m.publicKeyFingerprint;
  v.close();
  files = await readBundle(join(dir.path, 'audit.tar'));
});
afterAll(() => dir.cleanup());

function withEvents(edit: (lines: string[]) => string[]): Map<string, Buffer> {
  const copy = new Map(files);
  const lines = files.get('events.jsonl')!.toString().trimEnd().split('\n');
  copy.set('events.jsonl', Buffer.from(edit(lines).join('\n') + '\n'));
  return copy;
}

describe('audit export bundle', () => {
  it('verifies on its own: chain, signed manifest, and the checkpoints every 1000 events and at export', () => {
    const r = verifyBundle(files, fingerprint);
    expect(r).toMatchObject({ ok: true, problem: null, firstBadSeq: null, checkpoints: 2 });
    // vault.create and user.create, the recorded events, and the export itself.
    expect(r.events).toBe(2 + CHECKPOINT_INTERVAL + 10 + 1);
  });

  it('has signatures that openssl alone accepts', () => {
    const out = join(dir.path, 'unpacked');
    for (const [name, bytes] of files) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), bytes);
    }
    const cp = [...files.keys()].find((n) => n.startsWith('checkpoints/') && n.endsWith('.txt'))!;
    for (const [data, sig] of [['manifest.json', 'manifest.sig'], [cp, cp.replace(/\.txt$/, '.sig')]]) {
      const stdout = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(out, 'audit-public.pem'), '-rawin', '-in', join(out, data!), '-sigfile', join(out, sig!)]).toString();
      expect(stdout).toMatch(/Signature Verified Successfully/);
    }
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', join(out, 'audit-public.pem'), '-outform', 'DER']);
    expect(execFileSync('sha256sum', { input: der }).toString().slice(0, 64)).toBe(fingerprint);
  });

  it('names the first bad position for an edit, a deletion, an insertion, a reordering and a truncation', () => {
    const cases: Array<[string, (l: string[]) => string[], number]> = [
      ['edit', (l) => l.map((x, i) => (i === 4 ? x.replace('"actor":"alice"', '"actor":"mallory"') : x)), 5],
      ['delete', (l) => l.filter((_, i) => i !== 6), 7],
      ['insert', (l) => [...l.slice(0, 9), l[8]!, ...l.slice(9)], 10],
      ['reorder', (l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)], 3],
      ['truncate', (l) => l.slice(0, l.length - 2), files.get('events.jsonl')!.toString().trimEnd().split('\n').length - 1],
    ];
    for (const [what, edit, seq] of cases) {
      const r = verifyBundle(withEvents(edit));
      expect(r.ok, what).toBe(false);
      expect(r.firstBadSeq, `${what}: ${r.problem}`).toBe(seq);
    }
  });

  it('refuses an altered manifest, a foreign key and an extra file', () => {
    const m = new Map(files);
    m.set('manifest.json', Buffer.from(files.get('manifest.json')!.toString().replace(/"events": \d+/, '"events": 3')));
    expect(verifyBundle(m).problem).toMatch(/manifest signature/);
    expect(verifyBundle(files, '00'.repeat(32)).problem).toMatch(/not the expected/);
    const extra = new Map(files);
    extra.set('notes.txt', Buffer.from('hi'));
    expect(verifyBundle(extra).problem).toMatch(/not listed/);
  });
});
