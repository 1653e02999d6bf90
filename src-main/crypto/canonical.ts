/**
 * A canonical JSON encoding for hashing: object keys sorted by code point, no whitespace, only
 * JSON types (numbers must be finite integers or plain decimals). Same value, same bytes, on any
 * machine — which is what a hash chain verified elsewhere needs.
 */
export type Canonical = string | number | boolean | null | Canonical[] | { [k: string]: Canonical };

export function canonicalJson(value: Canonical): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('Canonical JSON has no NaN or Infinity.');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
