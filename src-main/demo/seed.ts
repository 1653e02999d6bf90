import { randomBytes } from 'node:crypto';
import { ALGORITHMS } from '../../src-shared/keys.js';
import { CustosError } from '../errors.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { Db } from '../vault/database.js';
import { activePolicy } from '../app/policy-service.js';
import { computeDue, refreshDue } from '../inventory/due.js';
import type { PolicyKey } from '../policy/index.js';
import { demoCa, demoCertificate } from './cert-der.js';
import { prng, synthKey, type SynthKey } from './synth.js';

/**
 * `demo seed`: fills a vault with a synthetic estate (synth.ts) fast enough for a million keys.
 *
 * - Batches of BATCH keys with prepared statements, each with ONE audit event ('demo.seed')
 *   naming how many keys it added and the first and last id (each batch a savepoint of one
 *   transaction around the whole seed, which also sets aside per-row triggers and indexes: see
 *   bypass()). Seeded ids
 *   are consecutive (a random run prefix and a counter), so the pair names every key of the batch
 *   exactly. One event per key would add a million audit events — about half a gigabyte and
 *   minutes of hashing — to record keys that are not real; one per batch keeps the trail honest
 *   (everything that was added is accounted for, in the same transaction) and cheap.
 * - Seeded keys are marked by created_by = 'demo' (origin keeps its usual meaning: generated,
 *   discovered, imported), so filters, reports and a person can always tell them apart.
 * - No private or secret material: keys carry random fingerprints (and KCVs) only; about one
 *   TLS/code-signing key in thirty gets a real demo certificate, whose P-256 key pair is made for
 *   it and whose private half is dropped at once.
 * - The due-date cache (keys.due_at) is computed with the policy engine as rows are written.
 */

export interface SeedOptions {
  keys: number;
  /** PRNG seed: the same seed gives the same estate (ids aside). */
  seed?: number;
  now?: Date;
  actor: string;
  batch?: number;
  /** Drop the randomly ordered indexes (REBUILT_INDEXES) during the seed and rebuild them at its end (default: from 100,000 keys). */
  rebuildIndexes?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** From this many keys on, the randomly ordered indexes are dropped for the seed and rebuilt once (sorted) at its end. */
const REBUILD_FROM = 100_000;

/**
 * Sets aside, for a bulk insert inside the caller's transaction, what would otherwise run per
 * row: the insert triggers of migration 0006 that keep inventory_groups, inventory_due_days and
 * inventory_stale (the seed adds its own totals once, applyCounts; every seeded active key gets
 * its due date computed, so none is stale), and — when `indexes` — the indexes a seed would fill
 * in random order (rebuilt by one sort each instead of a million scattered B-tree inserts). Their
 * exact SQL is read from sqlite_master, so indexes other migrations add come back as they were.
 * Returns the function that puts everything back.
 */
function bypass(db: Db, indexes: boolean): () => void {
  if (!db.inTransaction) throw new Error('bypass outside a transaction');
  const rows = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND (
         (type = 'trigger' AND name IN (${BYPASSED_TRIGGERS.map(() => '?').join(',')}))
         OR (? AND type = 'index' AND name IN (${REBUILT_INDEXES.map(() => '?').join(',')})))`,
    )
    .all(...BYPASSED_TRIGGERS, indexes ? 1 : 0, ...REBUILT_INDEXES) as Array<{ type: 'trigger' | 'index'; name: string; sql: string }>;
  for (const r of rows) db.exec(`DROP ${r.type.toUpperCase()} "${r.name.replace(/"/g, '""')}"`);
  return () => {
    for (const r of rows) db.exec(r.sql);
  };
}

// keys_finding_epoch_insert (migration 0013) too: fired per row while the indexes below are set
// aside it made a 100,000-key seed take 47-63 s instead of 5 s; applyCounts moves the counter once.
const BYPASSED_TRIGGERS = ['keys_groups_insert', 'keys_due_insert', 'keys_stale_insert', 'keys_finding_epoch_insert'];
/**
 * The indexes a seed inserts into at random places (fingerprints, KCVs, due dates): at a million
 * keys each insert misses the page cache. The others grow at a few ends (keys come oldest first,
 * names by team), so keeping them costs less than one more scan of the table each to rebuild
 * them (measured: rebuilding all fifteen cost 29 s of CPU at a million keys).
 */
const REBUILT_INDEXES = ['keys_by_fingerprint', 'keys_by_kcv', 'keys_by_due'];

/** What keys_groups_insert and keys_due_insert would have counted, added in one statement per row of the summaries. */
function applyCounts(db: Db, groups: Map<string, { values: unknown[]; n: number }>, due: Map<string, { rule: string; day: string; n: number }>): void {
  const cols = 'algorithm, family, size, curve, usage_mask, purpose, store, token_serial, extractable, state';
  const g = db.prepare(`INSERT INTO inventory_groups (${cols}, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (${cols}) DO UPDATE SET n = n + excluded.n`);
  for (const e of groups.values()) g.run(...e.values, e.n);
  const d = db.prepare('INSERT INTO inventory_due_days (rule, day, n) VALUES (?, ?, ?) ON CONFLICT (rule, day) DO UPDATE SET n = n + excluded.n');
  for (const e of due.values()) d.run(e.rule, e.day, e.n);
  // The new keys may be named by certificates' findings: the cached finding keys are stale.
  db.prepare('UPDATE inventory_epochs SET finding_keys = finding_keys + 1 WHERE id = 1').run();
}

