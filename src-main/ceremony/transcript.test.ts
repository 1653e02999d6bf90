import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../audit/bundle.js';
import { publicKeyFingerprint, publicPem, signingKeyFromSeed } from '../audit/signing.js';
import { verifyBundle } from '../audit/verify-bundle.js';
import { tempDir } from '../testing/temp.js';
import { abort, type CeremonyState } from './engine.js';
import { runAll, shippedTemplate, start, tick } from './testing.js';
import { verifyTranscript, writeTranscriptBundle } from './transcript.js';

const key = signingKeyFromSeed(Buffer.alloc(32, 7));
const fp = publicKeyFingerprint(publicPem(key));
let dir: { path: string; cleanup: () => void };
let state: CeremonyState;
let path: string;
let files: Map<string, Buffer>;

beforeAll(async () => {
  dir = tempDir();
  state = runAll(start(shippedTemplate('root-ca-key-generation')));
  path = join(dir.path, 'transcript.tar');
  await writeTranscriptBundle(path, state, { signingKey: key, exportedAt: tick() });
  files = await readBundle(path);
});
afterAll(() => dir.cleanup());

describe('ceremony transcript export', () => {
  it('is an audit bundle that verifyBundle accepts, with the ceremony id in place of the vault id', () => {
    const r = verifyBundle(files, fp);
    expect(r).toMatchObject({ ok: true, vaultId: 'cer-0001', events: state.transcript.length, headHash: state.transcript.at(-1)!.hash, checkpoints: 1, problem: null });
    const lines = files.get('events.jsonl')!.toString().trimEnd().split('\n').map((l) => JSON.parse(l) as { operation: string; mac?: string });
    expect(lines[0]!.operation).toBe('ceremony.start');
    expect(lines.every((l) => l.mac === undefined)).toBe(true);
  });

  it('fails verification when any one byte of the events is changed', () => {
    const events = files.get('events.jsonl')!;
    // Every position of the chained text, the closing newline aside.
    for (let i = 0; i < events.length - 1; i++) {
      const copy = Buffer.from(events);
      copy[i] = copy[i]! ^ 0x01;
      const edited = new Map(files).set('events.jsonl', copy);
      expect(verifyBundle(edited).ok, `byte ${i}`).toBe(false);
    }
  });

  it('fails verification when one byte of the file on disk is changed', async () => {
    const tar = readFileSync(path);
    const at = tar.indexOf('ceremony.show-fingerprint');
    expect(at).toBeGreaterThan(0);
    const copy = Buffer.from(tar);
    copy[at + 9] = 'S'.charCodeAt(0);
    const edited = join(dir.path, 'edited.tar');
    writeFileSync(edited, copy);
    const r = verifyBundle(await readBundle(edited), fp);
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/was altered/);
    expect(r.firstBadSeq).toBe(state.transcript.find((e) => e.operation === 'ceremony.show-fingerprint')!.seq);
  });

  it('refuses a foreign signing key when the auditor pins the expected one', () => {
    expect(verifyBundle(files, '00'.repeat(32)).problem).toMatch(/not the expected/);
  });

  it('exports an aborted ceremony too, and refuses to export a transcript whose chain is broken', async () => {
    const a = abort(runAll(start(shippedTemplate('key-backup')), 'split'), { actor: 'ada', reason: 'A custodian fell ill.' }, tick());
    const p = join(dir.path, 'aborted.tar');
    await writeTranscriptBundle(p, a, { signingKey: key, exportedAt: tick() });
    const r = verifyBundle(await readBundle(p), fp);
    expect(r.ok).toBe(true);
    const broken: CeremonyState = { ...a, transcript: a.transcript.map((e, i) => (i === 2 ? { ...e, actor: 'mallory' } : e)) };
    expect(verifyTranscript(broken)).toMatchObject({ ok: false, firstBadSeq: 3 });
    await expect(writeTranscriptBundle(join(dir.path, 'x.tar'), broken, { signingKey: key, exportedAt: tick() })).rejects.toThrow(/does not verify/);
  });
});
