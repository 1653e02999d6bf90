// Test-only: certificate chains made by the openssl command line, for trust, findings and TLS tests.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

const run = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export interface MadeCert {
  pem: string;
  der: Buffer;
  keyPem: string;
  keyFile: string;
  certFile: string;
}

function read(dir: string, name: string): MadeCert {
  const pem = readFileSync(join(dir, `${name}.pem`), 'utf8');
  return { pem, der: Buffer.from(new X509Certificate(pem).raw), keyPem: readFileSync(join(dir, `${name}.key`), 'utf8'), keyFile: join(dir, `${name}.key`), certFile: join(dir, `${name}.pem`) };
}

type KeyKind = 'rsa' | 'rsa-1024' | 'ec';
const keyArgs = (key: KeyKind) => (key === 'rsa' ? ['-newkey', 'rsa:2048'] : key === 'rsa-1024' ? ['-newkey', 'rsa:1024'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);

/** A self-signed CA (BasicConstraints cA, keyCertSign). */
export function makeCa(dir: string, name: string, o: { key?: KeyKind; days?: number; subject?: string; md?: string } = {}): MadeCert {
  run(['req', '-x509', ...keyArgs(o.key ?? 'ec'), `-${o.md ?? 'sha256'}`, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', o.subject ?? `/CN=${name}`, '-days', String(o.days ?? 365),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return read(dir, name);
}

/** A certificate issued by `ca`; `key` may name an existing key file to certify the same key again. */
export function makeIssued(dir: string, name: string, ca: MadeCert, o: { key?: KeyKind; reuseKey?: string; md?: string; days?: number; ext?: string; subject?: string } = {}): MadeCert {
  const ext = o.ext ?? 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';
  writeFileSync(join(dir, `${name}.ext`), ext);
  const keyOpt = o.reuseKey ? ['-key', o.reuseKey] : [...keyArgs(o.key ?? 'ec'), '-nodes', '-keyout', `${name}.key`];
  run(['req', '-new', ...keyOpt, '-subj', o.subject ?? `/CN=${name}`, '-out', `${name}.csr`], dir);
  if (o.reuseKey) writeFileSync(join(dir, `${name}.key`), readFileSync(o.reuseKey));
  run(['x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', String(o.days ?? 90), `-${o.md ?? 'sha256'}`, '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  return read(dir, name);
}
