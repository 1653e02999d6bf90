import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RequestOutcome } from '../../src-shared/approvals.js';
import { ALGORITHMS, type AlgorithmId } from '../../src-shared/keys.js';
import { ApprovalService } from '../approvals/approval-service.js';
import type { Operation, OperationRegistry } from '../approvals/operations.js';
import { aesKcv } from '../crypto/cmac.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { KeyRepository } from '../keys/repository.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault } from '../vault/vault.js';
import { createBackup, materialCheckValue, openBackup, parsePackage, type CreatedBackup, type HeldShare, type Scheme } from './package.js';
import { createPublicKey, createPrivateKey } from 'node:crypto';
import type { TokenService } from '../pkcs11/service.js';
import type { TokenClient } from '../pkcs11/client.js';
import type { KeyUseRecord } from '../keys/repository.js';
import { openWrappedBackup } from './package.js';

/**
 * Backups of vault keys: create a package split among custodians, and recover one — the recovery
 * is a dual-controlled `backup.recover` request. The recovered material waits in the request
 * sealed under the vault's material key (as every stored key is), bound to the request.
 */
export async function createKeyBackup(
  vault: UnlockedVault,
  keyId: string,
  o: { scheme: Scheme; threshold: number; count: number; custodians: string[]; sharePassphrases?: string[]; passphrase?: string },
  tokens: TokenService | null = null,
): Promise<CreatedBackup> {
  requirePermission(vault.user.role, 'keys.lifecycle');
  const repo = new KeyRepository(vault.db);
  const k = repo.forUse(keyId);
  if (!k) throw new CustosError('E_NOT_FOUND', `No key with id ${keyId}.`);
  if (k.store === 'token') return createTokenKeyBackup(vault, k, o, tokens);
  if (k.store !== 'vault') throw new CustosError('E_UNSUPPORTED', 'Only keys held in the vault or on a token can be backed up.');
  if (k.state === 'destroyed' || k.state === 'destroyed-compromised') throw new CustosError('E_CONFLICT', 'A destroyed key has no material to back up.');
  const { purpose, material } = vault.openMaterial(keyId, k.version);
  try {
    const created = await createBackup({
      key: { id: k.id, name: k.name, algorithm: k.algorithm, version: k.version, usageMask: k.usageMask, purpose: k.purpose ?? null, fingerprint: k.fingerprint, kcv: k.kcv, checkValue: materialCheckValue(purpose, material), materialKind: purpose },
      material,
      createdBy: vault.user.name,
      now: vault.now(),
      kdfCost: vault.kdfCost,
      ...o,
    });
    vault.record({
      actor: vault.user.name,
      operation: 'backup.create',
      keyId,
      keyVersion: k.version,
      outcome: 'success',
      details: { packageId: created.pkg.header.packageId, scheme: o.scheme, threshold: o.threshold, count: o.count, custodians: o.custodians.join(',') },
    });
    return created;
  } finally {
    wipe(material);
  }
}

/**
 * A token key generated as wrappable: a fresh KEK goes onto the token as a session object that can
 * only wrap, the key is wrapped there with CKM_AES_KEY_WRAP_PAD, and the session KEK is destroyed.
 * The clear key never leaves the token; the KEK leaves only as shares.
 */
