import type { KeyDetail, KeyState, KeySummary, KeyStore, AlgorithmId, KeyFamily } from '../../src-shared/keys.js';
import type { KeyListInput } from '../../src-shared/contract.js';
import type { Db } from '../vault/database.js';
import { spkiToPem } from './identity.js';

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
    this.db
      .prepare(
        `INSERT INTO keys (id, name, algorithm, family, size, curve, store, current_version, state, fingerprint, kcv, created_at, created_by)
         VALUES (@id, @name, @algorithm, @family, @size, @curve, @store, 1, @state, @fingerprint, @kcv, @createdAt, @createdBy)`,
      )
      .run(k);
    this.db
      .prepare(
        `INSERT INTO key_versions (key_id, version, state, public_spki, fingerprint, kcv, generated_at)
         VALUES (@id, 1, @state, @spki, @fingerprint, @kcv, @createdAt)`,
      )
      .run(k);
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

  get(id: string): KeyDetail | null {
    const r = this.db.prepare('SELECT * FROM keys WHERE id = ?').get(id) as KeyRow | undefined;
    if (!r) return null;
    const v = this.db.prepare('SELECT public_spki FROM key_versions WHERE key_id = ? AND version = ?').get(id, r.current_version) as { public_spki: Buffer | null } | undefined;
    return { ...toSummary(r), createdBy: r.created_by, publicKeyPem: v?.public_spki ? spkiToPem(v.public_spki) : null };
  }
}
