import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_OUTCOMES } from '../../src-shared/contract-discovery.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { bundleScript } from '../testing/script-bundle.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { directVault, importContents, type FileOutcome } from './importer.js';
import { workerParser, type FileParser } from './parser.js';
import { buildCorpus, PASSPHRASE } from './test-corpus.js';

/**
 * Fuzzing the importer: valid seeds made by openssl, ssh-keygen and Node (PEM, DER, PKCS#7,
 * PKCS#10, PKCS#8 plain and encrypted, SEC1, PKCS#1, PKCS#12, OpenSSH private and public, JWKS),
 * mutated with a seeded generator — bit flips, interesting bytes, DER length bombs, truncation,
 * insertion, deletion, duplication, and base64-level edits inside PEM — and imported through the
 * production path (the parse worker with its per-file bound, then the vault). Every input must
 * give one typed outcome with a reason when it was not imported; nothing may throw or hang.
 */

const TOTAL = 10_200;
let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
let parser: FileParser;
let seeds: Array<{ name: string; bytes: Buffer; passphrase?: string }>;

/** xorshift32: the same corpus on every run, so a failure can be replayed from its index. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, 0x30, 0x02, 0x04, 0x05, 0x06, 0xa0];

function mutate(input: Buffer, r: () => number): Buffer {
  const b = Buffer.from(input);
  const at = () => Math.floor(r() * Math.max(1, b.length));
  const isPem = b.subarray(0, 64).includes('-----BEGIN');
  const rounds = 1 + Math.floor(r() * 3);
  let out = b;
  for (let n = 0; n < rounds; n++) {
    const kind = Math.floor(r() * (isPem ? 9 : 8));
    const i = Math.min(at(), Math.max(0, out.length - 1));
    switch (kind) {
      case 0: // flip one bit
        if (out.length) out[i] = out[i]! ^ (1 << Math.floor(r() * 8));
        break;
      case 1: // an interesting byte (tags, length forms)
        if (out.length) out[i] = INTERESTING[Math.floor(r() * INTERESTING.length)]!;
        break;
      case 2: // a DER length bomb: long-form length claiming gigabytes
        out = Buffer.concat([out.subarray(0, i), Buffer.from([0x84, 0x7f, 0xff, 0xff, 0xff]), out.subarray(i + 1)]);
        break;
      case 3: // truncate
        out = out.subarray(0, i);
        break;
      case 4: // insert random bytes
        out = Buffer.concat([out.subarray(0, i), Buffer.from(Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256))), out.subarray(i)]);
        break;
      case 5: // delete a range
        out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1 + Math.floor(r() * 32))]);
        break;
      case 6: // duplicate a range (nesting, repeated elements)
        out = Buffer.concat([out.subarray(0, i + 1), out.subarray(Math.max(0, i - 40), i + 1), out.subarray(i + 1)]);
        break;
      case 7: // a random byte
        if (out.length) out[i] = Math.floor(r() * 256);
        break;
      case 8: // PEM: a base64 character swapped, so the framing holds and the DER inside changes
        if (out.length) out[i] = B64.charCodeAt(Math.floor(r() * B64.length));
        break;
    }
  }
  return out;
}

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  // The production path: the bundled parse worker with a per-file bound.
  parser = workerParser(await bundleScript(join(import.meta.dirname, 'parse-worker.ts'), 'import-parse-worker-fuzz'), 3000);
  const corpus = buildCorpus().files;
  const pick = ['www.pem', 'www.der', 'bundle.p7b', 'www.csr', 'www.p12', 'ca-only.p12', 'ec-enc.der', 'ec-enc.pem', 'ec-sec1.pem', 'rsa-pkcs1.pem', 'rsa-pkcs1-pub.pem', 'id_ed25519', 'id_ed25519.pub', 'id_ecdsa_enc', 'keys.jwks'];
  seeds = pick.map((name) => {
    const f = corpus.find((c) => c.name === name)!;
    // Encrypted OpenSSH keys are fuzzed without their passphrase: sshpk's bcrypt-pbkdf is pure
    // JavaScript, and a mutated round count would spend the per-file bound on every such input.
    return { name, bytes: f.bytes, passphrase: name === 'id_ecdsa_enc' ? undefined : f.passphrase === undefined ? undefined : PASSPHRASE };
  });
}, 60_000);
afterAll(async () => {
  await parser?.close();
  v?.close();
  dir?.cleanup();
});

describe('fuzzing the importer', () => {
  it(`gives each of ${TOTAL} mutated inputs one typed outcome, without a crash or a hang`, async () => {
    const r = rng(0xc0ffee);
    const inputs = Array.from({ length: TOTAL }, (_, i) => {
      const seed = seeds[i % seeds.length]!;
      return { name: `${i}-${seed.name}`, bytes: mutate(seed.bytes, r), passphrase: seed.passphrase };
    });
    const outcomes: FileOutcome[] = [];
    for (let i = 0; i < inputs.length; i += 500) outcomes.push(...(await importContents(directVault(v), inputs.slice(i, i + 500), { parser, importPrivate: true })));
    expect(outcomes).toHaveLength(TOTAL);
    const tally: Record<string, number> = {};
    for (const [i, o] of outcomes.entries()) {
      expect(o.path).toBe(inputs[i]!.name);
      expect(IMPORT_OUTCOMES).toContain(o.outcome);
      if (o.outcome !== 'imported' && o.outcome !== 'duplicate') expect(o.reason, o.path).toBeTruthy();
      tally[o.outcome] = (tally[o.outcome] ?? 0) + 1;
    }
    // A worker that died on an input is a crash, whatever the outcome says.
    expect(outcomes.filter((o) => /parser (failed|stopped)/.test(o.reason ?? '')).map((o) => o.path)).toEqual([]);
    // The figures, for whoever reads the log (inputs stopped by the per-file bound are counted, not asserted).
    console.log('fuzz outcomes', tally, 'stopped by the per-file bound:', outcomes.filter((o) => /longer than/.test(o.reason ?? '')).length);
    expect(Object.keys(tally).length).toBeGreaterThan(3);
    expect(v.audit.verify().ok).toBe(true);
  }, 120_000);
});
