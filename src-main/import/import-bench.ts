import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { directVault, importPaths } from './importer.js';
import { defaultParser, defaultParseWorker, type FileParser } from './parser.js';
import type { BenchRow } from '../bench/table.js';

/**
 * Import throughput (issue 7): a folder of `count` PEM certificates, each for its own P-256 key,
 * issued by one CA, imported into a fresh vault (every certificate and key recorded and audited).
 * Figures only; nothing asserts.
 */
export async function importBench(count: number, parserFactory: () => FileParser = defaultParser): Promise<BenchRow[]> {
  const dir = tempDir('custos-import-bench-');
  try {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const ca = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
    const folder = join(dir.path, 'certs');
    mkdirSync(folder);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const leaf = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber: (0x1000000 + i).toString(16),
          subject: `CN=host-${i}.example.org`,
          issuer: 'CN=Bench CA',
          notBefore: new Date('2026-01-01T00:00:00Z'),
          notAfter: new Date('2027-01-01T00:00:00Z'),
          signingAlgorithm: alg,
          publicKey: leaf.publicKey,
          signingKey: ca.privateKey,
          extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
        },
        webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1],
      );
      writeFileSync(join(folder, `${String(i).padStart(6, '0')}.pem`), cert.toString('pem'));
    }
    const made = performance.now() - t0;
    const v = await UnlockedVault.create(join(dir.path, 'vault'), { adminName: 'bench', passphrase: 'bench passphrase long', kdfCost: MINIMUM_KDF_COST });
    const parser = parserFactory();
    try {
      const heap0 = process.memoryUsage().rss;
      const t1 = performance.now();
      const out = await importPaths(directVault(v), [folder], { parser });
      const took = (performance.now() - t1) / 1000;
      const imported = out.filter((o) => o.outcome === 'imported').length;
      const rows: Array<[string, string, string]> = [
        ['certificates written (setup)', `${count} in ${(made / 1000).toFixed(1)} s`, '—'],
        [`import (parsing in ${parserFactory === defaultParser && defaultParseWorker() ? 'the parse worker' : 'this thread'})`, `${imported} imported in ${took.toFixed(1)} s`, '—'],
        ['certificates per second', (imported / took).toFixed(0), 'figure for the issue (no goal set)'],
        ['resident memory growth', `${((process.memoryUsage().rss - heap0) / 2 ** 20).toFixed(0)} MiB`, '—'],
      ];
      return rows.map(([what, measured, anchor]) => ({ what, measured, anchor }));
    } finally {
      await parser.close();
      v.close();
    }
  } finally {
    dir.cleanup();
  }
}
