import { hkdfSync } from 'node:crypto';

/**
 * Purposes of the keys derived from the vault master key. Each gets its own HKDF info string, so
 * learning one derived key says nothing about the others or about the VMK.
 */
export const SUBKEY_PURPOSES = ['database', 'material', 'audit', 'header', 'audit-signing'] as const;
export type SubkeyPurpose = (typeof SUBKEY_PURPOSES)[number];

export function deriveSubkey(vmk: Uint8Array, vaultId: string, purpose: SubkeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', vmk, Buffer.from(vaultId, 'utf8'), Buffer.from(`custos/v1/${purpose}`, 'utf8'), 32));
}
