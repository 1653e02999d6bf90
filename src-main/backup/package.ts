import { createHash, createHmac, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { combine, split } from 'shamir-secret-sharing';
import { open, seal } from '../crypto/aead.js';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import { derivePassphraseKey, kdfParamsSchema, newKdfParams, type KdfCost } from '../crypto/passphrase-kdf.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { combineMnemonics, decodeMnemonic, normalizeWords, splitSecret } from './slip39/index.js';
import { keyCheckValue, xorCombine, xorSplit } from './xor-components.js';

/**
 * A backup package: a key's material sealed (AES-256-GCM) under a fresh key-encryption key (KEK)
 * that exists only as shares. The header — key metadata and fingerprint, the scheme, who holds
 * shares, a digest per share — is the GCM associated data, so any edit of it fails decryption. The
 * package never holds the KEK. A custodian can check that a share belongs to a package from the
 * share digests alone, without anyone reconstructing the KEK.
 */
export const PACKAGE_FORMAT = 'custos-backup';
export const SCHEMES = ['slip39', 'xor', 'files'] as const;
export type Scheme = (typeof SCHEMES)[number];

const headerSchema = z
  .object({
    format: z.literal(PACKAGE_FORMAT),
    version: z.literal(1),
    packageId: z.string().regex(/^[0-9a-f]{32}$/),
    createdAt: z.string(),
    createdBy: z.string(),
    key: z.object({
      id: z.string(),
      name: z.string(),
      algorithm: z.string(),
      version: z.number().int(),
      usageMask: z.number().int(),
      purpose: z.string().nullable(),
      fingerprint: z.string().nullable(),
      kcv: z.string().nullable(),
      /** DER SPKI (base64) of a key pair: a token needs it to recreate the public object on unwrap. */
      spki: z.string().nullable().optional(),
      /** Recomputed from the recovered material and compared before anything is restored. */
      checkValue: z.string(),
      /** token-wrapped: the key was wrapped on its token (C_WrapKey, CKM_AES_KEY_WRAP_PAD) under the KEK. */
      materialKind: z.enum(['private-pkcs8', 'secret', 'token-wrapped']),
    }),
    scheme: z.object({
      type: z.enum(SCHEMES),
      threshold: z.number().int().min(1),
      count: z.number().int().min(1),
      custodians: z.array(z.string()),
      /** XOR: the combined KEK's check value (AES-CMAC, 3 bytes). */
      kekKcv: z.string().nullable(),
    }),
    /** SHA-256 over package id, index and the share's canonical bytes; lets a custodian check a share offline. */
    shareDigests: z.array(z.object({ index: z.number().int(), digest: z.string().regex(/^[0-9a-f]{64}$/) })),
  })
  .strict();
export type PackageHeader = z.infer<typeof headerSchema>;

const cipherSchema = z.discriminatedUnion('alg', [
  z.object({ alg: z.literal('A256GCM'), nonce: z.string(), box: z.string() }).strict(),
  /** The token's wrap output, and an HMAC of the header under a key derived from the KEK (KWP has no associated data). */
  z.object({ alg: z.literal('AES-KWP-ON-TOKEN'), wrapped: z.string(), headerMac: z.string() }).strict(),
]);
const packageSchema = z.object({ header: headerSchema, cipher: cipherSchema }).strict();
export type BackupPackage = z.infer<typeof packageSchema>;

/** A share file (scheme "files"): one Shamir share of the KEK sealed under its custodian's passphrase. */
const shareFileSchema = z
  .object({
    format: z.literal('custos-backup-share'),
    packageId: z.string(),
    index: z.number().int().min(1),
    custodian: z.string(),
    kdf: kdfParamsSchema,
    nonce: z.string(),
    box: z.string(),
  })
  .strict();
export type ShareFile = z.infer<typeof shareFileSchema>;

const aad = (h: PackageHeader) => canonicalJson(h as unknown as Canonical);

function digest(packageId: string, index: number, share: Uint8Array | string): string {
  return createHash('sha256').update(`custos/v1/backup-share|${packageId}|${index}|`).update(typeof share === 'string' ? normalizeWords(share).join(' ') : share).digest('hex');
}

function headerMac(kek: Uint8Array, h: PackageHeader): string {
  return createHmac('sha256', kek).update('custos/v1/backup-header|').update(aad(h)).digest('hex');
}

export interface CreateInput {
  key: PackageHeader['key'];
  /** The clear material (vault keys), or … */
  material?: Buffer;
  /** … for token keys: wraps the key on its token under the KEK and returns the wrapped bytes. */
  wrapOnToken?: (kek: Buffer) => Promise<Uint8Array>;
  createdBy: string;
  now: Date;
  scheme: Scheme;
  threshold: number;
  count: number;
  /** Names of the custodians, one per share (required for xor and files). */
  custodians: string[];
  /** files: each custodian's share passphrase, in the order of `custodians`. */
  sharePassphrases?: string[];
  /** slip39: optional passphrase (all custodians need it to recover). */
  passphrase?: string;
  kdfCost?: KdfCost;
}

export interface CreatedBackup {
  pkg: BackupPackage;
  /** slip39: a mnemonic per share; xor: each component in hex with its KCV. Shown to each custodian alone, never written. */
  mnemonics?: string[];
  components?: Array<{ index: number; hex: string; kcv: string }>;
  shareFiles?: ShareFile[];
}

export async function createBackup(input: CreateInput): Promise<CreatedBackup> {
  const packageId = randomBytes(16).toString('hex');
  const kek = randomBytes(32);
  try {
    let shareDigests: PackageHeader['shareDigests'] = [];
    const out: Omit<CreatedBackup, 'pkg'> = {};
    let kekKcv: string | null = null;
    if (input.custodians.length && input.custodians.length !== input.count) throw new CustosError('E_INPUT', `Name one custodian per share (${input.count}).`);
    if (input.scheme === 'slip39') {
      const groups = splitSecret(kek, { groupThreshold: 1, groups: [{ threshold: input.threshold, count: input.count }], passphrase: input.passphrase });
      out.mnemonics = groups[0]!;
      shareDigests = out.mnemonics.map((m, i) => ({ index: i + 1, digest: digest(packageId, i + 1, m) }));
    } else if (input.scheme === 'xor') {
      if (input.threshold !== input.count) throw new CustosError('E_INPUT', 'XOR components are n-of-n: the threshold must equal the number of components.');
      const { components, combinedKcv } = xorSplit(kek, input.count, 'aes-cmac');
      out.components = components.map((c) => ({ index: c.index, hex: c.value.toString('hex'), kcv: c.kcv }));
      shareDigests = components.map((c) => ({ index: c.index, digest: digest(packageId, c.index, c.value) }));
      kekKcv = combinedKcv;
      for (const c of components) wipe(c.value);
    } else {
      if (!input.sharePassphrases || input.sharePassphrases.length !== input.count) throw new CustosError('E_INPUT', 'Each custodian needs a share passphrase.');
      if (input.threshold < 2 || input.threshold > input.count) throw new CustosError('E_INPUT', `The threshold must be between 2 and ${input.count}.`);
      const parts = await split(new Uint8Array(kek), input.count, input.threshold);
      out.shareFiles = [];
      for (let i = 0; i < parts.length; i++) {
        const kdf = newKdfParams(input.kdfCost);
        const wk = await derivePassphraseKey(input.sharePassphrases[i]!, kdf);
        const s = seal(wk, parts[i]!, `custos/v1/backup-share-file|${packageId}|${i + 1}`);
        wipe(wk);
        out.shareFiles.push({ format: 'custos-backup-share', packageId, index: i + 1, custodian: input.custodians[i]!, kdf, nonce: s.nonce.toString('base64'), box: s.box.toString('base64') });
        shareDigests.push({ index: i + 1, digest: digest(packageId, i + 1, parts[i]!) });
      }
      wipe(...parts);
    }
    const header: PackageHeader = headerSchema.parse({
      format: PACKAGE_FORMAT,
      version: 1,
      packageId,
      createdAt: input.now.toISOString(),
      createdBy: input.createdBy,
      key: input.key,
      scheme: { type: input.scheme, threshold: input.threshold, count: input.count, custodians: input.custodians, kekKcv },
      shareDigests,
    });
    if (input.wrapOnToken) {
      const wrapped = await input.wrapOnToken(kek);
      return { pkg: { header, cipher: { alg: 'AES-KWP-ON-TOKEN', wrapped: Buffer.from(wrapped).toString('base64'), headerMac: headerMac(kek, header) } }, ...out };
    }
    if (!input.material) throw new CustosError('E_INTERNAL', 'A backup needs the material or a way to wrap it on its token.');
    const sealed = seal(kek, input.material, aad(header));
    return { pkg: { header, cipher: { alg: 'A256GCM', nonce: sealed.nonce.toString('base64'), box: sealed.box.toString('base64') } }, ...out };
  } finally {
    wipe(kek);
  }
}

export function parsePackage(text: string): BackupPackage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CustosError('E_INPUT', 'This is not a Custos backup package (not JSON).');
  }
  const r = packageSchema.safeParse(raw);
  if (!r.success) throw new CustosError('E_INPUT', 'This is not a Custos backup package of a known version, or it was damaged.');
  return r.data;
}

