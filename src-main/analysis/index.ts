// Weak-key analysis: pure checks over public key material, each returning AnalysisFinding[].
// See README.md in this folder for the methods and their sources.
import { checkRoca } from './roca.js';
import { checkRsaPublicKey, type RsaCheckOptions } from './rsa-checks.js';
import type { AnalysisFinding } from './findings.js';

export type { AnalysisFinding, Severity } from './findings.js';
export { checkRsaPublicKey, checkRsaSize, checkRsaExponent, checkRsaSmallFactors, checkRsaClosePrimes, fermatFactor, type RsaCheckOptions } from './rsa-checks.js';
export { checkRoca, isRocaVulnerable, rocaFingerprint, rocaDiscreteLog, parseModulusText } from './roca.js';
export { findSharedFactors, explainGcds, sharedFactorFinding, defaultBatchGcdWorker, DEFAULT_CHUNK_SIZE, type BatchGcdOptions, type BatchGcdProgress, type SharedFactorResult } from './batch-gcd.js';
export { checkCurveAllowed, normalizeCurveName, checkEcPublicPoint, checkEd25519PublicKey, decodeEd25519Point, type AllowedCurveName, type WeierstrassCurveName } from './ec-checks.js';
export { isProbablePrime } from './primality.js';

/** Every per-key RSA check, ROCA included (shared primes need the whole inventory: findSharedFactors). */
export function analyzeRsaPublicKey(n: bigint, e: bigint, options: RsaCheckOptions = {}): AnalysisFinding[] {
  return [...checkRsaPublicKey(n, e, options), ...checkRoca(n)];
}
