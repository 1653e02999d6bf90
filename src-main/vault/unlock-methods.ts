import { randomBytes } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { open, seal } from '../crypto/aead.js';
import { derivePassphraseKey, newKdfParams, type KdfCost } from '../crypto/passphrase-kdf.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import type { TokenClient } from '../pkcs11/client.js';
import { wrapAad, type PassphraseMethod, type QuorumMethod, type TokenMethod } from './header.js';
import { userTag } from './user-tag.js';

/**
 * Making and opening unlock methods: pure functions of (vault id, VMK, passphrases). The header
 * module stores them; the vault decides which to use.
 */
export async function makePassphraseMethod(vaultId: string, userName: string, passphrase: string, vmk: Uint8Array, cost: KdfCost): Promise<PassphraseMethod> {
  const id = randomBytes(16).toString('hex');
  const kdf = newKdfParams(cost);
  const wrappingKey = await derivePassphraseKey(passphrase, kdf);
  try {
    const sealed = seal(wrappingKey, vmk, wrapAad(vaultId, id, 'passphrase'));
    return { id, type: 'passphrase', userTag: userTag(vaultId, userName), kdf, wrap: { alg: 'A256GCM', nonce: sealed.nonce.toString('base64'), box: sealed.box.toString('base64') } };
  } finally {
    wipe(wrappingKey);
  }
}

/** Returns the VMK, or null when the passphrase does not open this method. */
export async function openPassphraseMethod(vaultId: string, method: PassphraseMethod, passphrase: string): Promise<Buffer | null> {
  const key = await derivePassphraseKey(passphrase, method.kdf);
  try {
    const vmk = open(key, { nonce: Buffer.from(method.wrap.nonce, 'base64'), box: Buffer.from(method.wrap.box, 'base64') }, wrapAad(vaultId, method.id, 'passphrase'));
    return vmk && vmk.length === 32 ? vmk : null;
  } finally {
    wipe(key);
  }
}

export interface Custodian {
  user: string;
  passphrase: string;
}

export async function makeQuorumMethod(vaultId: string, vmk: Uint8Array, threshold: number, custodians: Custodian[], cost: KdfCost): Promise<QuorumMethod> {
  const names = custodians.map((c) => c.user.toLowerCase());
  if (new Set(names).size !== names.length) throw new CustosError('E_INPUT', 'Each custodian may hold only one share; a name appears twice.');
  if (custodians.length < 2 || custodians.length > 16) throw new CustosError('E_INPUT', 'A quorum needs between 2 and 16 custodians.');
  if (threshold < 2 || threshold > custodians.length) throw new CustosError('E_INPUT', `The threshold must be between 2 and the number of custodians (${custodians.length}).`);
  const id = randomBytes(16).toString('hex');
  // The library insists on plain Uint8Array (not Buffer); the copy is wiped with the shares.
  const secret = new Uint8Array(vmk);
  const parts = await split(secret, custodians.length, threshold);
  try {
    const shares: QuorumMethod['shares'] = [];
    for (let i = 0; i < custodians.length; i++) {
      const c = custodians[i]!;
      const index = i + 1;
      const kdf = newKdfParams(cost);
      const key = await derivePassphraseKey(c.passphrase, kdf);
      try {
        const sealed = seal(key, parts[i]!, wrapAad(vaultId, id, 'quorum', index));
        shares.push({ index, userTag: userTag(vaultId, c.user), kdf, wrap: { alg: 'A256GCM', nonce: sealed.nonce.toString('base64'), box: sealed.box.toString('base64') } });
      } finally {
        wipe(key);
      }
    }
    return { id, type: 'quorum', threshold, shares };
  } finally {
    wipe(secret, ...parts);
  }
}

/**
 * Opens a quorum method with the custodians present. Fails as a whole — no share is kept — when
 * a custodian is named twice, is not a custodian of this method, gives a wrong passphrase, or
 * when fewer than the threshold are present. The caller still checks the combined VMK against
 * the header MAC, which catches shares that open but do not belong together.
 */
