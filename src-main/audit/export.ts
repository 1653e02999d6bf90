import { statSync } from 'node:fs';
import type { UnlockedVault } from '../vault/vault.js';
import { requirePermission } from '../users/permissions.js';
import { writeBundle, type Manifest } from './bundle.js';
import { publicPem } from './signing.js';

/**
 * Exports the vault's audit trail as a bundle. The export is itself an event, written first so the
 * bundle's head is the export; a checkpoint is signed at that head.
 */
export async function exportAudit(vault: UnlockedVault, path: string): Promise<Manifest & { path: string; bytes: number }> {
  const user = vault.user;
  requirePermission(user.role, 'audit.export');
  vault.record({ actor: user.name, operation: 'audit.export', outcome: 'success', details: {} });
  vault.audit.checkpointHead();
  const key = vault.signingKey();
  const manifest = await writeBundle(path, {
    vaultId: vault.vaultId,
    exportedAt: vault.now().toISOString(),
    events: vault.audit.iterate(),
    checkpoints: vault.audit.checkpoints(),
    publicKeyPem: publicPem(key),
    signingKey: key,
  });
  return { ...manifest, path, bytes: statSync(path).size };
}
