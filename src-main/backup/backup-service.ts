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

/**
 * Backups of vault keys: create a package split among custodians, and recover one — the recovery
 * is a dual-controlled `backup.recover` request. The recovered material waits in the request
 * sealed under the vault's material key (as every stored key is), bound to the request.
 */
export async function createKeyBackup(
  vault: UnlockedVault,
  keyId: string,
  o: { scheme: Scheme; threshold: number; count: number; custodians: string[]; sharePassphrases?: string[]; passphrase?: string },
): Promise<CreatedBackup> {
  requirePermission(vault.user.role, 'keys.lifecycle');
  const repo = new KeyRepository(vault.db);
  const k = repo.forUse(keyId);
  if (!k) throw new CustosError('E_NOT_FOUND', `No key with id ${keyId}.`);
  if (k.store !== 'vault') throw new CustosError('E_UNSUPPORTED', 'Backups of token keys are made by wrapping on the token (C_WrapKey), which is not available yet; back up vault keys for now.');
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
    vault.record({ actor: vault.user.name, operation: 'backup.recover', outcome: 'refused', details: { packageId: pkg.header.packageId, reason: e instanceof CustosError ? e.message : 'error' } });
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
