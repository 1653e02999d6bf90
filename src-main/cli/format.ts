import { inventoryAlgorithmLabel, type KeyDetail, type KeySummary } from '../../src-shared/keys.js';

/** The JSON form of a key that scripts read: stable field names, no material. */
export function keyJson(k: KeySummary | KeyDetail): Record<string, unknown> {
  return { ...k };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** A plain text table; columns sized to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function keyTable(keys: KeySummary[]): string {
  return table(
    ['ID', 'NAME', 'ALGORITHM', 'STATE', 'STORE', 'CREATED', 'FINGERPRINT/KCV'],
    keys.map((k) => [k.id, k.name, inventoryAlgorithmLabel(k.algorithm), k.state, k.store, k.createdAt, k.fingerprint ? k.fingerprint.slice(0, 16) + '…' : (k.kcv ?? '')]),
  );
}

export function keyText(k: KeyDetail | KeySummary): string {
  const rows: Array<[string, string]> = [
    ['id', k.id],
    ['name', k.name],
    ['algorithm', inventoryAlgorithmLabel(k.algorithm)],
    ['size', String(k.size)],
    ['curve', k.curve ?? '-'],
    ['state', k.state],
    ['store', k.store],
    ['version', String(k.version)],
    ['created', k.createdAt],
  ];
  if ('createdBy' in k) rows.push(['created by', k.createdBy]);
  if (k.fingerprint) rows.push(['fingerprint (SHA-256 SPKI)', k.fingerprint]);
  if (k.kcv) rows.push(['key check value', k.kcv]);
  const w = Math.max(...rows.map(([a]) => a.length));
  let out = rows.map(([a, b]) => `${pad(a, w)}  ${b}`).join('\n') + '\n';
  if ('publicKeyPem' in k && k.publicKeyPem) out += '\n' + k.publicKeyPem;
  return out;
}
