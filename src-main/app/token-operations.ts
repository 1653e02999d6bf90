import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Operation } from '../approvals/operations.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import type { TokenService } from '../pkcs11/service.js';
import type { UnlockedVault } from '../vault/vault.js';

/**
 * Initialising a token (C_InitToken with the SO PIN, then C_InitPIN for the user PIN): a
 * security-officer act under dual control. The PINs wait in the request sealed under the vault's
 * material key, bound to the request's nonce; they are opened only to run the operation and wiped.
 */
const payloadSchema = z.object({
  module: z.string(),
  slotId: z.number().int().min(0),
  label: z.string().min(1).max(32),
  binding: z.string().regex(/^[0-9a-f]{32}$/),
  soPin: z.string(),
  userPin: z.string(),
});
type Payload = z.infer<typeof payloadSchema>;

export function sealTokenInit(vault: UnlockedVault, input: { module: string; slotId: number; label: string; soPin: string; userPin: string }): Payload {
  const binding = randomBytes(16).toString('hex');
  return {
    module: input.module,
    slotId: input.slotId,
    label: input.label,
    binding,
    soPin: vault.sealSecret(`token-init|${binding}|so`, Buffer.from(input.soPin)),
    userPin: vault.sealSecret(`token-init|${binding}|user`, Buffer.from(input.userPin)),
  };
}

export const initTokenOperation: Operation<Payload> = {
  kind: 'token.init',
  category: 'token.admin',
  requesterRoles: ['administrator', 'security-officer'],
  payload: payloadSchema,
  async external(vault, p, ctx) {
    const tokens: TokenService | undefined = ctx.tokens?.();
    if (!tokens) throw new CustosError('E_UNSUPPORTED', 'PKCS#11 tokens are not available in this session.');
    const client = await tokens.client(p.module);
    const so = vault.openSecret(`token-init|${p.binding}|so`, p.soPin);
    const user = vault.openSecret(`token-init|${p.binding}|user`, p.userPin);
    try {
      const info = await client.initToken(p.slotId, so.toString('utf8'), p.label);
      await client.initUserPin(info.serial, so.toString('utf8'), user.toString('utf8'));
      return { serial: info.serial, label: p.label, slotId: p.slotId, module: p.module };
    } finally {
      wipe(so, user);
    }
  },
  execute(_vault, p) {
    return { details: { label: p.label, slotId: p.slotId } };
  },
};