export function parseShareFile(text: string): ShareFile {
  try {
    return shareFileSchema.parse(JSON.parse(text));
  } catch {
    throw new CustosError('E_INPUT', 'This is not a Custos backup share file, or it was damaged.');
  }
}

/** What a custodian holds, in the form its scheme uses. */
export type HeldShare = { kind: 'mnemonic'; mnemonic: string } | { kind: 'component'; hex: string } | { kind: 'file'; file: ShareFile; passphrase: string };

async function openShareFile(pkg: BackupPackage, s: { file: ShareFile; passphrase: string }): Promise<{ index: number; value: Buffer }> {
  if (s.file.packageId !== pkg.header.packageId) throw new CustosError('E_INPUT', `The share file of ${s.file.custodian} belongs to another backup (${s.file.packageId.slice(0, 8)}…).`);
  const wk = await derivePassphraseKey(s.passphrase, s.file.kdf);
  const v = open(wk, { nonce: Buffer.from(s.file.nonce, 'base64'), box: Buffer.from(s.file.box, 'base64') }, `custos/v1/backup-share-file|${s.file.packageId}|${s.file.index}`);
  wipe(wk);
  if (!v) throw new CustosError('E_AUTH_FAILED', `Wrong share passphrase for ${s.file.custodian}, or the share file was altered.`);
  return { index: s.file.index, value: v };
}

