import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { defaultUsageMask } from '../../src-shared/keys.js';
import { gateGeneration } from '../app/policy-service.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { inventoryOnlyError, isUsableKey } from '../keys/inventory-only.js';
import { KeyRepository } from '../keys/repository.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault } from '../vault/vault.js';
import { recordCertificate, recordPublicKey, sanitizeName } from './inventory-writer.js';
import type { ParsedItem, ParseResult, ProblemKind } from './parse-file.js';
import { defaultParser, type FileParser } from './parser.js';
import { spkiFacts } from './public-key-facts.js';
import { collectFiles, FileReadError, readBounded } from './walk.js';

export type FileOutcomeKind = 'imported' | 'duplicate' | ProblemKind;

export interface ImportedItem {
  type: 'certificate' | 'public-key' | 'private-key';
  /** new: added to the inventory; existing: already there; unsupported: not held (why in note); refused: private part not imported (why in note). */
  result: 'new' | 'existing' | 'unsupported' | 'refused';
  keyId: string | null;
  certificateId: string | null;
  /** SPKI fingerprint of the key (certificates: of their key). */
  fingerprint: string | null;
  /** Certificates: subject; keys: the name in the inventory. */
  label: string | null;
  note: string | null;
}

export interface FileOutcome {
  path: string;
  outcome: FileOutcomeKind;
  reason: string | null;
  format: string | null;
  items: ImportedItem[];
}

