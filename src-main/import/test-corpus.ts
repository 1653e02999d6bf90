import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test-only: a corpus of key and certificate files in every format the importer reads, made with
 * openssl, ssh-keygen and Node at test time, each with the outcome a fresh import must give.
 */
export interface CorpusFile {
  name: string;
  bytes: Buffer;
  /** The outcome of importing it into a vault that has none of it, without a passphrase. */
  outcome: 'imported' | 'unsupported' | 'malformed' | 'password-needed' | 'wrong-password' | 'duplicate';
  passphrase?: string;
}

export const PASSPHRASE = 'correct horse battery';

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: 'pipe' });
}

export function buildCorpus(): { files: CorpusFile[]; keys: { rsa: KeyObject; ec: KeyObject } } {
  const dir = mkdtempSync(join(tmpdir(), 'custos-corpus-'));
  try {
    const r = (f: string) => readFileSync(join(dir, f));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    writeFileSync(join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'ec.pem'), ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'ext.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n[srv]\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.org\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    run('openssl', ['req', '-x509', '-new', '-key', 'ec.pem', '-subj', '/CN=Example Root', '-days', '365', '-config', 'ext.cnf', '-extensions', 'ca', '-out', 'ca.pem'], dir);
    run('openssl', ['req', '-new', '-key', 'rsa.pem', '-subj', '/CN=www.example.org', '-config', 'ext.cnf', '-out', 'www.csr'], dir);
    run('openssl', ['x509', '-req', '-in', 'www.csr', '-CA', 'ca.pem', '-CAkey', 'ec.pem', '-CAcreateserial', '-days', '90', '-extfile', 'ext.cnf', '-extensions', 'srv', '-out', 'www.pem'], dir);
    run('openssl', ['x509', '-in', 'www.pem', '-outform', 'DER', '-out', 'www.der'], dir);
    run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', 'www.pem', '-certfile', 'ca.pem', '-out', 'bundle.p7b'], dir);
    run('openssl', ['pkcs12', '-export', '-inkey', 'rsa.pem', '-in', 'www.pem', '-certfile', 'ca.pem', '-passout', `pass:${PASSPHRASE}`, '-out', 'www.p12'], dir);
    run('openssl', ['pkcs12', '-export', '-nokeys', '-in', 'ca.pem', '-passout', 'pass:', '-out', 'ca-only.p12'], dir);
    run('openssl', ['pkcs12', '-export', '-legacy', '-inkey', 'rsa.pem', '-in', 'www.pem', '-passout', `pass:${PASSPHRASE}`, '-out', 'legacy.p12'], dir);
    run('openssl', ['pkcs8', '-topk8', '-in', 'ec.pem', '-passout', `pass:${PASSPHRASE}`, '-out', 'ec-enc.pem'], dir);
    run('openssl', ['pkcs8', '-topk8', '-in', 'ec.pem', '-passout', `pass:${PASSPHRASE}`, '-outform', 'DER', '-out', 'ec-enc.der'], dir);
    run('openssl', ['ec', '-in', 'ec.pem', '-out', 'ec-sec1.pem'], dir);
    run('openssl', ['rsa', '-in', 'rsa.pem', '-traditional', '-out', 'rsa-pkcs1.pem'], dir);
    run('openssl', ['rsa', '-in', 'rsa.pem', '-RSAPublicKey_out', '-out', 'rsa-pkcs1-pub.pem'], dir);
    run('ssh-keygen', ['-t', 'ed25519', '-N', '', '-C', 'deploy@example', '-f', 'id_ed25519', '-q'], dir);
    run('ssh-keygen', ['-t', 'ecdsa', '-b', '384', '-N', PASSPHRASE, '-f', 'id_ecdsa_enc', '-q'], dir);
    writeFileSync(join(dir, 'id_ed25519.ssh2'), execFileSync('ssh-keygen', ['-e', '-f', join(dir, 'id_ed25519.pub')]));
    // Finite-field DH (a named group, so no parameter generation): a public key not even the inventory-only algorithms cover.
    run('openssl', ['genpkey', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', 'dh.pem'], dir);
    run('openssl', ['pkey', '-in', 'dh.pem', '-pubout', '-out', 'dh.pub.pem'], dir);
    const jwks = { keys: [{ ...ed.publicKey.export({ format: 'jwk' }), kid: 'signing-2026' }, { ...ec384.publicKey.export({ format: 'jwk' }), kid: 'ec384' }] };
    const files: CorpusFile[] = [
      { name: 'www.pem', bytes: r('www.pem'), outcome: 'imported' },
      { name: 'www.der', bytes: r('www.der'), outcome: 'duplicate' },
      { name: 'bundle.p7b', bytes: r('bundle.p7b'), outcome: 'imported' },
      { name: 'www.csr', bytes: r('www.csr'), outcome: 'duplicate' },
      { name: 'rsa-pkcs1-pub.pem', bytes: r('rsa-pkcs1-pub.pem'), outcome: 'duplicate' },
      { name: 'www.p12', bytes: r('www.p12'), outcome: 'password-needed', passphrase: PASSPHRASE },
      { name: 'ca-only.p12', bytes: r('ca-only.p12'), outcome: 'duplicate' },
      { name: 'legacy.p12', bytes: r('legacy.p12'), outcome: 'password-needed', passphrase: PASSPHRASE },
      { name: 'ec-enc.pem', bytes: r('ec-enc.pem'), outcome: 'password-needed', passphrase: PASSPHRASE },
      { name: 'ec-enc.der', bytes: r('ec-enc.der'), outcome: 'password-needed', passphrase: PASSPHRASE },
      { name: 'ec-sec1.pem', bytes: r('ec-sec1.pem'), outcome: 'duplicate' },
      { name: 'rsa-pkcs1.pem', bytes: r('rsa-pkcs1.pem'), outcome: 'duplicate' },
      { name: 'id_ed25519', bytes: r('id_ed25519'), outcome: 'imported' },
      { name: 'id_ed25519.pub', bytes: r('id_ed25519.pub'), outcome: 'duplicate' },
      { name: 'id_ed25519.ssh2', bytes: r('id_ed25519.ssh2'), outcome: 'duplicate' },
      { name: 'id_ecdsa_enc', bytes: r('id_ecdsa_enc'), outcome: 'password-needed', passphrase: PASSPHRASE },
      { name: 'keys.jwks', bytes: Buffer.from(JSON.stringify(jwks)), outcome: 'imported' },
      // RSA-1024 enters the inventory as an inventory-only algorithm (rsa-1024), so the analysis and the policy can judge it.
      { name: 'short-rsa.pub.pem', bytes: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as Buffer, outcome: 'imported' },
      { name: 'dh.pub.pem', bytes: r('dh.pub.pem'), outcome: 'unsupported' },
      { name: 'notes.txt', bytes: Buffer.from('just some notes\n'), outcome: 'unsupported' },
      { name: 'broken.pem', bytes: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB!!notbase64\n-----END CERTIFICATE-----\n'), outcome: 'malformed' },
      { name: 'truncated.der', bytes: r('www.der').subarray(0, 200), outcome: 'malformed' },
    ];
    // Ordered so that the first file brings each key: later files of the same key are duplicates.
    files.sort((a, b) => order(a.name) - order(b.name));
    return { files, keys: { rsa: rsa.publicKey, ec: ec.publicKey } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ORDER = ['www.pem', 'www.der', 'bundle.p7b', 'ca-only.p12', 'www.csr', 'rsa-pkcs1-pub.pem', 'rsa-pkcs1.pem', 'ec-sec1.pem', 'id_ed25519', 'id_ed25519.pub', 'id_ed25519.ssh2'];
function order(name: string): number {
  const i = ORDER.indexOf(name);
  return i === -1 ? 100 : i;
}
