import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignMechanismId } from '../../src-shared/contract.js';
import type { AlgorithmId } from '../../src-shared/keys.js';
import { defaultSignMechanism } from '../keys/mechanisms.js';
import { softwareSign } from '../keys/software-sign.js';
import type { CertSigner } from './signer.js';

/** Test helpers: software keys made by Node, signed the way the core signs vault keys. */

export function generate(algorithm: AlgorithmId): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (algorithm) {
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return generateKeyPairSync('rsa', { modulusLength: Number(algorithm.slice(4)) });
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ec-p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    default:
      throw new Error(`no test key for ${algorithm}`);
  }
}

export interface TestSigner {
  signer: CertSigner;
  calls: Uint8Array[];
}

/**
 * A signer whose callback uses softwareSign over the PKCS#8 material, like the vault path. `tamper`
 * makes it sign other bytes, giving a well-formed signature that does not match.
 */
export function softwareSigner(algorithm: AlgorithmId, opts: { mechanism?: SignMechanismId; tamper?: boolean; keys?: { publicKey: KeyObject; privateKey: KeyObject } } = {}): TestSigner {
  const { publicKey, privateKey } = opts.keys ?? generate(algorithm);
  const material = privateKey.export({ type: 'pkcs8', format: 'der' });
  const mechanism = opts.mechanism ?? defaultSignMechanism(algorithm);
  const calls: Uint8Array[] = [];
  const signer: CertSigner = {
    algorithm,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    mechanism: opts.mechanism,
    sign: async (tbs) => {
      calls.push(tbs);
      const data = opts.tamper ? Buffer.concat([Buffer.from(tbs), Buffer.from('tampered')]) : Buffer.from(tbs);
      return new Uint8Array(softwareSign(mechanism, material, data));
    },
  };
  return { signer, calls };
}

export function write(dir: string, name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function openssl(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function opensslOk(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8' });
}
