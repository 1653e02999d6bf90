import { ALGORITHMS, defaultUsageMask, type AlgorithmId, type KeyState, type KeyStore } from '../../src-shared/keys.js';
import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';

/**
 * A synthetic key estate, deterministic from a seed: the same seed gives the same keys, so tests
 * can know their answers and benchmarks are repeatable. Only metadata and random fingerprints:
 * no key material of any kind is made here (demo certificates, made by seed.ts for a few keys,
 * carry real public keys whose private halves are dropped at once).
 */

/** A small fast PRNG (mulberry32): plenty for a demo, never for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): (r: number) => T {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let s = 0;
  for (const [, w] of entries) cum.push((s += w / total));
  return (r) => {
    for (let i = 0; i < cum.length; i++) if (r < cum[i]!) return entries[i]![0];
    return entries[entries.length - 1]![0];
  };
}

const pickAlgorithm = weighted<AlgorithmId>([
  ['ec-p256', 30],
  ['rsa-2048', 20],
  ['rsa-3072', 7],
  ['rsa-4096', 4],
  ['ec-p384', 8],
  ['ec-p521', 1],
  ['ed25519', 9],
  ['aes-256', 12],
  ['aes-128', 6],
  ['hmac-sha256', 3],
]);

const pickState = weighted<KeyState>([
  ['active', 70],
  ['pre-active', 3],
  ['suspended', 2],
  ['deactivated', 14],
  ['compromised', 1],
  ['destroyed', 9],
  ['destroyed-compromised', 1],
]);

const pickStore = weighted<KeyStore>([
  ['vault', 68],
  ['token', 16],
  ['external', 16],
]);

export const DEMO_TOKENS = [
  { serial: 'DEMO0000HSM00001', label: 'Payments HSM' },
  { serial: 'DEMO0000HSM00002', label: 'PKI HSM' },
  { serial: 'DEMO0000YUBI0003', label: 'Release signing key' },
] as const;

const ASYMMETRIC_PURPOSES = weighted<string | null>([
  ['tls-server', 34],
  ['tls-client', 14],
  ['ssh', 12],
  ['device-identity', 8],
  ['code-signing', 5],
  ['document-signing', 4],
  ['ca-intermediate', 1],
  ['ca-root', 0.3],
  [null, 12],
]);
const SYMMETRIC_PURPOSES = weighted<string | null>([
  ['data-encryption', 60],
  ['key-wrapping', 25],
  [null, 15],
]);

export const DEMO_TEAMS = [
  'payments', 'identity', 'platform', 'data', 'mobile', 'web', 'billing', 'risk', 'search', 'messaging',
  'storage', 'network', 'security', 'hr-systems', 'finance', 'analytics', 'devices', 'partners', 'support', 'research',
] as const;

export const DEMO_TAGS = ['prod', 'staging', 'dev', 'pci', 'gdpr', 'eu', 'us', 'apac', 'legacy', 'hsm-migration', 'customer-facing', 'internal'] as const;

/** One synthetic key: what seed.ts writes to keys, key_versions and key_tags. */
export interface SynthKey {
  algorithm: AlgorithmId;
  state: KeyState;
  store: KeyStore;
  token: (typeof DEMO_TOKENS)[number] | null;
  purpose: string | null;
  usageMask: number;
  owner: string | null;
  tags: string[];
  name: string;
  createdAt: number;
  fingerprint: string | null;
  kcv: string | null;
  origin: 'generated' | 'discovered' | 'imported';
  extractable: boolean;
  /** Weak-key analysis finding to record, if any. */
  weak: { rule: string; severity: 'critical' | 'error' | 'warning'; title: string; detail: string } | null;
  /** Give this key a demo certificate (tls/code-signing EC P-256 keys, about one in sixty). */
  certificate: boolean;
}

const HEX = '0123456789abcdef';
function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[(r() * 16) | 0];
  return s;
}

const SHORT: Record<string, string> = {
  'tls-server': 'tls',
  'tls-client': 'mtls',
  ssh: 'ssh',
  'device-identity': 'device',
  'code-signing': 'codesign',
  'document-signing': 'docsign',
  'ca-intermediate': 'ica',
  'ca-root': 'root-ca',
  'data-encryption': 'dek',
  'key-wrapping': 'kek',
};

const YEAR = 365.25 * 86_400_000;

