import { randomBytes } from 'node:crypto';
import type { SignMechanismId } from '../../src-shared/contract.js';
import type { AlgorithmId } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';
import { defaultSignMechanism } from '../keys/mechanisms.js';
import { softwareVerify } from '../keys/software-sign.js';
import type { TokenService } from '../pkcs11/service.js';

/**
 * Proof that a person holds their smart card: the card signs a fresh challenge with the
 * registered key (after C_Login with the PIN, on the token), and Custos verifies the signature in
 * software against the public key stored at registration. The challenge is 32 random bytes behind
 * a context line naming the purpose, the vault, the user and the card, so a signature made for one
 * of them proves nothing for another, and none is ever asked for twice.
 */

export type CardPurpose = 'login' | 'register';

export function cardChallenge(purpose: CardPurpose, vaultId: string, user: string, serial: string, nonce: Uint8Array): Buffer {
  if (nonce.byteLength !== 32) throw new CustosError('E_INTERNAL', 'A card challenge needs 32 random bytes.');
  const context = `custos/v1/card-${purpose}\nvault:${vaultId}\nuser:${user.toLowerCase()}\ncard:${serial}\nnonce:`;
  return Buffer.concat([Buffer.from(context, 'utf8'), nonce]);
}

/** The mechanism a card key signs challenges with (the algorithm's default); symmetric keys cannot be cards. */
export function cardMechanism(algorithm: string): SignMechanismId {
  const mech = (() => {
    try {
      return defaultSignMechanism(algorithm as AlgorithmId);
    } catch {
      return null;
    }
  })();
  if (!mech || mech === 'hmac-sha256') throw new CustosError('E_INPUT', `A ${algorithm} key cannot be a login card: it needs a key pair that signs (RSA, EC or Ed25519).`);
  return mech;
}

export interface CardKey {
  serial: string;
  ckaId: string;
  algorithm: string;
  spki: Buffer;
  fingerprint: string;
}

/**
 * Logs in to the card with the PIN, has it sign a fresh challenge with the key, and verifies the
 * signature against `key.spki`. Throws E_AUTH_FAILED for a wrong PIN, a card without the key, or a
 * key other than the registered one; E_NOT_FOUND when the card is not inserted. A card that was
 * not logged in before is logged out afterwards, so the PIN's effect ends with the proof.
 */
export async function proveCard(tokens: TokenService, key: CardKey, who: { purpose: CardPurpose; vaultId: string; user: string }, pin: string | null): Promise<{ mechanism: SignMechanismId }> {
  const mechanism = cardMechanism(key.algorithm);
  let client;
  try {
    client = await tokens.clientForToken(key.serial);
  } catch (e) {
    if (e instanceof CustosError && e.code === 'E_NOT_FOUND') {
      throw new CustosError('E_NOT_FOUND', `The card registered for ${who.user} (serial ${key.serial}) is not inserted. Insert that card and try again.`);
    }
    throw e;
  }
  const wasLoggedIn = (await client.tokenInfo(key.serial)).loggedIn;
  await client.login(key.serial, pin);
  try {
    const message = cardChallenge(who.purpose, who.vaultId, who.user, key.serial, randomBytes(32));
    let signature: Uint8Array;
    try {
      signature = await client.sign({ serial: key.serial, ckaId: key.ckaId }, mechanism, message);
    } catch (e) {
      if (e instanceof CustosError && (e.code === 'E_NOT_FOUND' || e.code === 'E_INPUT')) {
        throw new CustosError('E_AUTH_FAILED', `The card with serial ${key.serial} does not hold the key registered for ${who.user} (CKA_ID ${key.ckaId}). Is it the right card?`);
      }
      throw e;
    }
    if (!softwareVerify(mechanism, key.spki, message, Buffer.from(signature))) {
      throw new CustosError('E_AUTH_FAILED', `The card's signature does not verify with the key registered for ${who.user} (fingerprint ${key.fingerprint.slice(0, 16)}…): the key on the card is not the registered one.`);
    }
    return { mechanism };
  } finally {
    if (!wasLoggedIn) await client.logout(key.serial).catch(() => undefined);
  }
}
