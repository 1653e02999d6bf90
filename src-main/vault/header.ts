import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { canonicalJson, type Canonical } from '../crypto/canonical.js';
import { kdfParamsSchema } from '../crypto/passphrase-kdf.js';
import { CustosError } from '../errors.js';
import { VAULT_CIPHERS } from './database.js';

/**
 * The vault header (`header.json`): everything needed to find and unwrap the vault master key,
 * and nothing secret. Each unlock method holds the VMK wrapped with AES-256-GCM under a key only
 * its holder can produce; the AAD binds the wrap to the vault id and the method, so a wrapped VMK
 * cannot be moved between vaults or methods. The whole header is MACed with a key derived from
 * the VMK, so any edit is caught as soon as one method opens it.
 */
export const HEADER_FILE = 'header.json';
export const DATABASE_FILE = 'vault.db';
export const HEADER_FORMAT = 'custos-vault';
export const HEADER_VERSION = 1;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

export const passphraseMethodSchema = z.object({
  id: hex(32),
  type: z.literal('passphrase'),
  /**
   * Finds the method for a user name without storing the name: SHA-256 over the vault id and the
   * lower-cased name. It reveals only whether a guessed name has a method.
   */
  userTag: hex(64),
  kdf: kdfParamsSchema,
  wrap: z.object({ alg: z.literal('A256GCM'), nonce: b64, box: b64 }),
});
export type PassphraseMethod = z.infer<typeof passphraseMethodSchema>;

/**
 * M-of-N custodian quorum: the VMK split with Shamir's scheme (GF(256)); each share is wrapped
 * under one custodian's share passphrase. AAD binds each share to its index as well.
 */
export const quorumMethodSchema = z.object({
  id: hex(32),
  type: z.literal('quorum'),
  threshold: z.number().int().min(2).max(16),
  shares: z
    .array(
      z.object({
        index: z.number().int().min(1).max(255),
        userTag: hex(64),
        kdf: kdfParamsSchema,
        wrap: z.object({ alg: z.literal('A256GCM'), nonce: b64, box: b64 }),
      }),
    )
    .min(2)
    .max(16),
});
export type QuorumMethod = z.infer<typeof quorumMethodSchema>;

/**
 * A PKCS#11 token: the VMK encrypted with AES-256-GCM *on the token* by a non-extractable key
 * there (serial + CKA_ID). Unlocking needs the token present and its user PIN; the holder (found by
 * user tag) is then logged in.
 */
export const tokenMethodSchema = z.object({
  id: hex(32),
  type: z.literal('token'),
  userTag: hex(64),
  serial: z.string().min(1).max(64),
  tokenLabel: z.string().max(64),
  ckaId: z.string().regex(/^[0-9a-f]{2,128}$/),
  wrap: z.object({ alg: z.literal('A256GCM-ON-TOKEN'), iv: b64, box: b64 }),
});
export type TokenMethod = z.infer<typeof tokenMethodSchema>;

export const unlockMethodSchema = z.discriminatedUnion('type', [passphraseMethodSchema, quorumMethodSchema, tokenMethodSchema]);
export type UnlockMethod = z.infer<typeof unlockMethodSchema>;

export const headerSchema = z.object({
  format: z.literal(HEADER_FORMAT),
  version: z.literal(HEADER_VERSION),
  vaultId: hex(32),
  createdAt: z.string(),
  /** Raised on every rewrite; the database keeps the latest copy (see header_copy). */
  revision: z.number().int().min(0).optional(),
  database: z.object({ file: z.literal(DATABASE_FILE), cipher: z.enum(VAULT_CIPHERS) }),
  unlockMethods: z.array(unlockMethodSchema).min(1),
  mac: hex(64),
});
export type VaultHeader = z.infer<typeof headerSchema>;
export type UnsignedHeader = Omit<VaultHeader, 'mac'>;

export function headerPath(dir: string): string {
  return join(dir, HEADER_FILE);
}

export function vaultExists(dir: string): boolean {
  return existsSync(headerPath(dir));
}

export function wrapAad(vaultId: string, methodId: string, type: UnlockMethod['type'], shareIndex?: number): string {
  return `custos/v1/vmk-wrap|${vaultId}|${methodId}|${type}${shareIndex === undefined ? '' : `|${shareIndex}`}`;
}

function macOf(header: UnsignedHeader, headerKey: Uint8Array): string {
  return createHmac('sha256', headerKey).update(canonicalJson(header as unknown as Canonical)).digest('hex');
}

export function signHeader(header: UnsignedHeader, headerKey: Uint8Array): VaultHeader {
  return { ...header, mac: macOf(header, headerKey) };
}

export function verifyHeaderMac(header: VaultHeader, headerKey: Uint8Array): boolean {
  const { mac, ...rest } = header;
  const want = Buffer.from(macOf(rest, headerKey), 'hex');
  return timingSafeEqual(want, Buffer.from(mac, 'hex'));
}

export function readHeader(dir: string): VaultHeader {
  const path = headerPath(dir);
  if (!existsSync(path)) throw new CustosError('E_VAULT_MISSING', `No vault at ${dir}. Create one first (custos init, or the console's first-run screen).`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CustosError('E_HEADER_TAMPERED', `The vault header ${path} is not valid JSON; it has been damaged or altered. Restore it from a backup.`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw new CustosError('E_HEADER_TAMPERED', `The vault header ${path} is not in the expected form; it has been damaged or altered. Restore it from a backup.`);
  return parsed.data;
}

/** Writes the header atomically: a crash leaves either the old header or the new one, never half. */
export function writeHeader(dir: string, header: VaultHeader): void {
  const path = headerPath(dir);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(header, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}
