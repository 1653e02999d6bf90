import type { KeyDetail, KeyState, KeySummary, KeyStore, InventoryAlgorithmId as AlgorithmId, InventoryKeyFamily as KeyFamily } from '../../src-shared/keys.js';
import type { KeyListInput } from '../../src-shared/contract.js';
import type { Db } from '../vault/database.js';
import { spkiToPem } from './identity.js';
import { sql } from '../vault/statements.js';

/** Rows hold any inventory algorithm (generated or inventory-only, src-shared/keys.ts). */
interface KeyRow {
  id: string;
  name: string;
  algorithm: AlgorithmId;
  family: KeyFamily;
  size: number;
  curve: string | null;
  state: KeyState;
  store: KeyStore;
  current_version: number;
  created_at: string;
  created_by: string;
  fingerprint: string | null;
  kcv: string | null;
  usage_mask: number;
  origin: KeySummary['origin'];
  token_serial: string | null;
  token_cka_id: string | null;
  token_label: string | null;
  token_module: string | null;
  use_count: number;
  purpose: string | null;
}

/** What the core needs of a key to use it: never sent to the renderer as is. */
export interface KeyUseRecord extends KeySummary {
  tokenModule: string | null;
  spki: Buffer | null;
  useCount: number;
  maxUses?: number | null;
  protectStopAt?: string | null;
}

export interface NewKeyRecord {
  id: string;
  name: string;
  algorithm: AlgorithmId;
  family: KeyFamily;
  size: number;
  curve: string | null;
  store: KeyStore;
  state: KeyState;
  createdAt: string;
  createdBy: string;
  fingerprint: string | null;
  kcv: string | null;
  spki: Buffer | null;
  usageMask: number;
  origin: KeySummary['origin'];
  extractable: boolean;
  token: { serial: string; ckaId: string; label: string; module: string } | null;
  /** A future activation date: the key activates by itself then. */
  activationAt?: string | null;
  purpose?: string | null;
}

const SORT_COLUMNS = {
  name: 'name COLLATE NOCASE',
  algorithm: 'algorithm',
  state: 'state',
  store: 'store',
  createdAt: 'created_at',
} as const;

function toSummary(r: KeyRow): KeySummary {
  return {
    id: r.id,
    name: r.name,
    algorithm: r.algorithm,
    family: r.family,
    size: r.size,
    curve: r.curve,
    state: r.state,
    store: r.store,
    version: r.current_version,
    createdAt: r.created_at,
    fingerprint: r.fingerprint,
    kcv: r.kcv,
    usageMask: r.usage_mask,
    origin: r.origin,
    token: r.token_serial && r.token_cka_id ? { serial: r.token_serial, ckaId: r.token_cka_id, label: r.token_label ?? '' } : null,
    purpose: r.purpose,
  };
}