function usageFor(algorithm: AlgorithmId, purpose: string | null): number {
  const family = ALGORITHMS[algorithm].family;
  if (purpose === 'ca-root' || purpose === 'ca-intermediate') return U.Sign | U.Verify | U.CertificateSign | U.CRLSign;
  if (purpose === 'key-wrapping') return U.WrapKey | U.UnwrapKey;
  if (purpose === 'data-encryption') return U.Encrypt | U.Decrypt;
  return defaultUsageMask(family);
}

/**
 * The i-th of `total` keys, drawing from `r`, as of `now` (ms). Ages: mostly under three years,
 * a tail to six; most active keys are young enough that cryptoperiods end over the coming months.
 */
export function synthKey(r: () => number, i: number, total: number, now: number): SynthKey {
  const algorithm = pickAlgorithm(r());
  const info = ALGORITHMS[algorithm];
  let state = pickState(r());
  let store = pickStore(r());
  // Symmetric keys are never "external" (a TLS scan or a certificate only reveals public keys).
  if (info.symmetric && store === 'external') store = 'vault';
  if (store === 'external' && (state === 'pre-active' || state === 'suspended')) state = 'active';
  const token = store === 'token' ? DEMO_TOKENS[(r() * DEMO_TOKENS.length) | 0]! : null;
  const purpose = info.symmetric ? SYMMETRIC_PURPOSES(r()) : ASYMMETRIC_PURPOSES(r());
  const team = DEMO_TEAMS[(r() * r() * DEMO_TEAMS.length) | 0]!;
  const owner = r() < 0.1 ? null : `team-${team}`;
  const tags: string[] = [];
  const env = r();
  tags.push(env < 0.6 ? 'prod' : env < 0.85 ? 'staging' : 'dev');
  const extra = r();
  if (extra < 0.15) tags.push('pci');
  else if (extra < 0.25) tags.push('gdpr');
  if (r() < 0.3) tags.push(['eu', 'us', 'apac'][(r() * 3) | 0]!);
  if (r() < 0.05) tags.push('legacy');
  // Ages: the estate grew over time, so keys come oldest first (the i-th of `total` at quantile
  // i/total of an exponential age with a mean of ~1.2 years, capped at 6). Chronological order
  // also makes every (column, created_at) index grow at its end while seeding.
  const q = 1 - (i % total + r()) / total;
  const age = Math.min(6 * YEAR, -Math.log(1 - q * 0.993) * 1.2 * YEAR);
  const createdAt = Math.floor(now - age);
  const fingerprint = info.symmetric ? null : hex(r, 64);
  const kcv = info.family === 'aes' && store === 'vault' ? hex(r, 6) : null;
  const origin = store === 'external' ? 'discovered' : r() < 0.08 ? 'imported' : 'generated';
  const extractable = store === 'vault' ? true : store === 'external';
  let weak: SynthKey['weak'] = null;
  const w = r();
  if (info.family === 'rsa' && w < 0.004) weak = { rule: 'rsa-roca', severity: 'critical', title: 'ROCA-vulnerable RSA key (CVE-2017-15361)', detail: 'The modulus has the structure of Infineon RSALib keys (demo data).' };
  else if (info.family === 'rsa' && w < 0.006) weak = { rule: 'rsa-shared-prime', severity: 'critical', title: 'RSA modulus shares a prime with another key', detail: 'Batch GCD found a common prime with another modulus (demo data).' };
  else if (info.family === 'rsa' && w < 0.02) weak = { rule: 'rsa-exponent', severity: 'warning', title: 'Unsafe RSA public exponent', detail: 'The public exponent is 3, not 65537 (demo data).' };
  else if (info.family === 'ec' && w < 0.001) weak = { rule: 'ec-point', severity: 'error', title: 'Invalid EC public point', detail: 'The public point is not on the curve (demo data).' };
  const certificate = algorithm === 'ec-p256' && store !== 'token' && (purpose === 'tls-server' || purpose === 'tls-client' || purpose === 'code-signing') && r() < 0.035;
  const name = `${team}-${SHORT[purpose ?? ''] ?? (info.symmetric ? 'secret' : 'key')}-${i.toString(36).padStart(5, '0')}`;
  return { algorithm, state, store, token, purpose, usageMask: usageFor(algorithm, purpose), owner, tags, name, createdAt, fingerprint, kcv, origin, extractable, weak, certificate };
}
