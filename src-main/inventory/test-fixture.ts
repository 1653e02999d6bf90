import { createHash } from 'node:crypto';
import { ALGORITHMS, defaultUsageMask, type AlgorithmId, type KeyState } from '../../src-shared/keys.js';
import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';
import type { UnlockedVault } from '../vault/vault.js';

/**
 * A small inventory with known answers for the tests of src-main/inventory and src-main/report:
 * keys written straight into the tables (as the seeder and discovery do), so that every
 * attribute — dates above all — is exactly what the test says.
 */

export interface FixtureKey {
  name: string;
  algorithm: AlgorithmId;
  state: KeyState;
  store?: 'vault' | 'token' | 'external';
  token?: string;
  purpose?: string | null;
  owner?: string | null;
  tags?: string[];
  createdAt: string;
  fingerprint?: string;
  kcv?: string;
  demo?: boolean;
  finding?: { rule: string; severity: 'info' | 'warning' | 'error' | 'critical' };
  certificate?: { notAfter: string; finding?: { rule: string; severity: 'warning' | 'error' } };
}

export const FIXTURE_NOW = new Date('2026-06-01T00:00:00.000Z');

/** Eleven keys; comments give the due date the SP 800-57 pack implies. */
export const FIXTURE: readonly FixtureKey[] = [
  { name: 'web-tls-1', algorithm: 'ec-p256', state: 'active', purpose: 'tls-server', owner: 'team-web', tags: ['prod', 'pci'], createdAt: '2025-01-15T10:00:00.000Z', fingerprint: 'ab12' + '0'.repeat(60) }, // due 2027-01-15
  { name: 'Web-TLS-2', algorithm: 'ec-p256', state: 'active', purpose: 'tls-server', owner: 'Team-Web', tags: ['staging'], createdAt: '2023-03-01T00:00:00.000Z' }, // due 2025-03-01 (overdue)
  { name: 'root-ca', algorithm: 'rsa-4096', state: 'active', purpose: 'ca-root', owner: 'team-pki', tags: ['prod'], createdAt: '2024-06-01T00:00:00.000Z' }, // due 2027-06-01
  { name: 'hsm-sign', algorithm: 'ec-p384', state: 'active', store: 'token', token: 'SER1', purpose: 'code-signing', owner: 'team-release', createdAt: '2026-01-01T00:00:00.000Z' }, // due 2029-01-01
  { name: 'ext-rsa', algorithm: 'rsa-2048', state: 'active', store: 'external', purpose: 'tls-server', owner: null, createdAt: '2022-01-01T00:00:00.000Z', finding: { rule: 'rsa-roca', severity: 'critical' } }, // due 2024-01-01 (overdue)
  { name: 'dek-1', algorithm: 'aes-256', state: 'active', purpose: 'data-encryption', owner: 'team-data', tags: ['gdpr'], createdAt: '2026-05-01T00:00:00.000Z', kcv: 'c0ffee' }, // due 2028-05-01
  { name: 'dek-old', algorithm: 'aes-128', state: 'deactivated', purpose: 'data-encryption', owner: 'team-data', createdAt: '2020-01-01T00:00:00.000Z' },
  { name: 'ssh-gone', algorithm: 'ed25519', state: 'destroyed', purpose: 'ssh', owner: 'team-ops', createdAt: '2021-01-01T00:00:00.000Z' },
  { name: 'pre', algorithm: 'ed25519', state: 'pre-active', purpose: null, owner: null, createdAt: '2026-05-31T00:00:00.000Z' },
  { name: 'demo-client', algorithm: 'ec-p256', state: 'active', purpose: 'tls-client', owner: 'team-web', tags: ['prod'], createdAt: '2026-02-01T00:00:00.000Z', demo: true, certificate: { notAfter: '2026-06-20T00:00:00.000Z', finding: { rule: 'cert-expiring', severity: 'warning' } } }, // due 2028-02-01
  { name: 'compromised-1', algorithm: 'rsa-2048', state: 'compromised', store: 'token', token: 'SER2', purpose: 'device-identity', owner: 'team-iot', createdAt: '2025-06-01T00:00:00.000Z' },
];

function usageFor(k: FixtureKey): number {
  if (k.purpose === 'ca-root') return U.Sign | U.Verify | U.CertificateSign | U.CRLSign;
  if (k.purpose === 'data-encryption') return U.Encrypt | U.Decrypt;
  return defaultUsageMask(ALGORITHMS[k.algorithm].family);
}

/** Writes the keys (ids are sha256(name)[0..32]) and returns name → id. */
export function insertFixture(vault: UnlockedVault, keys: readonly FixtureKey[] = FIXTURE): Map<string, string> {
  const db = vault.db;
  const ids = new Map<string, string>();
  db.transaction(() => {
    for (const k of keys) {
      const id = createHash('sha256').update(k.name).digest('hex').slice(0, 32);
      ids.set(k.name, id);
      const info = ALGORITHMS[k.algorithm];
      const store = k.store ?? 'vault';
      const fingerprint = info.symmetric ? null : (k.fingerprint ?? createHash('sha256').update(`fp ${k.name}`).digest('hex'));
      db.prepare(
        `INSERT INTO keys (id, name, algorithm, family, size, curve, store, current_version, state, fingerprint, kcv, created_at, created_by,
                           usage_mask, origin, extractable, token_serial, token_cka_id, token_label, token_module, purpose, owner, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id, k.name, k.algorithm, info.family, info.size, info.curve, store, k.state, fingerprint, k.kcv ?? null, k.createdAt, k.demo ? 'demo' : 'alice',
        usageFor(k), store === 'external' ? 'discovered' : 'generated', store === 'token' ? 0 : 1, k.token ?? null, k.token ? id.slice(0, 8) : null, k.token ? k.name : null, k.token ? 'test' : null,
        k.purpose ?? null, k.owner ?? null, k.tags?.length ? `,${[...k.tags].sort().join(',')},` : null,
      );
      db.prepare('INSERT INTO key_versions (key_id, version, state, generated_at, activation_at) VALUES (?, 1, ?, ?, ?)').run(id, k.state, k.createdAt, k.state === 'pre-active' ? null : k.createdAt);
      for (const t of k.tags ?? []) db.prepare('INSERT INTO key_tags (tag, key_id) VALUES (?, ?)').run(t, id);
      const now = FIXTURE_NOW.toISOString();
      if (k.finding) db.prepare("INSERT INTO analysis_findings (key_id, source, rule, severity, title, found_at) VALUES (?, 'weak-keys', ?, ?, ?, ?)").run(id, k.finding.rule, k.finding.severity, k.finding.rule, now);
      if (k.certificate) {
        const certId = createHash('sha256').update(`cert ${k.name}`).digest('hex').slice(0, 32);
        db.prepare(
          `INSERT INTO certificates (id, fingerprint, der, subject, issuer, serial, not_before, not_after, signature_algorithm, spki_fingerprint, profile, trust, is_ca, first_seen_at)
           VALUES (?, ?, x'3000', ?, 'CN=Test CA', '01', ?, ?, 'ecdsa-with-SHA256', ?, 'tls-client', 'private', 0, ?)`,
        ).run(certId, certId + certId, `CN=${k.name}`, k.createdAt, k.certificate.notAfter, fingerprint, now);
        if (k.certificate.finding) db.prepare("INSERT INTO analysis_findings (certificate_id, source, rule, severity, title, found_at) VALUES (?, 'certificates', ?, ?, ?, ?)").run(certId, k.certificate.finding.rule, k.certificate.finding.severity, k.certificate.finding.rule, now);
      }
    }
  })();
  return ids;
}
