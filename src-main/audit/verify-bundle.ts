import { createHash } from 'node:crypto';
import type { AuditOutcome } from '../../src-shared/audit.js';
import { eventHash, genesisHash, type AuditBody } from './chain.js';
import { BUNDLE_FORMAT, type Manifest } from './bundle.js';
import { checkpointStatement, publicKeyFingerprint, verifyBytes } from './signing.js';

export interface BundleReport {
  ok: boolean;
  vaultId: string | null;
  events: number;
  headHash: string | null;
  checkpoints: number;
  publicKeyFingerprint: string | null;
  /** The sequence number (event position) of the first problem, when there is one. */
  firstBadSeq: number | null;
  problem: string | null;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface LineEvent extends AuditBody {
  prevHash: string;
  hash: string;
}

function isEvent(x: unknown): x is LineEvent {
  if (!x || typeof x !== 'object') return false;
  const e = x as Record<string, unknown>;
  const outcomes: AuditOutcome[] = ['success', 'refused', 'failed'];
  return (
    Number.isInteger(e.seq) &&
    typeof e.time === 'string' &&
    (e.actor === null || typeof e.actor === 'string') &&
    typeof e.operation === 'string' &&
    (e.keyId === null || typeof e.keyId === 'string') &&
    (e.keyVersion === null || Number.isInteger(e.keyVersion)) &&
    outcomes.includes(e.outcome as AuditOutcome) &&
    typeof e.details === 'object' && e.details !== null && !Array.isArray(e.details) &&
    typeof e.prevHash === 'string' &&
    typeof e.hash === 'string'
  );
}

/**
 * Verifies a bundle with nothing but its own contents: the manifest's signature, each file's
 * digest, the hash chain from the genesis value, the count and head the manifest signs (which
 * catches truncation), and every checkpoint's signature and position. `expectKey` pins the
 * public key fingerprint the auditor got from the vault out of band.
 */
export function verifyBundle(files: Map<string, Buffer>, expectKey?: string): BundleReport {
  const report: BundleReport = { ok: false, vaultId: null, events: 0, headHash: null, checkpoints: 0, publicKeyFingerprint: null, firstBadSeq: null, problem: null };
  const fail = (problem: string, seq: number | null = null): BundleReport => ({ ...report, ok: false, problem, firstBadSeq: seq });

  const manifestBytes = files.get('manifest.json');
  const sig = files.get('manifest.sig');
  const pem = files.get('audit-public.pem');
  if (!manifestBytes || !sig || !pem) return fail('the bundle lacks manifest.json, manifest.sig or audit-public.pem');
  const pemText = pem.toString('utf8');
  try {
    report.publicKeyFingerprint = publicKeyFingerprint(pemText);
  } catch {
    return fail('audit-public.pem is not a public key');
  }
  if (expectKey && report.publicKeyFingerprint !== expectKey.toLowerCase()) return fail(`the bundle is signed by key ${report.publicKeyFingerprint}, not the expected ${expectKey}`);
  if (!verifyBytes(pemText, manifestBytes, sig)) return fail('the manifest signature does not verify: manifest.json was altered or re-signed');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  } catch {
    return fail('manifest.json is not JSON');
  }
  if (manifest.format !== BUNDLE_FORMAT || manifest.version !== 1) return fail('this is not a Custos audit bundle of a known version');
  report.vaultId = manifest.vaultId;
  if (manifest.publicKeyFingerprint !== report.publicKeyFingerprint) return fail('the manifest names another public key');
  if (!files.get('events.jsonl') || !files.get('checkpoints.jsonl')) return fail('the bundle lacks events.jsonl or checkpoints.jsonl');

  // The chain.
  const genesis = genesisHash(manifest.vaultId);
  if (manifest.genesisHash !== genesis) return fail('the genesis hash does not belong to this vault id');
  const text = files.get('events.jsonl')!.toString('utf8');
  const lines = text.length ? text.replace(/\n$/, '').split('\n') : [];
  let prev = genesis;
  let expectedSeq = 1;
  const hashes = new Map<number, string>();
  for (const line of lines) {
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      return fail(`event ${expectedSeq} is not valid JSON`, expectedSeq);
    }
    if (!isEvent(e)) return fail(`event ${expectedSeq} is malformed`, expectedSeq);
    if (e.seq !== expectedSeq) return fail(`expected event ${expectedSeq} but found ${e.seq} (an event was deleted, inserted or moved)`, expectedSeq);
    if (e.prevHash !== prev) return fail(`event ${e.seq} does not link to the event before it`, e.seq);
    const { prevHash: _p, hash: _h, ...body } = e;
    const h = eventHash(prev, body);
    if (h !== e.hash) return fail(`event ${e.seq} was altered (its content does not match its hash)`, e.seq);
    hashes.set(e.seq, h);
    prev = h;
    expectedSeq++;
    report.events++;
    report.headHash = h;
  }
  if (report.events !== manifest.events || manifest.headHash !== prev) {
    return fail(`the bundle holds ${report.events} events but its signed manifest says ${manifest.events} (events were removed or added at the end)`, report.events + 1);
  }

  // Whole files, after the chain so that an edited event is reported by its position first.
  for (const [name, digest] of Object.entries(manifest.files)) {
    const f = files.get(name);
    if (!f) return fail(`${name} is missing from the bundle`);
    if (sha256(f) !== digest) return fail(`${name} was altered (its digest does not match the signed manifest)`);
  }
  for (const name of files.keys()) if (name !== 'manifest.json' && name !== 'manifest.sig' && !(name in manifest.files)) return fail(`${name} is not listed in the manifest (inserted)`);

  // Checkpoints.
  const cpText = files.get('checkpoints.jsonl')!.toString('utf8');
  for (const line of cpText.split('\n').filter(Boolean)) {
    let c: { seq: number; hash: string; time: string; vaultId: string; signature: string };
    try {
      c = JSON.parse(line);
    } catch {
      return fail('checkpoints.jsonl is not valid JSON lines');
    }
    if (c.vaultId !== manifest.vaultId) return fail(`checkpoint ${c.seq} belongs to another vault`, c.seq);
    if (!verifyBytes(pemText, checkpointStatement(c), Buffer.from(c.signature, 'base64'))) return fail(`checkpoint ${c.seq} has an invalid signature`, c.seq);
    if (hashes.get(c.seq) !== c.hash) return fail(`checkpoint ${c.seq} does not match the event at that position`, c.seq);
    report.checkpoints++;
  }
  return { ...report, ok: true };
}
