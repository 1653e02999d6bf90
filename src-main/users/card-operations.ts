import { z } from 'zod';
import type { Role } from '../../src-shared/users.js';
import type { Operation } from '../approvals/operations.js';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { findUser } from './user-operations.js';

const ADMIN_ONLY: readonly Role[] = ['administrator'];

/**
 * Registering and removing a person's login card are user changes (category user.change): under
 * dual control when the policy says so, like adding a user. The payload holds only public data:
 * where the key is (serial, CKA_ID) and its public key.
 */
export const setCardOperation: Operation<{ name: string; serial: string; ckaId: string; keyId: string | null; algorithm: string; spki: string; fingerprint: string }> = {
  kind: 'user.set-card',
  category: 'user.change',
  requesterRoles: ADMIN_ONLY,
  payload: z.object({
    name: z.string(),
    serial: z.string().min(1).max(64),
    ckaId: z.string().regex(/^(?:[0-9a-f]{2}){1,64}$/),
    keyId: z.string().regex(/^[0-9a-f]{32}$/).nullable(),
    algorithm: z.string().min(1).max(32),
    spki: z.string().min(1),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  execute(vault, p, ctx) {
    const u = findUser(vault, p.name);
    if (!u) throw new CustosError('E_NOT_FOUND', `No user named ${p.name}.`);
    if (u.disabled_at) throw new CustosError('E_CONFLICT', `${u.name} is disabled; a disabled person gets no login card.`);
    const spki = Buffer.from(p.spki, 'base64');
    // The request could have been altered in the database: the key it names must be the one it fingerprints.
    if (spkiFingerprint(spki) !== p.fingerprint) throw new CustosError('E_VAULT_CORRUPT', 'The card request does not match its fingerprint; the vault database was altered.');
    const previous = vault.db.prepare('SELECT token_serial AS serial, fingerprint FROM user_cards WHERE user_id = ?').get(u.id) as { serial: string; fingerprint: string } | undefined;
    vault.db
      .prepare(
        `INSERT INTO user_cards (user_id, token_serial, cka_id, key_id, algorithm, spki, fingerprint, registered_at, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET token_serial = excluded.token_serial, cka_id = excluded.cka_id, key_id = excluded.key_id, algorithm = excluded.algorithm,
           spki = excluded.spki, fingerprint = excluded.fingerprint, registered_at = excluded.registered_at, registered_by = excluded.registered_by`,
      )
      .run(u.id, p.serial, p.ckaId, p.keyId, p.algorithm, spki, p.fingerprint, vault.now().toISOString(), ctx.requester);
    return { details: { user: u.name, serial: p.serial, ckaId: p.ckaId, fingerprint: p.fingerprint, algorithm: p.algorithm, replaced: previous ? previous.fingerprint : null }, keyId: p.keyId };
  },
};

export const removeCardOperation: Operation<{ name: string }> = {
  kind: 'user.remove-card',
  category: 'user.change',
  requesterRoles: ADMIN_ONLY,
  payload: z.object({ name: z.string() }),
  execute(vault, p) {
    const u = findUser(vault, p.name);
    if (!u) throw new CustosError('E_NOT_FOUND', `No user named ${p.name}.`);
    const card = vault.db.prepare('SELECT token_serial AS serial, fingerprint FROM user_cards WHERE user_id = ?').get(u.id) as { serial: string; fingerprint: string } | undefined;
    if (!card) throw new CustosError('E_NOT_FOUND', `${u.name} has no login card.`);
    vault.db.prepare('DELETE FROM user_cards WHERE user_id = ?').run(u.id);
    return { details: { user: u.name, serial: card.serial, fingerprint: card.fingerprint } };
  },
};
