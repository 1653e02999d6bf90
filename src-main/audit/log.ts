import { auditEventSchema, type AuditEvent, type AuditOutcome } from '../../src-shared/audit.js';
import type { Db } from '../vault/database.js';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../crypto/canonical.js';
import { bodyJson, chainEvent, encodeDetails, genesisHash, JsonOfLast, sha256hex, verifyChain, type AuditDetails, type ChainCheck, type ChainedEvent } from './chain.js';
import { checkpointStatement, signBytes, verifyBytes, type CheckpointBody } from './signing.js';
import { ROW_SQL, verifyRows, type RawRow } from './verify-rows.js';
import { sql } from '../vault/statements.js';
import { HmacSha256 } from '../crypto/hmac-sha256.js';

/** A signed checkpoint at least every this many events (and at every export). */
export const CHECKPOINT_INTERVAL = 1000;

/**
 * Operations recorded once per use of a key (vault.recordUse). The operation index leaves them
 * out (migration 0010), so a signature's group commit writes one index page fewer; this list must
 * match that index's condition word for word.
 */
export const USAGE_OPERATIONS = ['key.sign', 'key.encrypt', 'key.decrypt'] as const;
const NOT_USAGE = `operation NOT IN (${USAGE_OPERATIONS.map((o) => `'${o}'`).join(', ')})`;

/** Rows per multi-row INSERT in appendMany (11 parameters each, well under SQLite's limit). */
const APPEND_ROWS = 64;

export interface Checkpoint extends CheckpointBody {
  /** Ed25519 signature over checkpointStatement(), base64. */
  signature: string;
}

export interface AuditListFilter {
  keyId?: string;
  actor?: string;
  operation?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
  limit: number;
  beforeSeq?: number;
}

export interface AuditInput {
  actor: string | null;
  operation: string;
  keyId?: string | null;
  keyVersion?: number | null;
  outcome: AuditOutcome;
  details?: AuditDetails;
}

interface Row {
  seq: number;
  time: string;
  actor: string | null;
  operation: string;
  key_id: string | null;
  key_version: number | null;
  outcome: AuditOutcome;
  details: string;
  prev_hash: string;
  hash: string;
  mac: string;
}

function fromRow(r: Row): ChainedEvent {
  return {
    seq: r.seq,
    time: r.time,
    actor: r.actor,
    operation: r.operation,
    keyId: r.key_id,
    keyVersion: r.key_version,
    outcome: r.outcome,
    details: JSON.parse(r.details) as AuditDetails,
    prevHash: r.prev_hash,
    hash: r.hash,
    mac: r.mac,
  };
}

