import { z } from 'zod';
import type { Role } from '../../src-shared/users.js';
import type { Operation } from '../approvals/operations.js';
import { CustosError } from '../errors.js';
import { passphraseMethodSchema, quorumMethodSchema, tokenMethodSchema } from './header.js';

const METHOD_ADMINS: readonly Role[] = ['administrator'];

/** Adds (or re-keys) a person's own passphrase unlock method; the wrap was made when requested. */
export const addPassphraseMethodOperation: Operation<{ user: string; method: z.infer<typeof passphraseMethodSchema> }> = {
  kind: 'unlock-method.add-passphrase',
  category: 'unlock-method.change',
  requesterRoles: METHOD_ADMINS,
  payload: z.object({ user: z.string(), method: passphraseMethodSchema }),
  execute(vault, p) {
    const staged = vault.stageHeader((h) => ({ ...h, unlockMethods: [...h.unlockMethods.filter((m) => !(m.type === 'passphrase' && m.userTag === p.method.userTag)), p.method] }));
    return { details: { type: 'passphrase', user: p.user, methodId: p.method.id }, afterCommit: () => vault.publishHeader(staged) };
  },
};

/** Sets the custodian quorum, replacing any earlier one (re-keying every share). */
export const setQuorumOperation: Operation<{ custodians: string[]; method: z.infer<typeof quorumMethodSchema> }> = {
  kind: 'unlock-method.set-quorum',
  category: 'unlock-method.change',
  requesterRoles: METHOD_ADMINS,
  payload: z.object({ custodians: z.array(z.string()).min(2), method: quorumMethodSchema }),
  execute(vault, p) {
    const staged = vault.stageHeader((h) => ({ ...h, unlockMethods: [...h.unlockMethods.filter((m) => m.type !== 'quorum'), p.method] }));
    return { details: { type: 'quorum', threshold: p.method.threshold, custodians: p.custodians.join(','), methodId: p.method.id }, afterCommit: () => vault.publishHeader(staged) };
  },
};

export const removeMethodOperation: Operation<{ id: string }> = {
  kind: 'unlock-method.remove',
  category: 'unlock-method.change',
  requesterRoles: METHOD_ADMINS,
  payload: z.object({ id: z.string() }),
  execute(vault, p) {
    const m = vault.header.unlockMethods.find((x) => x.id === p.id);
    if (!m) throw new CustosError('E_NOT_FOUND', `No unlock method ${p.id}.`);
    if (vault.header.unlockMethods.length <= 1) throw new CustosError('E_CONFLICT', 'The last unlock method cannot be removed: nobody could open the vault again.');
    const staged = vault.stageHeader((h) => ({ ...h, unlockMethods: h.unlockMethods.filter((x) => x.id !== p.id) }));
    return { details: { type: m.type, methodId: m.id }, afterCommit: () => vault.publishHeader(staged) };
  },
};

/** Adds a token unlock method (replacing an earlier one for the same token). */
export const addTokenMethodOperation: Operation<{ holder: string; method: z.infer<typeof tokenMethodSchema> }> = {
  kind: 'unlock-method.add-token',
  category: 'unlock-method.change',
  requesterRoles: METHOD_ADMINS,
  payload: z.object({ holder: z.string(), method: tokenMethodSchema }),
  execute(vault, p) {
    const staged = vault.stageHeader((h) => ({ ...h, unlockMethods: [...h.unlockMethods.filter((m) => !(m.type === 'token' && m.serial === p.method.serial)), p.method] }));
    return { details: { type: 'token', holder: p.holder, serial: p.method.serial, methodId: p.method.id }, afterCommit: () => vault.publishHeader(staged) };
  },
};