async function createTokenKeyBackup(
  vault: UnlockedVault,
  k: KeyUseRecord,
  o: { scheme: Scheme; threshold: number; count: number; custodians: string[]; sharePassphrases?: string[]; passphrase?: string },
  tokens: TokenService | null,
): Promise<CreatedBackup> {
  if (!tokens) throw new CustosError('E_UNSUPPORTED', 'PKCS#11 tokens are not available in this session.');
  const row = vault.db.prepare('SELECT extractable FROM keys WHERE id = ?').get(k.id) as { extractable: number };
  if (!row.extractable) throw new CustosError('E_PERMISSION', `${k.name} was generated on its token as never extractable, so it cannot be backed up: by design it exists only there.`);
  if (!k.token) throw new CustosError('E_INTERNAL', 'A token key without its token reference.');
  const token = k.token;
  const client = await tokens.clientForUse(token.serial);
  const secret = !k.spki;
  if (!secret && !k.fingerprint) throw new CustosError('E_UNSUPPORTED', `${k.name} has no recorded fingerprint, so its restore could not be proven.`);
  // A key pair is proven by its fingerprint; a secret key by a check value measured on the token.
  const checkValue = secret ? await tokenCheckValue(client, { serial: token.serial, ckaId: token.ckaId }, k.algorithm, k.name) : k.fingerprint!;
  const created = await createBackup({
    key: { id: k.id, name: k.name, algorithm: k.algorithm, version: k.version, usageMask: k.usageMask, purpose: k.purpose ?? null, fingerprint: k.fingerprint, kcv: null, spki: k.spki ? k.spki.toString('base64') : null, checkValue, materialKind: 'token-wrapped' },
    wrapOnToken: async (kek) => {
      const { ckaId } = await client.importWrappingKey(token.serial, kek);
      try {
        return (await client.wrapKey({ serial: token.serial, ckaId }, { serial: token.serial, ckaId: token.ckaId })).wrapped;
      } finally {
        await client.destroyKey({ serial: token.serial, ckaId }).catch(() => undefined);
      }
    },
    createdBy: vault.user.name,
    now: vault.now(),
    kdfCost: vault.kdfCost,
    ...o,
  });
  vault.record({
    actor: vault.user.name,
    operation: 'backup.create',
    keyId: k.id,
    keyVersion: k.version,
    outcome: 'success',
    details: { packageId: created.pkg.header.packageId, scheme: o.scheme, threshold: o.threshold, count: o.count, custodians: o.custodians.join(','), store: 'token', serial: token.serial },
  });
  return created;
}

/**
 * A check value of a secret key measured on its token, where the key never leaves: AES — the first
 * 3 bytes of AES-GCM over one zero block with the all-zero IV (like a KCV, a fixed function of the
 * key: E_K of the first counter block); HMAC — the first 3 bytes of HMAC-SHA256 over one zero block.
 * It needs the key's encrypt (AES) or sign (HMAC) usage on the token.
 */
export async function tokenCheckValue(client: TokenClient, ref: { serial: string; ckaId: string }, algorithm: string, name: string): Promise<string> {
  const family = ALGORITHMS[algorithm as AlgorithmId]?.family;
  try {
    if (family === 'aes') return Buffer.from((await client.encrypt(ref, 'aes-gcm', new Uint8Array(16), { iv: new Uint8Array(12) })).ciphertext).subarray(0, 3).toString('hex');
    if (family === 'hmac') return Buffer.from(await client.sign(ref, 'hmac-sha256', new Uint8Array(16))).subarray(0, 3).toString('hex');
  } catch (e) {
    throw new CustosError('E_UNSUPPORTED', `${name}: its check value cannot be measured on the token (it needs its ${family === 'aes' ? 'encrypt' : 'sign'} usage there), so a restore could not be proven; it was not backed up.`, { cause: e });
  }
  throw new CustosError('E_UNSUPPORTED', `Backups of ${algorithm} keys held on a token are not supported.`);
}

const recoverPayload = z.object({ header: z.record(z.string(), z.unknown()), binding: z.string().regex(/^[0-9a-f]{32}$/), sealed: z.string(), name: z.string() });

