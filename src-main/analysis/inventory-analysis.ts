import { createPublicKey } from 'node:crypto';
import type { Db } from '../vault/database.js';
import { analyzeRsaPublicKey, checkCurveAllowed, checkEcPublicPoint, checkEd25519PublicKey, defaultBatchGcdWorker, findSharedFactors, sharedFactorFinding, type AnalysisFinding } from './index.js';

export interface KeyAnalysis {
  keyId: string;
  keyName: string;
  findings: Array<Omit<AnalysisFinding, 'factor'> & { factored: boolean }>;
}

const b64u = (s: string) => Buffer.from(s, 'base64url');
const toBig = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);

/**
 * Runs every per-key check on each public key of the inventory and one batch GCD over all RSA
 * moduli. A factor found is reported only as "factored": it is a secret of that key's owner and
 * stays out of outputs, logs and the audit trail.
 */
export async function analyzeInventory(db: Db, options: { workerScript?: string | null; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {}): Promise<KeyAnalysis[]> {
  const rows = db.prepare("SELECT k.id, k.name, v.public_spki AS spki FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE v.public_spki IS NOT NULL AND k.state NOT IN ('destroyed', 'destroyed-compromised')").all() as Array<{ id: string; name: string; spki: Buffer }>;
  const out = new Map<string, KeyAnalysis>();
  const rsa: Array<{ id: string; n: bigint }> = [];
  const add = (id: string, name: string, findings: AnalysisFinding[]) => {
    const a = out.get(id) ?? { keyId: id, keyName: name, findings: [] };
    for (const f of findings) a.findings.push({ check: f.check, severity: f.severity, message: f.message, factored: f.factor !== undefined });
    out.set(id, a);
  };
  rows.forEach((r, i) => {
    const jwk = createPublicKey({ key: r.spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
    if (jwk.kty === 'RSA') {
      const n = toBig(b64u(jwk.n!));
      rsa.push({ id: r.id, n });
      add(r.id, r.name, analyzeRsaPublicKey(n, toBig(b64u(jwk.e!))));
    } else if (jwk.kty === 'EC') {
      const curve = jwk.crv as 'P-256' | 'P-384' | 'P-521';
      add(r.id, r.name, [...checkCurveAllowed(curve), ...checkEcPublicPoint(curve, Buffer.concat([Buffer.from([4]), b64u(jwk.x!), b64u(jwk.y!)]))]);
    } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
      add(r.id, r.name, checkEd25519PublicKey(b64u(jwk.x!)));
    }
    options.onProgress?.(i + 1, rows.length + 1);
  });
  if (rsa.length > 1) {
    const shared = await findSharedFactors(
      rsa.map((k) => k.n),
      { workerScript: (options.workerScript === undefined ? defaultBatchGcdWorker() : options.workerScript) ?? undefined, signal: options.signal },
    );
    for (const s of shared) add(rsa[s.index]!.id, rows.find((r) => r.id === rsa[s.index]!.id)!.name, [sharedFactorFinding(s)]);
  }
  options.onProgress?.(rows.length + 1, rows.length + 1);
  return [...out.values()].filter((a) => a.findings.length > 0);
}
