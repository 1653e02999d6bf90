import { createHash } from 'node:crypto';

/** See header.ts: a user's unlock method is found by this tag, so the header never names people. */
export function userTag(vaultId: string, userName: string): string {
  return createHash('sha256').update(`custos/v1/user|${vaultId}|${userName.toLowerCase()}`).digest('hex');
}
