import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import { CustosError } from '../errors.js';
import type { ChainedEvent } from './chain.js';
import { genesisHash } from './chain.js';
import type { Checkpoint } from './log.js';
import { checkpointStatement, publicKeyFingerprint, signBytes } from './signing.js';
import type { KeyObject } from 'node:crypto';

/**
 * The audit export bundle: a plain tar file an auditor can unpack anywhere.
 *
 *   manifest.json       what the bundle holds: vault id, event count, head hash, file digests
 *   manifest.sig        Ed25519 signature over manifest.json (raw 64 bytes)
 *   audit-public.pem    the audit public key
 *   events.jsonl        one event per line, canonical JSON, with prevHash and hash
 *   checkpoints.jsonl   the signed checkpoints
 *   checkpoints/N.txt   each checkpoint's signed statement, and N.sig its raw signature
 *   README.txt          how to check it with `custos audit verify` or with openssl alone
 */
export const BUNDLE_FORMAT = 'custos-audit-bundle';

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  version: 1;
  vaultId: string;
  exportedAt: string;
  genesisHash: string;
  events: number;
  headSeq: number;
  headHash: string;
  publicKeyFingerprint: string;
  files: Record<string, string>;
}

export function eventLine(e: ChainedEvent): string {
  const { mac: _mac, ...rest } = e;
  return canonicalJson(rest as unknown as Canonical);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function readme(fp: string): string {
  return `Custos audit export bundle

Verify everything (chain, checkpoints, manifest) on any machine with Custos:
  custos audit verify THIS-FILE.tar --expect-key ${fp}

Check a signature with openssl alone (OpenSSL 3):
  openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin -in manifest.json -sigfile manifest.sig
  openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin -in checkpoints/<seq>.txt -sigfile checkpoints/<seq>.sig

Compare the key's fingerprint with the one the vault shows (sha256 of the DER public key):
  openssl pkey -pubin -in audit-public.pem -outform DER | sha256sum
  expected: ${fp}
`;
}

export async function writeBundle(
  path: string,
  input: { vaultId: string; exportedAt: string; events: Iterable<ChainedEvent>; checkpoints: Checkpoint[]; publicKeyPem: string; signingKey: KeyObject },
): Promise<Manifest> {
  const lines: string[] = [];
  let headSeq = 0;
  let headHash = genesisHash(input.vaultId);
  for (const e of input.events) {
    lines.push(eventLine(e));
    headSeq = e.seq;
    headHash = e.hash;
  }
  const files: Array<[string, Buffer]> = [];
  files.push(['audit-public.pem', Buffer.from(input.publicKeyPem)]);
  files.push(['events.jsonl', Buffer.from(lines.length ? lines.join('\n') + '\n' : '')]);
  files.push(['checkpoints.jsonl', Buffer.from(input.checkpoints.map((c) => canonicalJson(c as unknown as Canonical)).join('\n') + (input.checkpoints.length ? '\n' : ''))]);
  for (const c of input.checkpoints) {
    const n = String(c.seq).padStart(10, '0');
    files.push([`checkpoints/${n}.txt`, checkpointStatement(c)]);
    files.push([`checkpoints/${n}.sig`, Buffer.from(c.signature, 'base64')]);
  }
  const fp = publicKeyFingerprint(input.publicKeyPem);
  files.push(['README.txt', Buffer.from(readme(fp))]);
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    version: 1,
    vaultId: input.vaultId,
    exportedAt: input.exportedAt,
    genesisHash: genesisHash(input.vaultId),
    events: lines.length,
    headSeq,
    headHash,
    publicKeyFingerprint: fp,
    files: Object.fromEntries(files.map(([n, b]) => [n, sha256(b)])),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  const pack = tar.pack();
  const out = pipeline(pack, createWriteStream(path, { mode: 0o644 }));
  const mtime = new Date(input.exportedAt);
  const add = (name: string, b: Buffer) => new Promise<void>((resolve, reject) => pack.entry({ name, mtime, mode: 0o644 }, b, (err) => (err ? reject(err) : resolve())));
  await add('manifest.json', manifestBytes);
  await add('manifest.sig', signBytes(input.signingKey, manifestBytes));
  for (const [n, b] of files) await add(n, b);
  pack.finalize();
  await out;
  return manifest;
}

/** Reads every file of a bundle into memory; refuses anything that is not a small, flat tar. */
export async function readBundle(path: string, maxBytes = 2 * 1024 ** 3): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  let total = 0;
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (data: unknown) => {
      const c = data as Buffer;
      total += c.length;
      if (total > maxBytes) stream.destroy(new CustosError('E_INPUT', 'The bundle is larger than Custos will read.'));
      else chunks.push(c);
    });
    stream.on('end', () => {
      if (header.type === 'file') {
        if (files.has(header.name)) extract.destroy(new CustosError('E_INPUT', `The bundle holds ${header.name} twice.`));
        files.set(header.name, Buffer.concat(chunks));
      }
      next();
    });
    stream.on('error', (e) => extract.destroy(e));
  });
  try {
    await pipeline(createReadStream(path), extract);
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError('E_INPUT', `${path} is not a readable audit bundle (a tar file from custos audit export).`, { cause: e });
  }
  return files;
}