/** Escapes LIKE wildcards so a search for "a_b" means exactly that. */
function likePrefix(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** SQL for keys: listing pages with indexed sorts, one key in detail, and inserts. */
export class KeyRepository {
  constructor(private readonly db: Db) {}

  insert(k: NewKeyRecord): void {
    const row = {
      ...k,
      extractable: k.extractable ? 1 : 0,
      tokenSerial: k.token?.serial ?? null,
      tokenCkaId: k.token?.ckaId ?? null,
      tokenLabel: k.token?.label ?? null,
      tokenModule: k.token?.module ?? null,
      activationAt: k.state === 'active' ? k.createdAt : (k.activationAt ?? null),
      purpose: k.purpose ?? null,
    };
    this.db
      .prepare(
        `INSERT INTO keys (id, name, algorithm, family, size, curve, store, current_version, state, fingerprint, kcv, created_at, created_by,
                           usage_mask, origin, extractable, token_serial, token_cka_id, token_label, token_module, purpose)
         VALUES (@id, @name, @algorithm, @family, @size, @curve, @store, 1, @state, @fingerprint, @kcv, @createdAt, @createdBy,
                 @usageMask, @origin, @extractable, @tokenSerial, @tokenCkaId, @tokenLabel, @tokenModule, @purpose)`,
      )
      .run(row);
    this.db
      .prepare(
        `INSERT INTO key_versions (key_id, version, state, public_spki, fingerprint, kcv, generated_at, activation_at, token_cka_id)
         VALUES (@id, 1, @state, @spki, @fingerprint, @kcv, @createdAt, @activationAt, @tokenCkaId)`,
      )
      .run(row);
  }

  /** The key as the core uses it (token module, SPKI, use count, limits); null when absent. One query: it runs on every operation. */
  forUse(id: string): KeyUseRecord | null {
    const r = sql(
      this.db,
      // The columns KeyUseRecord needs, not k.*: this runs for every batch of signatures, and the
      // inventory's columns would each become a property on the row object for nothing.
      `SELECT k.id, k.name, k.algorithm, k.family, k.size, k.curve, k.state, k.store, k.current_version, k.created_at, k.created_by, k.fingerprint, k.kcv,
              k.usage_mask, k.origin, k.token_serial, k.token_cka_id, k.token_label, k.token_module, k.use_count, k.purpose, k.max_uses,
              v.public_spki AS v_spki, v.protect_stop_at AS v_protect_stop
       FROM keys k LEFT JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.id = ?`,
    ).get(id) as (KeyRow & { v_spki: Buffer | null; v_protect_stop: string | null; max_uses: number | null }) | undefined;
    if (!r) return null;
    return { ...toSummary(r), tokenModule: r.token_module, spki: r.v_spki, useCount: r.use_count, maxUses: r.max_uses, protectStopAt: r.v_protect_stop };
  }

  /** The key that has (or had, in an earlier version) this object on this token. */
  findByTokenObject(serial: string, ckaId: string): string | null {
    const r = this.db
      .prepare('SELECT k.id FROM keys k LEFT JOIN key_versions v ON v.key_id = k.id WHERE k.token_serial = ? AND (k.token_cka_id = ? OR v.token_cka_id = ?) LIMIT 1')
      .get(serial, ckaId, ckaId) as { id: string } | undefined;
    return r?.id ?? null;
  }

  /** One version of a key as the core uses it (for verifying or decrypting with an earlier version). */
  versionForUse(id: string, version: number): { state: string; spki: Buffer | null; tokenCkaId: string | null; processStopAt: string | null } | null {
    return (
      (this.db.prepare('SELECT state, public_spki AS spki, token_cka_id AS tokenCkaId, process_stop_at AS processStopAt FROM key_versions WHERE key_id = ? AND version = ?').get(id, version) as
        | { state: string; spki: Buffer | null; tokenCkaId: string | null; processStopAt: string | null }
        | undefined) ?? null
    );
  }

  findByFingerprint(fingerprint: string): string | null {
    const r = this.db.prepare('SELECT id FROM keys WHERE fingerprint = ? LIMIT 1').get(fingerprint) as { id: string } | undefined;
    return r?.id ?? null;
  }

  /** Moves the current version to `state`, setting the date column the transition stands for. */
  setState(id: string, version: number, state: string, at: string, extra: { revocationReason?: number; compromised?: boolean } = {}): void {
    const dateColumn: Record<string, string | undefined> = {
      active: 'activation_at',
      deactivated: 'deactivated_at',
      compromised: 'compromised_at',
      destroyed: 'destroyed_at',
      'destroyed-compromised': 'destroyed_at',
    };
    const col = dateColumn[state];
    this.db.prepare('UPDATE keys SET state = ? WHERE id = ?').run(state, id);
    this.db
      .prepare(
        `UPDATE key_versions SET state = @state${col ? `, ${col} = coalesce(${col}, @at)` : ''},
           revocation_reason = coalesce(@reason, revocation_reason), compromised = max(compromised, @compromised)
         WHERE key_id = @id AND version = @version`,
      )
      .run({ state, at, reason: extra.revocationReason ?? null, compromised: extra.compromised ? 1 : 0, id, version });
  }

  /** A new current version (rotation): the key row follows it, the earlier version keeps its own row. */
  addVersion(v: { id: string; version: number; state: string; spki: Buffer | null; fingerprint: string | null; kcv: string | null; at: string; tokenCkaId: string | null }): void {
    this.db
      .prepare(
        `INSERT INTO key_versions (key_id, version, state, public_spki, fingerprint, kcv, generated_at, activation_at, token_cka_id)
         VALUES (@id, @version, @state, @spki, @fingerprint, @kcv, @at, CASE WHEN @state = 'active' THEN @at END, @tokenCkaId)`,
      )
      .run(v);
    this.db
      .prepare('UPDATE keys SET current_version = @version, state = @state, fingerprint = @fingerprint, kcv = @kcv, token_cka_id = coalesce(@tokenCkaId, token_cka_id), use_count = 0 WHERE id = @id')
      .run(v);
  }

  versions(id: string): Array<{ version: number; state: KeyState; fingerprint: string | null; kcv: string | null; generatedAt: string; activationAt: string | null; deactivatedAt: string | null; compromisedAt: string | null; destroyedAt: string | null; protectStopAt: string | null; processStopAt: string | null; tokenCkaId: string | null }> {
    return this.db
      .prepare(
        `SELECT version, state, fingerprint, kcv, generated_at AS generatedAt, activation_at AS activationAt, deactivated_at AS deactivatedAt,
                compromised_at AS compromisedAt, destroyed_at AS destroyedAt, protect_stop_at AS protectStopAt, process_stop_at AS processStopAt, token_cka_id AS tokenCkaId
         FROM key_versions WHERE key_id = ? ORDER BY version`,
      )
      .all(id) as ReturnType<KeyRepository['versions']>;
  }

  /** Moves one (not necessarily current) version to a state, with its date. */
  setVersionState(id: string, version: number, state: string, at: string, processStopAt: string | null = null): void {
    const col = state === 'deactivated' ? 'deactivated_at' : state === 'active' ? 'activation_at' : state.startsWith('destroyed') ? 'destroyed_at' : null;
    this.db
      .prepare(`UPDATE key_versions SET state = @state${col ? `, ${col} = coalesce(${col}, @at)` : ''}, process_stop_at = coalesce(@processStopAt, process_stop_at) WHERE key_id = @id AND version = @version`)
      .run({ state, at, id, version, processStopAt });
  }

  setDestroyAt(id: string, at: string | null): void {
    this.db.prepare('UPDATE keys SET destroy_at = ? WHERE id = ?').run(at, id);
  }

  destroyAt(id: string): string | null {
    return (this.db.prepare('SELECT destroy_at FROM keys WHERE id = ?').get(id) as { destroy_at: string | null } | undefined)?.destroy_at ?? null;
  }

  dueDestructions(now: string): string[] {
    return (this.db.prepare('SELECT id FROM keys WHERE destroy_at IS NOT NULL AND destroy_at <= ?').all(now) as Array<{ id: string }>).map((r) => r.id);
  }

  /** Erases a version's sealed material; secure_delete zeroes the freed pages. */
  eraseMaterial(id: string): number {
    return this.db.prepare('DELETE FROM key_material WHERE key_id = ?').run(id).changes;
  }

  /** Versions whose dates have come: pre-active ones due to activate. */
  dueActivations(now: string): Array<{ id: string; version: number }> {
    return this.db
      .prepare("SELECT kv.key_id AS id, kv.version FROM key_versions kv JOIN keys k ON k.id = kv.key_id AND k.current_version = kv.version WHERE kv.state = 'pre-active' AND kv.activation_at IS NOT NULL AND kv.activation_at <= ?")
      .all(now) as Array<{ id: string; version: number }>;
  }

  /** Versions past their process-stop date that can still process: they must stop. */
  dueProcessStops(now: string): Array<{ id: string; version: number; state: string }> {
    return this.db
      .prepare("SELECT key_id AS id, version, state FROM key_versions WHERE process_stop_at IS NOT NULL AND process_stop_at <= ? AND +state IN ('active', 'suspended', 'deactivated')")
      .all(now) as Array<{ id: string; version: number; state: string }>;
  }

  /** Current versions whose deactivation (protect-stop) date has come while they may still protect. */
  dueDeactivations(now: string): Array<{ id: string; version: number; state: string }> {
    return this.db
      .prepare("SELECT kv.key_id AS id, kv.version, kv.state FROM key_versions kv JOIN keys k ON k.id = kv.key_id AND k.current_version = kv.version WHERE kv.state IN ('active', 'suspended') AND kv.protect_stop_at IS NOT NULL AND kv.protect_stop_at <= ?")
      .all(now) as Array<{ id: string; version: number; state: string }>;
  }

  setProtectStopAt(id: string, version: number, at: string | null): void {
    this.db.prepare('UPDATE key_versions SET protect_stop_at = ? WHERE key_id = ? AND version = ?').run(at, id, version);
  }

  protectStopAt(id: string, version: number): string | null {
    return (sql(this.db, 'SELECT protect_stop_at AS p FROM key_versions WHERE key_id = ? AND version = ?').get(id, version) as { p: string | null } | undefined)?.p ?? null;
  }

  setRotation(id: string, mode: 'manual' | 'auto'): void {
    this.db.prepare('UPDATE keys SET rotation = ? WHERE id = ?').run(mode, id);
  }

  autoRotating(): Set<string> {
    return new Set((this.db.prepare("SELECT id FROM keys WHERE rotation = 'auto' AND state IN ('active', 'suspended')").all() as Array<{ id: string }>).map((r) => r.id));
  }

  setActivationAt(id: string, version: number, at: string | null): void {
    this.db.prepare('UPDATE key_versions SET activation_at = ? WHERE key_id = ? AND version = ?').run(at, id, version);
  }

  setMaxUses(id: string, max: number | null): void {
    this.db.prepare('UPDATE keys SET max_uses = ? WHERE id = ?').run(max, id);
  }

  maxUses(id: string): number | null {
    return (this.db.prepare('SELECT max_uses FROM keys WHERE id = ?').get(id) as { max_uses: number | null } | undefined)?.max_uses ?? null;
  }

  countUse(id: string): void {
    sql(this.db, 'UPDATE keys SET use_count = use_count + 1 WHERE id = ?').run(id);
  }

  /** What a group commit re-checks before it releases signatures: the key's version, state and usage (one small read, not forUse's whole row). */
  useCheck(id: string): { version: number; state: KeySummary['state']; usageMask: number } | null {
    return (sql(this.db, 'SELECT current_version AS version, state, usage_mask AS usageMask FROM keys WHERE id = ?').get(id) as { version: number; state: KeySummary['state']; usageMask: number } | undefined) ?? null;
  }

  /** Counts `n` uses at once (a batch of signatures recorded together). */
  countUses(id: string, n: number): void {
    sql(this.db, 'UPDATE keys SET use_count = use_count + ? WHERE id = ?').run(n, id);
  }

  insertMaterial(keyId: string, version: number, purpose: string, sealed: { nonce: Buffer; box: Buffer }): void {
    this.db.prepare('INSERT INTO key_material (key_id, version, purpose, nonce, box) VALUES (?, ?, ?, ?, ?)').run(keyId, version, purpose, sealed.nonce, sealed.box);
  }

  list(input: Required<Pick<KeyListInput, 'offset' | 'limit' | 'sort' | 'direction'>> & { search?: string | undefined }): { items: KeySummary[]; total: number } {
    const params: Record<string, unknown> = { limit: input.limit, offset: input.offset };
    let where = '';
    const search = input.search?.trim();
    if (search) {
      params.prefix = likePrefix(search);
      params.hexPrefix = likePrefix(search.toLowerCase());
      where = `WHERE name LIKE @prefix ESCAPE '\\' OR fingerprint LIKE @hexPrefix ESCAPE '\\' OR kcv LIKE @hexPrefix ESCAPE '\\'`;
    }
    const dir = input.direction === 'asc' ? 'ASC' : 'DESC';
    const order = `${SORT_COLUMNS[input.sort]} ${dir}, id ${dir}`;
    const rows = this.db.prepare(`SELECT * FROM keys ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all(params) as KeyRow[];
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM keys ${where}`).get(params) as { n: number };
    return { items: rows.map(toSummary), total: n };
  }

  /** The key page's record: one query (the key row joined to its current version), like forUse. */
  get(id: string): KeyDetail | null {
    const r = sql(
      this.db,
      `SELECT k.*, v.public_spki AS v_spki, v.activation_at AS v_activation, v.protect_stop_at AS v_protect_stop
       FROM keys k LEFT JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE k.id = ?`,
    ).get(id) as
      | (KeyRow & { v_spki: Buffer | null; v_activation: string | null; v_protect_stop: string | null; destroy_at: string | null; max_uses: number | null; rotation: 'manual' | 'auto' })
      | undefined;
    if (!r) return null;
    return {
      ...toSummary(r),
      createdBy: r.created_by,
      publicKeyPem: r.v_spki ? spkiToPem(r.v_spki) : null,
      destroyAt: r.destroy_at,
      maxUses: r.max_uses,
      useCount: r.use_count,
      rotation: r.rotation,
      activationAt: r.v_activation,
      deactivationAt: r.v_protect_stop,
    };
  }
}
