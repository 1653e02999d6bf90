import { createPublicKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigIntToBytes } from '../analysis/bigint-math.js';

/** What the analysis benches share: planted RSA public keys and the bundled analysis worker. */

/** The DER SubjectPublicKeyInfo of an RSA modulus with e = 65537 (for planted public keys). */
export function rsaSpki(n: bigint): Buffer {
  return createPublicKey({ key: { kty: 'RSA', n: bigIntToBytes(n).toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

/** The analysis worker beside the bench bundle (as in out/main/), bundled from the current source. */
export async function analysisWorker(): Promise<string> {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'batch-gcd-worker.js');
  const { rolldown } = await import('rolldown');
  const b = await rolldown({ input: join(process.cwd(), 'src-main', 'analysis', 'batch-gcd-worker.ts'), platform: 'node', external: (id) => !id.startsWith('.') && !id.startsWith('/'), logLevel: 'silent' });
  await b.write({ file, format: 'esm', codeSplitting: false });
  await b.close();
  return file;
}