/**
 * Checks that one share is intact and belongs to this package, from the stored digests, without
 * reconstructing the KEK. Returns the share's index.
 */
export async function verifyShare(pkg: BackupPackage, share: HeldShare): Promise<{ index: number }> {
  const h = pkg.header;
  const fail = (why: string): never => {
    throw new CustosError('E_INPUT', `This share does not belong to backup ${h.packageId.slice(0, 8)}… (${why}).`);
  };
  if (share.kind === 'mnemonic') {
    if (h.scheme.type !== 'slip39') fail(`the backup uses ${h.scheme.type}, not SLIP-0039 mnemonics`);
    const decoded = decodeMnemonic(share.mnemonic); // checksum and structure
    const index = decoded.memberIndex + 1;
    if (h.shareDigests.find((d) => d.index === index)?.digest !== digest(h.packageId, index, share.mnemonic)) fail('its digest is not in the package');
    return { index };
  }
  if (share.kind === 'component') {
    if (h.scheme.type !== 'xor') fail(`the backup uses ${h.scheme.type}, not XOR components`);
    const value = Buffer.from(share.hex.replace(/\s+/g, ''), 'hex');
    const hit = h.shareDigests.find((d) => d.digest === digest(h.packageId, d.index, value));
    wipe(value);
    if (!hit) fail('no component of this backup has that value');
    return { index: hit!.index };
  }
  if (h.scheme.type !== 'files') fail(`the backup uses ${h.scheme.type}, not share files`);
  const { index, value } = await openShareFile(pkg, share);
  const ok = h.shareDigests.find((d) => d.index === index)?.digest === digest(h.packageId, index, value);
  wipe(value);
  if (!ok) fail('its digest is not in the package');
  return { index };
}

/**
 * Reconstructs the KEK from enough shares and opens the package. Too few, duplicate, foreign or
 * mistyped shares, and a tampered package, fail with a clear error; nothing is returned then.
 * The caller compares the material's fingerprint with the header's before using it.
 */
export async function openBackup(pkg: BackupPackage, shares: HeldShare[], options: { passphrase?: string } = {}): Promise<Buffer> {
  if (pkg.cipher.alg !== 'A256GCM') throw new CustosError('E_INPUT', 'This backup was wrapped on a token; recover it into a token.');
  const kek = await recoverKek(pkg, shares, options);
  try {
    const material = open(kek, { nonce: Buffer.from(pkg.cipher.nonce, 'base64'), box: Buffer.from(pkg.cipher.box, 'base64') }, aad(pkg.header));
    if (!material) throw new CustosError('E_INPUT', 'The package does not open with these shares: a share is wrong or the package was altered.');
    return material;
  } finally {
    wipe(kek);
  }
}