export const recoverBackupOperation: Operation<z.infer<typeof recoverPayload>> = {
  kind: 'backup.recover',
  category: 'backup.recover',
  requesterRoles: ['administrator', 'security-officer', 'key-custodian'],
  payload: recoverPayload,
  execute(vault, p) {
    const h = p.header as { key: { algorithm: AlgorithmId; usageMask: number; purpose: string | null; materialKind: 'private-pkcs8' | 'secret'; fingerprint: string | null }; packageId: string };
    const material = vault.openSecret(`backup-recover|${p.binding}`, p.sealed);
    try {
      const info = ALGORITHMS[h.key.algorithm];
      const id = randomBytes(16).toString('hex');
      const spki = h.key.materialKind === 'private-pkcs8' ? createPublicKey(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' }) : null;
      const repo = new KeyRepository(vault.db);
      repo.insert({
        id, name: p.name, algorithm: info.id, family: info.family, size: info.size, curve: info.curve, store: 'vault', state: 'pre-active',
        createdAt: vault.now().toISOString(), createdBy: vault.user.name, fingerprint: spki ? spkiFingerprint(spki) : null, kcv: info.family === 'aes' ? aesKcv(material) : null,
        spki, usageMask: h.key.usageMask, origin: 'imported', extractable: false, token: null, purpose: h.key.purpose,
      });
      repo.insertMaterial(id, 1, h.key.materialKind, vault.sealMaterial(id, 1, h.key.materialKind, material));
      return { keyId: id, details: { packageId: h.packageId, restoredAs: id, fingerprint: h.key.fingerprint } };
    } finally {
      wipe(material);
    }
  },
};

/**
 * Opens a package with the shares given (custodians present now), checks the recovered material
 * against the package's check value, and files the recovery request. Nothing is written when a
 * share or the package is wrong.
 */
export async function requestRecovery(vault: UnlockedVault, operations: OperationRegistry, packageText: string, shares: HeldShare[], options: { passphrase?: string; name?: string } = {}): Promise<RequestOutcome & { checkValue: string }> {
  requirePermission(vault.user.role, 'approvals.decide');
  const pkg = parsePackage(packageText);
  let material: Buffer;
  try {
    material = await openBackup(pkg, shares, options);
  } catch (e) {
    // The code only: a share's refusal may quote what was typed (SLIP-0039 names the unknown word).
    vault.record({ actor: vault.user.name, operation: 'backup.recover', outcome: 'refused', details: { packageId: pkg.header.packageId, code: e instanceof CustosError ? e.code : 'error' } });
    throw e;
  }
  try {
    const check = materialCheckValue(pkg.header.key.materialKind, material);
    if (check !== pkg.header.key.checkValue) throw new CustosError('E_INPUT', 'The recovered key does not match the fingerprint recorded in the package; nothing was restored.');
    const binding = randomBytes(16).toString('hex');
    const name = options.name ?? `${pkg.header.key.name} (recovered)`;
    const outcome = new ApprovalService(vault, operations).submit(
      'backup.recover',
      { header: pkg.header as unknown as Record<string, unknown>, binding, sealed: vault.sealSecret(`backup-recover|${binding}`, material), name },
      `Restore ${pkg.header.key.name} (${pkg.header.key.algorithm}, ${check.slice(0, 16)}…) from backup ${pkg.header.packageId.slice(0, 8)}`,
    );
    return { ...outcome, checkValue: check };
  } finally {
    wipe(material);
  }
}

const recoverTokenPayload = z.object({
  header: z.record(z.string(), z.unknown()),
  binding: z.string().regex(/^[0-9a-f]{32}$/),
  sealedKek: z.string(),
  wrapped: z.string(),
  serial: z.string(),
  name: z.string(),
});

/**
 * Restores a token-wrapped backup into a token (a fresh one, or any logged-in token): the KEK goes
 * onto it as a wrap-only session object, C_UnwrapKey recreates the key, its fingerprint must equal
 * the original's (otherwise the new object is destroyed again), and the session KEK is destroyed.
 */
export const recoverToTokenOperation: Operation<z.infer<typeof recoverTokenPayload>> = {
  kind: 'backup.recover-token',
  category: 'backup.recover',
  requesterRoles: ['administrator', 'security-officer', 'key-custodian'],
  payload: recoverTokenPayload,
  async external(vault, p, ctx) {
    const tokens = ctx.tokens?.();
    if (!tokens) throw new CustosError('E_UNSUPPORTED', 'PKCS#11 tokens are not available in this session.');
    const h = p.header as { key: { algorithm: string; usageMask: number; fingerprint: string | null; spki?: string | null; checkValue: string; name: string } };
    const client = await tokens.clientForToken(p.serial);
    const kek = vault.openSecret(`backup-recover-token|${p.binding}`, p.sealedKek);
    let kekRef: { serial: string; ckaId: string } | null = null;
    try {
      kekRef = { serial: p.serial, ...(await client.importWrappingKey(p.serial, kek)) };
      const secret = !h.key.spki;
      const record = await client.unwrapKey(kekRef, Buffer.from(p.wrapped, 'base64'), {
        kind: secret ? 'secret-key' : 'private-key',
        algorithm: h.key.algorithm as never,
        label: p.name,
        usageMask: h.key.usageMask,
        ...(secret ? {} : { spki: Buffer.from(h.key.spki!, 'base64') }),
      });
      // The restored key must be the original: its fingerprint, or for a secret key its check value measured on the token.
      const same = secret ? (await tokenCheckValue(client, { serial: p.serial, ckaId: record.ckaId! }, h.key.algorithm, p.name).catch(() => null)) === h.key.checkValue : record.fingerprint === h.key.fingerprint;
      if (!same) {
        await client.destroyKey({ serial: p.serial, ckaId: record.ckaId! }).catch(() => undefined);
        throw new CustosError('E_CRYPTO', `The key unwrapped on the token does not match the recorded ${secret ? 'check value' : 'fingerprint'}; it was destroyed again.`);
      }
      const module = (await tokens.tokens()).find((t) => t.serial === p.serial)?.module ?? '';
      return { serial: p.serial, ckaId: record.ckaId!, label: record.label, module, fingerprint: record.fingerprint };
    } finally {
      wipe(kek);
      if (kekRef) await client.destroyKey(kekRef).catch(() => undefined);
    }
  },
  execute(vault, p, ctx) {
    const x = ctx.external as { serial: string; ckaId: string; label: string; module: string; fingerprint: string | null };
    const h = p.header as { packageId: string; key: { algorithm: AlgorithmId; usageMask: number; purpose: string | null; spki?: string | null } };
    const info = ALGORITHMS[h.key.algorithm];
    const id = randomBytes(16).toString('hex');
    new KeyRepository(vault.db).insert({
      id, name: p.name, algorithm: info.id, family: info.family, size: info.size, curve: info.curve, store: 'token', state: 'pre-active',
      createdAt: vault.now().toISOString(), createdBy: vault.user.name, fingerprint: x.fingerprint, kcv: null, spki: h.key.spki ? Buffer.from(h.key.spki, 'base64') : null,
      usageMask: h.key.usageMask, origin: 'unwrapped', extractable: true, token: { serial: x.serial, ckaId: x.ckaId, label: x.label, module: x.module }, purpose: h.key.purpose,
    });
    return { keyId: id, details: { packageId: h.packageId, restoredAs: id, serial: x.serial } };
  },
};

/** Opens a token-wrapped package with the shares given and files the request to restore it into token `serial`. */
export async function requestTokenRecovery(vault: UnlockedVault, operations: OperationRegistry, packageText: string, shares: HeldShare[], serial: string, options: { passphrase?: string; name?: string } = {}): Promise<RequestOutcome> {
  requirePermission(vault.user.role, 'approvals.decide');
  const pkg = parsePackage(packageText);
  let opened: { kek: Buffer; wrapped: Buffer };
  try {
    opened = await openWrappedBackup(pkg, shares, options);
  } catch (e) {
    vault.record({ actor: vault.user.name, operation: 'backup.recover', outcome: 'refused', details: { packageId: pkg.header.packageId, code: e instanceof CustosError ? e.code : 'error' } });
    throw e;
  }
  try {
    const binding = randomBytes(16).toString('hex');
    const name = options.name ?? `${pkg.header.key.name} (recovered)`;
    return new ApprovalService(vault, operations).submit(
      'backup.recover-token',
      { header: pkg.header as unknown as Record<string, unknown>, binding, sealedKek: vault.sealSecret(`backup-recover-token|${binding}`, opened.kek), wrapped: opened.wrapped.toString('base64'), serial, name },
      `Restore ${pkg.header.key.name} (${pkg.header.key.algorithm}) from backup ${pkg.header.packageId.slice(0, 8)} into token ${serial}`,
    );
  } finally {
    wipe(opened.kek);
  }
}
