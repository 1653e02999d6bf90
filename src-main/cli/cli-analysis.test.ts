import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocklistValue, buildBlocklist } from '../analysis/blocklist.js';
import { makeCa, makeIssued } from '../certs/openssl-chain.test-support.js';
import { tempDir } from '../testing/temp.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { UnlockedVault } from '../vault/vault.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'custos');
const PASS = 'orange tractor quietly 42 sings';

let dir: { path: string; cleanup: () => void };
let passFile: string;
let server: Server;
let port = 0;

async function custos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(BIN, args, { env: { PATH: process.env.PATH ?? '', HOME: dir.path } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const auth = () => ['--vault', join(dir.path, 'vault'), '--user', 'alice', '--passphrase-file', passFile];
const spki = (n: bigint) => {
  const hex = n.toString(16);
  return createPublicKey({ key: { kty: 'RSA', n: Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
};

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('Build first: npm run build (npm test does this).');
  dir = tempDir();
  passFile = join(dir.path, 'pass.txt');
  writeFileSync(passFile, `${PASS}\n`, { mode: 0o600 });
  // The vault is made here with the lowest KDF cost the core accepts, so each command's unlock is quick.
  (await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'alice', passphrase: PASS, kdfCost: MINIMUM_KDF_COST })).close();
  const ca = makeCa(dir.path, 'cli-ca');
  const leaf = makeIssued(dir.path, 'cli-leaf', ca);
  server = createServer({ key: leaf.keyPem, cert: leaf.pem + ca.pem }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  dir.cleanup();
});

describe('custos analyze, scan-tls and cbom', () => {
  it('imports a CBOM, analyses with a blocklist, scans a TLS endpoint and exports the inventory', async () => {
    const [p, q1, q2] = [0, 1, 2].map(() => generatePrimeSync(1024, { bigint: true }));
    const leaked = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    const keys = [{ name: 'a', der: spki(p! * q1!) }, { name: 'b', der: spki(p! * q2!) }, { name: 'leaked', der: leaked }];
    const cbomIn = join(dir.path, 'in.cdx.json');
    writeFileSync(cbomIn, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: keys.map((k) => ({ type: 'cryptographic-asset', name: k.name, cryptoProperties: { assetType: 'related-crypto-material', relatedCryptoMaterialProperties: { type: 'public-key', value: k.der.toString('base64') } } })) }));
    const imp = await custos([...auth(), 'cbom', 'import', cbomIn, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    expect((JSON.parse(imp.stdout) as { components: Array<{ outcome: string }> }).components.map((c) => c.outcome)).toEqual(['imported', 'imported', 'imported']);

    const bl = join(dir.path, 'blocklist.dat');
    writeFileSync(bl, buildBlocklist([{ value: blocklistValue(leaked)!, listId: 3 }]));
    const an = await custos([...auth(), 'analyze', '--blocklist', bl, '--json']);
    expect(an.code, an.stderr).toBe(0);
    const findings = JSON.parse(an.stdout) as Array<{ rule: string; keyName: string; severity: string }>;
    expect(findings.map((f) => `${f.rule}:${f.keyName}`).sort()).toEqual(['blocklist:leaked', 'rsa-shared-prime:a', 'rsa-shared-prime:b']);
    expect(an.stdout).not.toContain(p!.toString().slice(0, 20));
    const text = await custos([...auth(), 'analyze']);
    expect(text.stdout).toContain('rsa-shared-prime');
    // A run without --blocklist replaces the weak-key findings and keeps the stored blocklist ones.
    expect(text.stdout).toContain('blocklist');
    expect(text.stdout).toMatch(/2 findings/);
    expect(text.stdout).toMatch(/1 more stored from an earlier blocklist match/);
  });

  it('scans only the listed endpoint and exports a CBOM', async () => {
    const scan = await custos([...auth(), 'scan-tls', `127.0.0.1:${port}`, '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    expect(JSON.parse(scan.stdout)).toEqual([expect.objectContaining({ target: `127.0.0.1:${port}`, outcome: 'recorded' })]);
    const out = join(dir.path, 'out.cdx.json');
    const exp = await custos([...auth(), 'cbom', 'export', '--out', out]);
    expect(exp.code, exp.stderr).toBe(0);
    const bom = JSON.parse(readFileSync(out, 'utf8')) as { specVersion: string; components: Array<{ cryptoProperties: { assetType: string } }> };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components.some((c) => c.cryptoProperties.assetType === 'certificate')).toBe(true);
  });
});
