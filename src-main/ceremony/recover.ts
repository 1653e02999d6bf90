import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { requestRecovery, requestTokenRecovery } from '../backup/backup-service.js';
import { readDualControlPolicy } from '../approvals/policy.js';
import { parsePackage, verifyShare, type BackupPackage, type HeldShare } from '../backup/package.js';
import { CustosError } from '../errors.js';
import type { TokenService } from '../pkcs11/service.js';
import type { UnlockedVault, VaultUser } from '../vault/vault.js';

/**
 * The effect of a recover-backup step, shared by the console session and the script runner: the
 * custodians' shares open the package (the existing recovery code checks them and the package),
 * the backup.recover request is filed by the session user and approved at once by the internal
 * witnesses who attested the step — dual control inside the step, enforced by ApprovalService
 * (nobody approves their own request; the approver's role must be one the policy names). If the
 * witnesses' approvals do not complete the request it is cancelled, so nothing is left pending
 * and nothing is restored. Returns the engine's outputs (no secret).
 */
export interface CustodianShare {
  custodian: string;
  share: HeldShare;
}

/** Checks one share against the package and its owner; returns the share's digest. */
export async function checkCustodianShare(pkg: BackupPackage, custodian: string, share: HeldShare): Promise<{ index: number; digest: string }> {
  const { index } = await verifyShare(pkg, share);
  const owner = pkg.header.scheme.custodians[index - 1];
  if (owner !== undefined && owner.toLowerCase() !== custodian.toLowerCase()) throw new CustosError('E_INPUT', `That is share ${index}, which belongs to ${owner}; each custodian brings their own.`);
  return { index, digest: pkg.header.shareDigests.find((d) => d.index === index)!.digest };
}

export async function recoverInCeremony(
  vault: UnlockedVault,
  input: { pkgText: string; shares: CustodianShare[]; target: 'vault' | 'token'; tokenSerial: string | null; approvers: VaultUser[]; tokens: (() => TokenService) | null; name: string },
): Promise<{ packageId: string; packageFingerprint: string; fingerprint: string; keyId: string; target: 'vault' | 'token'; tokenSerial?: string; shares: Array<{ custodian: string; digest: string }>; requestId: string; requestedBy: string; approvedBy: string[] }> {
  const pkg = parsePackage(input.pkgText);
  const want = pkg.header.key.fingerprint;
  if (!want) throw new CustosError('E_UNSUPPORTED', `${pkg.header.key.name} is a secret key without a public-key fingerprint; recover it from the Backups page, where its check value is compared.`);
  if (input.target === 'token' && !input.tokenSerial) throw new CustosError('E_INPUT', 'This step restores the key into a token, and none was chosen.');
  const digests = [];
  for (const s of input.shares) digests.push({ custodian: s.custodian, digest: (await checkCustodianShare(pkg, s.custodian, s.share)).digest });
  const held = input.shares.map((s) => s.share);
  const requestedBy = vault.user.name;
  const approvers = input.approvers.filter((a) => a.name.toLowerCase() !== requestedBy.toLowerCase());
  if (!approvers.length) throw new CustosError('E_PERMISSION', `Recovery is dual-controlled: an internal witness other than ${requestedBy}, who files the request, must approve it in this step.`);
  // Checked before anything is filed: where the policy lets a recovery run at once, the ceremony refuses rather than restore without a second person.
  if (!readDualControlPolicy(vault.db).operations['backup.recover']) throw new CustosError('E_PERMISSION', "This vault's policy does not put backup.recover under dual control, and a recovery ceremony requires it; nothing was restored.");
  const o = input.target === 'token'
    ? await requestTokenRecovery(vault, OPERATIONS, input.pkgText, held, input.tokenSerial!, { name: input.name })
    : await requestRecovery(vault, OPERATIONS, input.pkgText, held, { name: input.name });
  const approvedBy: string[] = [];
  {
    const service = new ApprovalService(vault, OPERATIONS, input.tokens ? { tokens: input.tokens } : {});
    try {
      for (const a of approvers) {
        const r = await service.approveAsync(o.requestId!, a);
        approvedBy.push(a.name);
        if (r.status === 'executed') break;
      }
    } finally {
      const r = service.get(o.requestId!);
      if (r.status === 'pending') service.reject(o.requestId!, vault.user, 'The ceremony step ended without the approvals the policy needs.');
    }
    if (service.get(o.requestId!).status !== 'executed') throw new CustosError('E_PERMISSION', `The witnesses' approvals (${approvedBy.join(', ') || 'none'}) do not meet the dual-control policy for backup.recover; the request was cancelled and nothing was restored.`);
  }
  const row = vault.db.prepare('SELECT id, fingerprint FROM keys WHERE name = ? ORDER BY rowid DESC LIMIT 1').get(input.name) as { id: string; fingerprint: string | null } | undefined;
  if (!row?.fingerprint) throw new CustosError('E_INTERNAL', 'The restored key was not found after the recovery.');
  return {
    packageId: pkg.header.packageId, packageFingerprint: want, fingerprint: row.fingerprint, keyId: row.id, target: input.target,
    ...(input.target === 'token' ? { tokenSerial: input.tokenSerial! } : {}), shares: digests, requestId: o.requestId!, requestedBy, approvedBy,
  };
}