export async function openQuorumMethod(vaultId: string, method: QuorumMethod, custodians: Custodian[]): Promise<Buffer> {
  const names = custodians.map((c) => c.user.toLowerCase());
  if (new Set(names).size !== names.length) throw new CustosError('E_INPUT', 'The same custodian was entered twice; each share counts once.');
  if (custodians.length < method.threshold) {
    throw new CustosError('E_AUTH_FAILED', `This vault needs ${method.threshold} custodians to unlock; ${custodians.length} took part.`);
  }
  const opened: Buffer[] = [];
  const plain: Uint8Array[] = [];
  try {
    for (const c of custodians) {
      const share = method.shares.find((s) => s.userTag === userTag(vaultId, c.user));
      if (!share) throw new CustosError('E_AUTH_FAILED', `${c.user} is not a custodian of this vault's quorum.`);
      const key = await derivePassphraseKey(c.passphrase, share.kdf);
      try {
        const part = open(key, { nonce: Buffer.from(share.wrap.nonce, 'base64'), box: Buffer.from(share.wrap.box, 'base64') }, wrapAad(vaultId, method.id, 'quorum', share.index));
        if (!part) throw new CustosError('E_AUTH_FAILED', `Wrong share passphrase for custodian ${c.user}. No share was kept; start again.`);
        opened.push(part);
        plain.push(new Uint8Array(part));
      } finally {
        wipe(key);
      }
    }
    const combined = await combine(plain);
    const vmk = Buffer.from(combined);
    wipe(combined);
    if (vmk.length !== 32) throw new CustosError('E_AUTH_FAILED', 'The shares do not combine into a vault key.');
    return vmk;
  } finally {
    wipe(...opened, ...plain);
  }
}

/**
 * Makes a token unlock method: a fresh AES-256 key on the token (never extractable, encrypt and
 * decrypt only) encrypts the VMK with AES-GCM there. The caller has logged in to the token.
 */
export async function makeTokenMethod(vaultId: string, holder: string, client: TokenClient, serial: string, tokenLabel: string, vmk: Uint8Array): Promise<TokenMethod> {
  const id = randomBytes(16).toString('hex');
  const key = await client.generateKey({ serial, algorithm: 'aes-256', label: `custos-vault-${vaultId.slice(0, 8)}`, usageMask: 0x4 | 0x8 });
  const r = await client.encrypt({ serial, ckaId: key.ckaId! }, 'aes-gcm', vmk, { aad: Buffer.from(wrapAad(vaultId, id, 'token')) });
  return {
    id,
    type: 'token',
    userTag: userTag(vaultId, holder),
    serial,
    tokenLabel,
    ckaId: key.ckaId!,
    wrap: { alg: 'A256GCM-ON-TOKEN', iv: Buffer.from(r.iv!).toString('base64'), box: Buffer.from(r.ciphertext).toString('base64') },
  };
}

/** Decrypts the VMK on the token (logged in by the caller); a wrong token or key fails as E_AUTH_FAILED. */
export async function openTokenMethod(vaultId: string, method: TokenMethod, client: TokenClient): Promise<Buffer> {
  try {
    const vmk = Buffer.from(await client.decrypt({ serial: method.serial, ckaId: method.ckaId }, 'aes-gcm', Buffer.from(method.wrap.box, 'base64'), { iv: Buffer.from(method.wrap.iv, 'base64'), aad: Buffer.from(wrapAad(vaultId, method.id, 'token')) }));
    if (vmk.length !== 32) throw new CustosError('E_AUTH_FAILED', 'The token did not return a vault key.');
    return vmk;
  } catch (e) {
    if (e instanceof CustosError && e.code === 'E_NOT_FOUND') throw new CustosError('E_AUTH_FAILED', `Token ${method.serial} does not hold this vault's unlock key (it was removed, or this is another token).`);
    throw e;
  }
}