export interface SeedResult {
  keys: number;
  certificates: number;
  findings: number;
  auditEvents: number;
  firstId: string | null;
  lastId: string | null;
}

const BATCH = 50_000;
const DAY = 86_400_000;

export function seedDemo(vault: UnlockedVault, o: SeedOptions): SeedResult {
  if (!Number.isInteger(o.keys) || o.keys < 1 || o.keys > 10_000_000) throw new CustosError('E_INPUT', 'Seed between 1 and 10,000,000 keys.');
  const db = vault.db;
  if (db.prepare("SELECT 1 FROM keys WHERE created_by <> 'demo' LIMIT 1").get()) {
    throw new CustosError('E_CONFLICT', 'This vault holds real keys; demo data goes into a vault of its own (custos --vault NEW_DIR demo seed --keys N).');
  }
  const now = (o.now ?? new Date()).getTime();
  const r = prng(o.seed ?? 8);
  const run = randomBytes(8).toString('hex');
  const startIndex = (db.prepare("SELECT count(*) AS n FROM keys WHERE created_by = 'demo'").get() as { n: number }).n;
  // Bring the due-date cache up to date first (cheap on an empty vault), so that what is left
  // stale afterwards is only what this seeding wrote.
  refreshDue(db, new Date(now));
  const policy = activePolicy(db);
  const ca = demoCa('Demo Issuing CA 1', 'Custos Demo');
  const batch = o.batch ?? BATCH;

  const insertKey = db.prepare(
    `INSERT INTO keys (id, name, algorithm, family, size, curve, store, current_version, state, fingerprint, kcv, created_at, created_by,
                       usage_mask, origin, extractable, token_serial, token_cka_id, token_label, token_module, purpose, owner, due_at, due_rule, tags)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 'demo', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertVersion = db.prepare(
    `INSERT INTO key_versions (key_id, version, state, compromised, public_spki, fingerprint, kcv, generated_at, activation_at, deactivated_at, compromised_at, destroyed_at)
     VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTag = db.prepare('INSERT INTO key_tags (tag, key_id) VALUES (?, ?)');
  const insertFinding = db.prepare('INSERT INTO analysis_findings (key_id, certificate_id, source, rule, severity, title, detail, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertCert = db.prepare(
    `INSERT INTO certificates (id, fingerprint, der, subject, issuer, serial, not_before, not_after, signature_algorithm, spki_fingerprint, profile, trust, is_ca, first_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ecdsa-with-SHA256', ?, ?, 'private', 0, ?)`,
  );
  const insertSighting = db.prepare("INSERT INTO certificate_sightings (certificate_id, kind, location, chain_position, seen_at) VALUES (?, 'file', ?, 0, ?)");

  const result: SeedResult = { keys: 0, certificates: 0, findings: 0, auditEvents: 0, firstId: null, lastId: null };
  // What the bypassed triggers of migration 0006 would have added, applied once at the end.
  const groupCounts = new Map<string, { values: unknown[]; n: number }>();
  const dueCounts = new Map<string, { rule: string; day: string; n: number }>();
  const rebuild = o.rebuildIndexes ?? o.keys >= REBUILD_FROM;
  const nowIso = new Date(now).toISOString();
  const previousCache = db.pragma('cache_size', { simple: true }) as number;
  db.pragma('cache_size = -131072');
  // Demo data only: commits without an fsync each (WAL keeps the file consistent; a power cut can
  // lose the last batches, never corrupt the vault). The usual FULL comes back when seeding ends.
  db.pragma('synchronous = NORMAL');
  try {
    // One transaction around every batch: the triggers and indexes set aside below come back
    // before it commits, so no reader and no crash ever sees the vault without them.
    db.transaction(() => {
      const restore = bypass(db, rebuild);
      for (let done = 0; done < o.keys; ) {
        const n = Math.min(batch, o.keys - done);
        const keys: Array<{ id: string; k: SynthKey; created: string }> = [];
        for (let j = 0; j < n; j++) {
          const index = startIndex + done + j;
          keys.push({ id: run + index.toString(16).padStart(16, '0'), k: synthKey(r, done + j, o.keys, now), created: '' });
        }
        for (const e of keys) e.created = new Date(e.k.createdAt).toISOString();
        const live = keys
          .filter((e) => e.k.state === 'active')
          .map<PolicyKey>((e) => {
            const info = ALGORITHMS[e.k.algorithm];
            return {
              id: e.id, name: e.k.name, algorithm: e.k.algorithm, family: info.family, size: info.size, curve: info.curve, state: e.k.state, store: e.k.store,
              extractable: e.k.extractable, usageMask: e.k.usageMask, purpose: e.k.purpose, createdAt: e.created, activationDate: e.created, protectStopAt: null, processStopAt: null,
            };
          });
        const due = computeDue(live, policy, new Date(now));
        let certificates = 0;
        let findings = 0;
        vault.change(
          { actor: o.actor, operation: 'demo.seed', outcome: 'success', details: { keys: n, firstId: keys[0]!.id, lastId: keys[n - 1]!.id, origin: 'demo', seed: o.seed ?? 8 } },
          () => {
            for (const { id, k, created } of keys) {
              const info = ALGORITHMS[k.algorithm];
              let fingerprint = k.fingerprint;
              let spki: Buffer | null = null;
              if (k.certificate) {
                // Validity: a year or two; a few expired, some expiring within weeks.
                const x = r();
                const notAfter = new Date(x < 0.1 ? now - (1 + x * 300) * DAY : x < 0.2 ? now + (x - 0.1) * 900 * DAY : now + (90 + x * 640) * DAY);
                const notBefore = new Date(Math.min(k.createdAt, notAfter.getTime() - 30 * DAY));
                const c = demoCertificate(ca, { cn: `${k.name}.demo.example`, org: 'Custos Demo', serial: randomBytes(12), notBefore, notAfter });
                fingerprint = c.spkiFingerprint;
                spki = c.spki;
                const certId = c.fingerprint.slice(0, 32);
                const profile = k.purpose === 'code-signing' ? 'code-signing' : k.purpose === 'tls-client' ? 'tls-client' : 'tls-server';
                insertCert.run(certId, c.fingerprint, c.der, c.subject, c.issuer, c.serial, notBefore.toISOString(), notAfter.toISOString(), c.spkiFingerprint, profile, nowIso);
                insertSighting.run(certId, `/etc/ssl/demo/${k.name}.pem`, nowIso);
                certificates++;
                if (notAfter.getTime() < now) {
                  insertFinding.run(null, certId, 'certificates', 'cert-expired', 'error', 'Certificate expired', `Expired on ${notAfter.toISOString().slice(0, 10)} (demo data).`, nowIso);
                  findings++;
                } else if (notAfter.getTime() < now + 30 * DAY) {
                  insertFinding.run(null, certId, 'certificates', 'cert-expiring', 'warning', 'Certificate expiring soon', `Expires on ${notAfter.toISOString().slice(0, 10)} (demo data).`, nowIso);
                  findings++;
                }
              }
              const d = due.get(id);
              const cka = k.token ? id.slice(16) : null;
              const group = [k.algorithm, info.family, info.size, info.curve ?? '', k.usageMask, k.purpose ?? '', k.store, k.token?.serial ?? '', k.extractable ? 1 : 0, k.state];
              const gk = group.join('\u0000');
              const g = groupCounts.get(gk);
              if (g) g.n++;
              else groupCounts.set(gk, { values: group, n: 1 });
              if (d) {
                const day = d.dueAt.slice(0, 10);
                const dk = `${d.rule ?? ''}\u0000${day}`;
                const e = dueCounts.get(dk);
                if (e) e.n++;
                else dueCounts.set(dk, { rule: d.rule ?? '', day, n: 1 });
              }
              insertKey.run(
                id, k.name, k.algorithm, info.family, info.size, info.curve, k.store, k.state, fingerprint, k.kcv, created,
                k.usageMask, k.origin, k.extractable ? 1 : 0, k.token?.serial ?? null, cka, k.token ? k.name : null, k.token ? 'demo' : null, k.purpose, k.owner,
                d?.dueAt ?? null, d?.rule ?? null, k.tags.length ? `,${k.tags.join(',')},` : null,
              );
              const activated = k.state === 'pre-active' ? null : created;
              const ended = k.state === 'deactivated' || k.state.startsWith('destroyed') || k.state === 'compromised' ? new Date(Math.min(now, k.createdAt + 400 * DAY)).toISOString() : null;
              const compromised = k.state === 'compromised' || k.state === 'destroyed-compromised';
              insertVersion.run(
                id, k.state, compromised ? 1 : 0, spki, null, null, created, activated,
                k.state === 'deactivated' ? ended : null, compromised ? ended : null, k.state.startsWith('destroyed') ? ended : null,
              );
              for (const t of k.tags) insertTag.run(t, id);
              if (k.weak) {
                insertFinding.run(id, null, 'weak-keys', k.weak.rule, k.weak.severity, k.weak.title, k.weak.detail, nowIso);
                findings++;
              }
            }
          },
        );
        done += n;
        result.keys += n;
        result.certificates += certificates;
        result.findings += findings;
        result.auditEvents++;
        result.firstId ??= keys[0]!.id;
        result.lastId = keys[n - 1]!.id;
        o.onProgress?.(done, o.keys);
      }
      applyCounts(db, groupCounts, dueCounts);
      restore();
    })();
  } finally {
    db.pragma(`cache_size = ${previousCache}`);
    db.pragma('synchronous = FULL');
  }
  refreshDue(db, new Date(now));
  // Fresh statistics so the planner picks the right index for each filter and sort.
  db.pragma('analysis_limit = 2000');
  db.exec('ANALYZE');
  return result;
}
