import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Needle {
  label: string;
  bytes: Buffer;
}

/** Every regular file below `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/**
 * Searches files for secrets, in UTF-8, UTF-16LE and hex/base64 text forms, so a secret written in
 * any usual encoding is found. Returns "file: label" for every hit.
 */
export function findSecrets(files: string[], needles: Needle[]): string[] {
  const forms = needles.flatMap((n) => [
    { label: n.label, bytes: n.bytes },
    { label: `${n.label} (utf16)`, bytes: Buffer.from(n.bytes.toString('latin1'), 'utf16le') },
    { label: `${n.label} (hex)`, bytes: Buffer.from(n.bytes.toString('hex')) },
    { label: `${n.label} (base64)`, bytes: Buffer.from(n.bytes.toString('base64').slice(0, 40)) },
  ]);
  const hits: string[] = [];
  for (const f of files) {
    const content = readFileSync(f);
    for (const form of forms) if (form.bytes.length >= 4 && content.includes(form.bytes)) hits.push(`${f}: ${form.label}`);
  }
  return hits;
}