/**
 * The audit trail stored in the vault. `append` must run inside the same transaction as the change
 * it records (the vault's `change()` does that), so a change and its event commit or vanish together.
 */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly vaultId: string,
    private readonly auditKey: Uint8Array,
    private readonly now: () => Date,
    private readonly signingKey: () => KeyObject,
  ) {
    this.eventMacKey = new HmacSha256(auditKey);
  }

  /** The audit key for appendMany's per-event MACs, padded once (crypto/hmac-sha256.ts). */
  private readonly eventMacKey: HmacSha256;

  /** Zeroes the padded copies of the audit key this log keeps; the vault calls it when it locks. */
  wipe(): void {
    this.eventMacKey.wipe();
  }

  append(input: AuditInput): ChainedEvent {
    if (!this.db.inTransaction) throw new Error('audit append outside a transaction');
    const head = sql(this.db, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const event = chainEvent(
      head?.hash ?? genesisHash(this.vaultId),
      {
        seq: (head?.seq ?? 0) + 1,
        time: this.now().toISOString(),
        actor: input.actor,
        operation: input.operation,
        keyId: input.keyId ?? null,
        keyVersion: input.keyVersion ?? null,
        outcome: input.outcome,
        details: input.details ?? {},
      },
      this.auditKey,
    );
    // Details are stored in canonical form, so verification can hash the stored text as it is.
    sql(
      this.db,
      `INSERT INTO audit_events (seq, time, actor, operation, key_id, key_version, outcome, details, prev_hash, hash, mac)
       VALUES (@seq, @time, @actor, @operation, @keyId, @keyVersion, @outcome, @details, @prevHash, @hash, @mac)`,
    ).run({ ...event, details: canonicalJson(event.details) });
    if (event.seq % CHECKPOINT_INTERVAL === 0) this.writeCheckpoint(event.seq, event.hash, event.time);
    return event;
  }

  /**
   * Appends events in order, in the caller's transaction: the same chain as appending them one by
   * one, but the chain head is read once and the rows go in by multi-row INSERTs. For the usage
   * records of a batch of signatures, where per-statement costs rivalled a token's ECDSA.
   */
  appendMany(inputs: readonly AuditInput[]): void {
    if (!this.db.inTransaction) throw new Error('audit append outside a transaction');
    if (inputs.length === 0) return;
    const head = sql(this.db, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    let prev = head?.hash ?? genesisHash(this.vaultId);
    let seq = head?.seq ?? 0;
    const time = this.now().toISOString();
    const timeJson = JSON.stringify(time);
    const [actor, operation, keyId, keyVersion, outcome] = [new JsonOfLast(), new JsonOfLast(), new JsonOfLast(), new JsonOfLast(), new JsonOfLast()];
    const checkpoints: Array<{ seq: number; hash: string }> = [];
    for (let at = 0; at < inputs.length; at += APPEND_ROWS) {
      const chunk = inputs.slice(at, at + APPEND_ROWS);
      const params: unknown[] = [];
      for (const input of chunk) {
        // chainEvent's hash and MAC, without the intermediate objects: the details are encoded
        // once, for the hash and for the row (the same text, so verification hashes it as stored),
        // and fields the events share are encoded once per run of them.
        const n = ++seq;
        const k = input.keyId ?? null;
        const v = input.keyVersion ?? null;
        const details = encodeDetails(input.details ?? {});
        const body = bodyJson({ actor: actor.of(input.actor), details, keyId: keyId.of(k), keyVersion: keyVersion.of(v), operation: operation.of(input.operation), outcome: outcome.of(input.outcome), seq: String(n), time: timeJson });
        const hash = sha256hex(`${prev}\n${body}`);
        params.push(n, time, input.actor, input.operation, k, v, input.outcome, details, prev, hash, this.eventMacKey.hex(hash));
        prev = hash;
        if (n % CHECKPOINT_INTERVAL === 0) checkpoints.push({ seq: n, hash });
      }
      sql(this.db, `INSERT INTO audit_events (seq, time, actor, operation, key_id, key_version, outcome, details, prev_hash, hash, mac) VALUES ${new Array(chunk.length).fill('(?,?,?,?,?,?,?,?,?,?,?)').join(',')}`).run(params);
    }
    for (const c of checkpoints) this.writeCheckpoint(c.seq, c.hash, time);
  }

  private writeCheckpoint(seq: number, hash: string, time: string): Checkpoint {
    const body = { vaultId: this.vaultId, seq, hash, time };
    const signature = signBytes(this.signingKey(), checkpointStatement(body)).toString('base64');
    this.db.prepare('INSERT OR IGNORE INTO audit_checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)').run(seq, hash, time, signature);
    return { ...body, signature };
  }

  /** Signs a checkpoint at the head of the chain (done at every export). */
  checkpointHead(): Checkpoint | null {
    const head = this.db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    if (!head) return null;
    const existing = this.db.prepare('SELECT seq, hash, time, signature FROM audit_checkpoints WHERE seq = ?').get(head.seq) as Omit<Checkpoint, 'vaultId'> | undefined;
    if (existing) return { ...existing, vaultId: this.vaultId };
    return this.db.transaction(() => this.writeCheckpoint(head.seq, head.hash, this.now().toISOString()))();
  }

  checkpoints(): Checkpoint[] {
    return (this.db.prepare('SELECT seq, hash, time, signature FROM audit_checkpoints ORDER BY seq').all() as Array<Omit<Checkpoint, 'vaultId'>>).map((c) => ({ ...c, vaultId: this.vaultId }));
  }

  /**
   * Newest first, filtered. Key and time filters use their indexes; an operation filter uses the
   * operation index unless it names a usage operation, whose records are the dense majority and
   * are found by walking back from the newest event; actor and outcome filters walk back too.
   */
  list(filter: AuditListFilter): AuditEvent[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit };
    const add = (sql: string, name: string, value: unknown) => {
      if (value === undefined || value === null || value === '') return;
      where.push(sql);
      params[name] = value;
    };
    add('key_id = @keyId', 'keyId', filter.keyId);
    add('actor = @actor COLLATE NOCASE', 'actor', filter.actor);
    add('operation = @operation', 'operation', filter.operation);
    // The partial index serves the query only when the query states the index's own condition.
    if (filter.operation && !(USAGE_OPERATIONS as readonly string[]).includes(filter.operation)) where.push(NOT_USAGE);
    add('outcome = @outcome', 'outcome', filter.outcome);
    add('time >= @from', 'from', filter.from ? new Date(filter.from).toISOString() : undefined);
    add('time <= @to', 'to', filter.to ? new Date(filter.to).toISOString() : undefined);
    add('seq < @beforeSeq', 'beforeSeq', filter.beforeSeq);
    const sql = `SELECT * FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as Row[]).map((r) => {
      const { mac: _mac, ...e } = fromRow(r);
      return auditEventSchema.parse(e);
    });
  }

  *iterate(): Generator<ChainedEvent> {
    for (const r of this.db.prepare('SELECT * FROM audit_events ORDER BY seq').iterate() as Iterable<Row>) yield fromRow(r);
  }

  /**
   * Verifies the whole chain in this thread, every MAC included, and every signed checkpoint
   * against the event at its position (see verify-rows.ts for why it works on raw rows).
   */
  verify(options: { everyMac?: boolean } = {}): ChainCheck {
    const rows = this.db.prepare(`${ROW_SQL} ORDER BY seq`).raw(true).iterate() as Iterable<RawRow>;
    const { firstPrev: _f, firstSeq: _s, ...check } = verifyRows(rows, 1, genesisHash(this.vaultId), this.auditKey, options.everyMac ? 0 : this.lastCheckpointSeq());
    return check.ok ? this.verifyCheckpoints(check) : check;
  }

  /** The last signed checkpoint's sequence number (0 when none). */
  lastCheckpointSeq(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) AS n FROM audit_checkpoints').get() as { n: number }).n;
  }

  headSeq(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) AS n FROM audit_events').get() as { n: number }).n;
  }

  /** Each checkpoint must be signed by this vault's audit key and match the event at its seq. */
  verifyCheckpoints(check: ChainCheck): ChainCheck {
    const pem = createPublicKey(this.signingKey()).export({ type: 'spki', format: 'pem' }).toString();
    for (const c of this.checkpoints()) {
      const row = this.db.prepare('SELECT hash FROM audit_events WHERE seq = ?').get(c.seq) as { hash: string } | undefined;
      const fail = (problem: string): ChainCheck => ({ ...check, ok: false, firstBadSeq: c.seq, problem });
      if (!row) return fail(`checkpoint ${c.seq} points past the end of the chain (events were removed)`);
      if (row.hash !== c.hash) return fail(`checkpoint ${c.seq} does not match the event at that position`);
      if (!verifyBytes(pem, checkpointStatement(c), Buffer.from(c.signature, 'base64'))) return fail(`checkpoint ${c.seq} has an invalid signature`);
    }
    return check;
  }

  /** The reference verification through the pure chain module (used by tests to cross-check). */
  verifyReference(): ChainCheck {
    return verifyChain(this.iterate(), genesisHash(this.vaultId), this.auditKey);
  }
}
