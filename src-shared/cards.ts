import { z } from 'zod';
import { userNameSchema } from './users.js';

/**
 * Smart-card login for people (issue 4): a key pair on a PKCS#11 token, registered for a user by
 * an administrator (a user change under dual control). Sign-in: the card signs a fresh challenge
 * after C_Login with its PIN, and the core verifies the signature against the registered public key.
 */

export const cardSerialSchema = z.string().trim().min(1, 'The card (token) serial is required.').max(64);
/** The key on the card: its id in the inventory, or its CKA_ID on the token (lowercase hex). */
export const cardKeySchema = z.string().regex(/^(?:[0-9a-f]{2}){1,64}$/, 'The key is an inventory key id or a CKA_ID: lowercase hex, up to 128 characters.');
/** The card's user PIN; null to use the reader's PIN pad. Never stored, never logged. */
export const cardPinSchema = z.string().min(1, 'Enter the card PIN.').max(256).nullable();

export const userCardSchema = z.object({
  user: z.string(),
  serial: z.string(),
  ckaId: z.string(),
  keyId: z.string().nullable(),
  algorithm: z.string(),
  fingerprint: z.string(),
  registeredAt: z.string(),
  registeredBy: z.string(),
});
export type UserCard = z.infer<typeof userCardSchema>;

/** `serial` names the card in the reader; left out, the card registered for the user is expected. */
export const cardLoginInputSchema = z.object({ user: userNameSchema, serial: cardSerialSchema.optional(), pin: cardPinSchema }).strict();
export const setCardInputSchema = z.object({ name: userNameSchema, serial: cardSerialSchema, key: cardKeySchema, pin: cardPinSchema }).strict();