/**
 * For a token-wrapped backup: the KEK (to import into the target token) and the wrapped key,
 * after checking the header's MAC with the KEK. The caller wipes the KEK.
 */
export async function openWrappedBackup(pkg: BackupPackage, shares: HeldShare[], options: { passphrase?: string } = {}): Promise<{ kek: Buffer; wrapped: Buffer }> {
  if (pkg.cipher.alg !== 'AES-KWP-ON-TOKEN') throw new CustosError('E_INPUT', 'This backup holds a vault key; recover it into the vault.');
  const kek = await recoverKek(pkg, shares, options);
  if (headerMac(kek, pkg.header) !== pkg.cipher.headerMac) {
    wipe(kek);
    throw new CustosError('E_INPUT', 'The package does not open with these shares: a share is wrong or the package was altered.');
  }
  return { kek, wrapped: Buffer.from(pkg.cipher.wrapped, 'base64') };
}

/** Reconstructs the KEK from enough shares (see openBackup for what is refused). */
async function recoverKek(pkg: BackupPackage, shares: HeldShare[], options: { passphrase?: string }): Promise<Buffer> {
  const h = pkg.header;
  let kek: Buffer;
  if (h.scheme.type === 'slip39') {
    const ms = shares.map((s) => (s.kind === 'mnemonic' ? s.mnemonic : ''));
    if (ms.some((m) => !m)) throw new CustosError('E_INPUT', 'This backup is recovered from SLIP-0039 mnemonics.');
    for (const m of ms) await verifyShare(pkg, { kind: 'mnemonic', mnemonic: m });
    kek = Buffer.from(combineMnemonics(ms, options.passphrase));
  } else if (h.scheme.type === 'xor') {
    const values = shares.map((s) => (s.kind === 'component' ? Buffer.from(s.hex.replace(/\s+/g, ''), 'hex') : null));
    if (values.some((v) => !v)) throw new CustosError('E_INPUT', 'This backup is recovered from XOR components.');
    if (values.length !== h.scheme.count) throw new CustosError('E_INPUT', `All ${h.scheme.count} components are needed; ${values.length} were given.`);
    kek = xorCombine(values as Buffer[], 'aes-cmac', h.scheme.kekKcv ?? undefined);
    wipe(...(values as Buffer[]));
  } else {
    const files = shares.map((s) => (s.kind === 'file' ? s : null));
    if (files.some((f) => !f)) throw new CustosError('E_INPUT', 'This backup is recovered from share files.');
    const opened: Array<{ index: number; value: Buffer }> = [];
    try {
      for (const f of files as Array<Extract<HeldShare, { kind: 'file' }>>) {
        const o = await openShareFile(pkg, f);
        if (opened.some((x) => x.index === o.index)) throw new CustosError('E_INPUT', `Share ${o.index} was given twice.`);
        if (h.shareDigests.find((d) => d.index === o.index)?.digest !== digest(h.packageId, o.index, o.value)) throw new CustosError('E_INPUT', `Share ${o.index} does not belong to this backup.`);
        opened.push(o);
      }
      if (opened.length < h.scheme.threshold) throw new CustosError('E_INPUT', `This backup needs ${h.scheme.threshold} shares; ${opened.length} were given.`);
      const combined = await combine(opened.map((o) => new Uint8Array(o.value)));
      kek = Buffer.from(combined);
      wipe(combined);
    } finally {
      wipe(...opened.map((o) => o.value));
    }
  }
  return kek;
}

export { keyCheckValue };

/**
 * The check a recovery must pass: for key pairs the SHA-256 of the SPKI derived from the private
 * key (the Custos fingerprint); for secret keys the first 3 bytes of HMAC-SHA256 over a zero block.
 */
export function materialCheckValue(kind: 'private-pkcs8' | 'secret' | 'token-wrapped', material: Buffer): string {
  if (kind === 'private-pkcs8') {
    const spki = createPublicKey(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(spki).digest('hex');
  }
  return createHmac('sha256', material).update(Buffer.alloc(16)).digest().subarray(0, 3).toString('hex');
}