export interface ImportOptions {
  /** Import private keys into the vault (sealed), where the policy allows; otherwise only their public part. */
  importPrivate?: boolean;
  /** Passphrases for particular files, by the path shown in the outcome (or the uploaded name). */
  passphrases?: Readonly<Record<string, string>>;
  /** Passphrase tried on every encrypted file without its own. */
  passphrase?: string;
  /** Largest file read, in bytes (default 1 MiB). */
  maxFileBytes?: number;
  parser?: FileParser;
  onProgress?: (done: number, total: number) => void;
  /** importContents: zero each file's bytes once read (they may hold a private key in the clear). */
  wipeInput?: boolean;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** Runs `fn` on the open vault (through the core's queue, or directly in the CLI and tests). */
export type WithVault = <T>(fn: (v: UnlockedVault) => T) => Promise<T>;

export function directVault(v: UnlockedVault): WithVault {
  return async (fn) => fn(v);
}

/**
 * Imports a private key into the vault: sealed like a generated key (PKCS#8 under the material
 * key, AAD bound to key and version), after the active policy judged it as a vault key. A key
 * known only by its public part (store external) gets its material and moves to the vault.
 */
function importPrivate(v: UnlockedVault, item: Extract<ParsedItem, { type: 'private-key' }>, name: string, source: string): ImportedItem {
  const facts = spkiFacts(item.spki);
  // Inventory-only algorithms (RSA-1024, DSA, X25519, …) are recorded by their public part only:
  // Custos never holds material it would not generate (the caller records the public key instead).
  if (!isUsableKey(facts)) throw inventoryOnlyError(facts, 'hold its private key in the vault');
  const fingerprint = spkiFingerprint(facts.spki);
  const repo = new KeyRepository(v.db);
  const existing = repo.findByFingerprint(fingerprint);
  const row = existing ? (v.db.prepare('SELECT name, store, usage_mask, current_version FROM keys WHERE id = ?').get(existing) as { name: string; store: string; usage_mask: number; current_version: number }) : null;
  if (row && row.store !== 'external') return { type: 'private-key', result: 'existing', keyId: existing, certificateId: null, fingerprint, label: row.name, note: `already held (${row.store})` };
  const usageMask = row && row.usage_mask !== 0 ? row.usage_mask : defaultUsageMask(facts.family);
  const warnings = gateGeneration(v.db, { algorithm: facts.algorithm, family: facts.family, size: facts.size, curve: facts.curve, store: 'vault', extractable: false, usageMask, purpose: null }, v.now());
  const id = existing ?? randomBytes(16).toString('hex');
  const version = row?.current_version ?? 1;
  const sealed = v.sealMaterial(id, version, 'private-pkcs8', item.pkcs8);
  const keyName = row?.name ?? sanitizeName(name, `${facts.algorithm} ${fingerprint.slice(0, 12)}`);
  v.change(
    {
      actor: v.user.name, operation: 'key.import', keyId: id, keyVersion: version, outcome: 'success',
      details: { origin: 'imported', store: 'vault', material: 'private', algorithm: facts.algorithm, fingerprint, usageMask, source: source.slice(0, 512), upgradedFromExternal: row !== null, policyWarnings: warnings.join(' | ') || null },
    },
    () => {
      if (row) {
        v.db.prepare("UPDATE keys SET store = 'vault', usage_mask = ? WHERE id = ?").run(usageMask, id);
      } else {
        repo.insert({
          id, name: keyName, algorithm: facts.algorithm, family: facts.family, size: facts.size, curve: facts.curve, store: 'vault', state: 'active',
          createdAt: v.now().toISOString(), createdBy: v.user.name, fingerprint, kcv: null, spki: facts.spki, usageMask, origin: 'imported', extractable: false, token: null,
        });
      }
      repo.insertMaterial(id, version, 'private-pkcs8', sealed);
    },
  );
  return { type: 'private-key', result: 'new', keyId: id, certificateId: null, fingerprint, label: keyName, note: row ? 'private key added to the public entry' : null };
}

function recordItems(v: UnlockedVault, items: ParsedItem[], path: string, options: ImportOptions): ImportedItem[] {
  const out: ImportedItem[] = [];
  const fileName = basename(path);
  for (const item of items) {
    try {
      if (item.type === 'certificate') {
        const r = recordCertificate(v, item.facts, { kind: 'file', location: path, chainPosition: item.chainPosition }, { createKey: { origin: 'imported' } });
        out.push({ type: 'certificate', result: r.created || r.keyCreated ? 'new' : 'existing', keyId: r.keyId, certificateId: r.certificateId, fingerprint: r.spkiFingerprint, label: r.subject, note: r.keyUnsupported });
      } else if (item.type === 'private-key' && options.importPrivate) {
        try {
          out.push(importPrivate(v, item, item.label ?? fileName, path));
        } catch (e) {
          // Refused by the policy (E_PERMISSION) or of an inventory-only algorithm (E_UNSUPPORTED):
          // the public part is recorded all the same (or, for a key the inventory cannot hold, the outer catch says so).
          if (!(e instanceof CustosError) || (e.code !== 'E_PERMISSION' && e.code !== 'E_UNSUPPORTED')) throw e;
          const k = recordPublicKey(v, { spki: item.spki, name: item.label ?? fileName, origin: 'imported', source: path });
          out.push({ type: 'public-key', result: k.created ? 'new' : 'existing', keyId: k.keyId, certificateId: null, fingerprint: k.fingerprint, label: k.name, note: null });
          out.push({ type: 'private-key', result: 'refused', keyId: k.keyId, certificateId: null, fingerprint: k.fingerprint, label: k.name, note: `Private key not imported: ${e.message}` });
        }
      } else {
        const k = recordPublicKey(v, { spki: item.spki, name: item.label ?? fileName, origin: 'imported', source: path });
        // What entered the inventory is a public key, whatever the file held; the note says the private part stayed out.
        out.push({ type: 'public-key', result: k.created ? 'new' : 'existing', keyId: k.keyId, certificateId: null, fingerprint: k.fingerprint, label: k.name, note: item.type === 'private-key' ? 'The file holds a private key; only its public part was recorded (private import not asked for).' : null });
      }
    } catch (e) {
      if (!(e instanceof CustosError) || (e.code !== 'E_UNSUPPORTED' && e.code !== 'E_INPUT')) throw e;
      out.push({ type: item.type, result: 'unsupported', keyId: null, certificateId: null, fingerprint: null, label: null, note: e.message });
    }
  }
  return out;
}

/** The file's outcome from its parse problem and what recording its items gave. */
export function fileOutcome(path: string, parsed: Pick<ParseResult, 'format' | 'problem' | 'notes'>, items: ImportedItem[]): FileOutcome {
  const base = { path, format: parsed.format === 'unknown' ? null : parsed.format, items };
  if (parsed.problem) return { ...base, outcome: parsed.problem.kind, reason: parsed.problem.reason };
  if (items.some((i) => i.result === 'new')) {
    const notes = [...new Set([...(parsed.notes ?? []), ...items.filter((i) => i.note).map((i) => i.note!)])];
    return { ...base, outcome: 'imported', reason: notes.length ? notes.join(' ') : null };
  }
  if (items.length > 0 && items.every((i) => i.result === 'existing')) return { ...base, outcome: 'duplicate', reason: ['Everything in it is already in the inventory.', ...(parsed.notes ?? [])].join(' ') };
  const why = items.find((i) => i.note)?.note;
  if (items.some((i) => i.result === 'existing') && !items.some((i) => i.result === 'unsupported')) return { ...base, outcome: 'duplicate', reason: why ?? null };
  return { ...base, outcome: 'unsupported', reason: why ?? 'Nothing in it could be imported.' };
}

/**
 * Files' contents are recorded in groups: one SQLite transaction (one fsync) for up to
 * RECORD_BATCH files, each change still with its own audit event inside it. A folder of thousands
 * of certificates would otherwise wait on one disk flush per file.
 */
export const RECORD_BATCH = 64;

class Recorder {
  private pending: Array<{ index: number; path: string; parsed: ParseResult }> = [];
  private inflight: Promise<void> = Promise.resolve();
  private done = 0;
  constructor(
    private readonly withVault: WithVault,
    private readonly options: ImportOptions,
    private readonly out: FileOutcome[],
    private readonly total: number,
  ) {}

  settle(index: number, outcome: FileOutcome): void {
    this.out[index] = outcome;
    this.options.onProgress?.(++this.done, this.total);
  }

  async add(index: number, path: string, parsed: ParseResult): Promise<void> {
    if (parsed.items.length === 0) return this.settle(index, fileOutcome(path, parsed, []));
    this.pending.push({ index, path, parsed });
    if (this.pending.length >= RECORD_BATCH) await this.startGroup();
  }

  /** Records all that is pending and waits for it. */
  async finish(): Promise<void> {
    await this.startGroup();
    await this.inflight;
  }

  /**
   * Starts recording the pending files once the previous group is recorded, and returns: the next
   * files are read and parsed (in the parse worker) while this group is written. One group at most
   * is in flight, so memory stays bounded.
   */
  private async startGroup(): Promise<void> {
    const batch = this.pending.splice(0);
    await this.inflight;
    if (batch.length === 0) return;
    this.inflight = this.record(batch);
    // Observed by the next startGroup or finish; this only keeps Node from reporting it early.
    this.inflight.catch(() => undefined);
  }

  private async record(batch: Recorder['pending']): Promise<void> {
    try {
      const recorded = await this.withVault((v) => v.db.transaction(() => batch.map((b) => recordItems(v, b.parsed.items, b.path, this.options)))());
      batch.forEach((b, k) => this.settle(b.index, fileOutcome(b.path, b.parsed, recorded[k]!)));
    } finally {
      for (const b of batch) for (const item of b.parsed.items) if (item.type === 'private-key') wipe(item.pkcs8);
    }
  }

  /** Drops what was parsed but not recorded (an earlier failure): private material is wiped. */
  discard(): void {
    for (const b of this.pending.splice(0)) for (const item of b.parsed.items) if (item.type === 'private-key') wipe(item.pkcs8);
  }
}

/** One audit record per import call: what was asked and what came of it (each change has its own event too). */
async function recordRun(withVault: WithVault, source: string, out: FileOutcome[], importPrivate: boolean): Promise<void> {
  const counts: Record<string, number> = {};
  for (const o of out) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  await withVault((v) =>
    v.record({ actor: v.user.name, operation: 'import.files', outcome: 'success', details: { source: source.slice(0, 1000), files: out.length, importPrivate, ...counts } }),
  );
}

function checkPermission(withVault: WithVault): Promise<void> {
  return withVault((v) => requirePermission(v.user.role, 'keys.generate'));
}

/** Imports files and folders on this machine. One outcome per file found (and per entry skipped); one bad file never stops the rest. */
export async function importPaths(withVault: WithVault, paths: readonly string[], options: ImportOptions = {}): Promise<FileOutcome[]> {
  await checkPermission(withVault);
  const entries = await collectFiles(paths);
  const parser = options.parser ?? defaultParser();
  const out: FileOutcome[] = new Array<FileOutcome>(entries.length);
  const recorder = new Recorder(withVault, options, out, entries.length);
  try {
    for (const [i, e] of entries.entries()) {
      if (e.kind === 'skipped') {
        recorder.settle(i, { path: e.path, outcome: 'unsupported', reason: `Not read: ${e.reason}.`, format: null, items: [] });
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await readBounded(e.real, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
      } catch (err) {
        if (!(err instanceof FileReadError)) throw err;
        recorder.settle(i, { path: e.path, outcome: 'unsupported', reason: `Not read: ${err.message}.`, format: null, items: [] });
        continue;
      }
      try {
        await recorder.add(i, e.path, await parser.parse(bytes, options.passphrases?.[e.path] ?? options.passphrase));
      } finally {
        wipe(bytes); // the file may hold a private key in the clear
      }
    }
    await recorder.finish();
  } finally {
    recorder.discard();
    if (!options.parser) await parser.close();
  }
  await recordRun(withVault, paths.join(', '), out, options.importPrivate === true);
  return out;
}

/** Imports files whose contents were sent (the browser host's upload), named as uploaded. */
export async function importContents(withVault: WithVault, files: ReadonlyArray<{ name: string; bytes: Uint8Array; passphrase?: string }>, options: ImportOptions = {}): Promise<FileOutcome[]> {
  await checkPermission(withVault);
  const parser = options.parser ?? defaultParser();
  const out: FileOutcome[] = new Array<FileOutcome>(files.length);
  const recorder = new Recorder(withVault, options, out, files.length);
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  try {
    for (const [i, f] of files.entries()) {
      if (f.bytes.length > max) {
        recorder.settle(i, { path: f.name, outcome: 'unsupported', reason: `Not read: larger than the ${Math.round(max / 1024)} KiB limit for one file.`, format: null, items: [] });
        continue;
      }
      try {
        await recorder.add(i, f.name, await parser.parse(f.bytes, f.passphrase ?? options.passphrases?.[f.name] ?? options.passphrase));
      } finally {
        if (options.wipeInput) wipe(f.bytes);
      }
    }
    await recorder.finish();
  } finally {
    recorder.discard();
    if (!options.parser) await parser.close();
  }
  await recordRun(withVault, `upload: ${files.map((f) => f.name).join(', ')}`, out, options.importPrivate === true);
  return out;
}
