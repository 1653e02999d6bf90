import { hash, hashRaw, verify } from '@node-rs/argon2';

// @node-rs/argon2 exports Algorithm as a const enum, which isolated modules cannot read; 2 is Argon2id.
const ARGON2ID = 2;
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CustosError } from '../errors.js';

/**
 * Argon2id parameters as stored beside each passphrase-wrapped secret. The floor follows OWASP's
 * minimum Argon2id configuration (19 MiB, 2 passes); anything weaker in a header is treated as
 * tampering rather than honoured.
 */
export const kdfParamsSchema = z.object({
  alg: z.literal('argon2id'),
  memoryKiB: z.number().int().min(19_456).max(4_194_304),
  iterations: z.number().int().min(2).max(64),
  parallelism: z.number().int().min(1).max(16),
  salt: z.string().regex(/^[A-Za-z0-9+/]{22,}={0,2}$/),
});
export type KdfParams = z.infer<typeof kdfParamsSchema>;

export interface KdfCost {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** Default cost: 64 MiB, 3 passes — about half a second on the build machines. */
export const DEFAULT_KDF_COST: KdfCost = { memoryKiB: 65_536, iterations: 3, parallelism: 1 };
/** The weakest cost we accept; tests use it to stay fast, products never need to go lower. */
export const MINIMUM_KDF_COST: KdfCost = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };

export function newKdfParams(cost: KdfCost = DEFAULT_KDF_COST): KdfParams {
  return kdfParamsSchema.parse({ alg: 'argon2id', ...cost, salt: randomBytes(16).toString('base64') });
}

/**
 * Derives 32 bytes from a passphrase. Runs on libuv's thread pool (the binding is asynchronous),
 * so a half-second derivation never blocks the main thread.
 */
export async function derivePassphraseKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const checked = kdfParamsSchema.safeParse(params);
  if (!checked.success) throw new CustosError('E_HEADER_TAMPERED', 'The stored key-derivation parameters are invalid; the vault header may have been altered.');
  const pw = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  try {
    const out = await hashRaw(pw, {
      algorithm: ARGON2ID,
      memoryCost: params.memoryKiB,
      timeCost: params.iterations,
      parallelism: params.parallelism,
      outputLen: 32,
      salt: Buffer.from(params.salt, 'base64'),
    });
    return Buffer.from(out);
  } finally {
    pw.fill(0);
  }
}

/**
 * Picks a cost that takes about `targetMs` on this machine: memory fixed at 64 MiB (enough to
 * make GPU guessing expensive), passes raised until the target is met. Never below the default.
 */
export async function calibrateKdfCost(targetMs = 500): Promise<KdfCost> {
  // The first derivation pays for thread-pool start-up and page faults; time the second.
  (await derivePassphraseKey('warm-up', newKdfParams({ ...DEFAULT_KDF_COST, iterations: 2 }))).fill(0);
  const probe: KdfParams = newKdfParams({ ...DEFAULT_KDF_COST, iterations: 4 });
  const t0 = performance.now();
  (await derivePassphraseKey('calibration', probe)).fill(0);
  const perPass = Math.max(1, (performance.now() - t0) / probe.iterations);
  const iterations = Math.min(64, Math.max(DEFAULT_KDF_COST.iterations, Math.round(targetMs / perPass)));
  return { ...DEFAULT_KDF_COST, iterations };
}

/** An Argon2id PHC string for verifying a login passphrase (stored inside the encrypted vault). */
export async function hashLoginPassphrase(passphrase: string, cost: KdfCost): Promise<string> {
  return hash(passphrase.normalize('NFC'), { algorithm: ARGON2ID, memoryCost: cost.memoryKiB, timeCost: cost.iterations, parallelism: cost.parallelism });
}

export async function verifyLoginPassphrase(phc: string, passphrase: string): Promise<boolean> {
  try {
    return await verify(phc, passphrase.normalize('NFC'));
  } catch {
    return false;
  }
}
