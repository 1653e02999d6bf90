import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composePolicy, unknownPurposeIssues, type ComposedPolicy } from './compose.js';
import { PolicyFileError, zodIssues } from './errors.js';
import { compositionSchema, packSchema, PURPOSES, type Composition, type PolicyPack } from './model.js';

/** Reading packs and compositions from files, with errors that name the file and the JSON path. */

function lineColumn(text: string, position: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? ` at ${lineColumn(text, Number(pos[1]))}` : '';
    throw new PolicyFileError(file, [{ path: '$', message: `Not valid JSON${where}: ${msg}` }]);
  }
}

const BUILTIN_PURPOSES: ReadonlySet<string> = new Set(PURPOSES);

/** Validates a pack (JSON text or an already parsed value); `file` names it in errors. */
export function parsePack(input: string | unknown, file: string): PolicyPack {
  const raw = typeof input === 'string' ? parseJson(input, file) : input;
  const r = packSchema.safeParse(raw);
  if (!r.success) throw new PolicyFileError(file, zodIssues(r.error, raw));
  const purposes = unknownPurposeIssues(r.data.rules, BUILTIN_PURPOSES, '$.rules');
  if (purposes.length) throw new PolicyFileError(file, purposes);
  return r.data;
}

/** Validates an organisation's composition (JSON text or a parsed value, e.g. from the vault's settings). */
export function parseComposition(input: string | unknown, file: string): Composition {
  const raw = typeof input === 'string' ? parseJson(input, file) : input;
  const r = compositionSchema.safeParse(raw);
  if (!r.success) throw new PolicyFileError(file, zodIssues(r.error, raw));
  return r.data;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new PolicyFileError(file, [{ path: '$', message: code === 'ENOENT' ? 'The file does not exist.' : `The file cannot be read (${String(code ?? 'error')}).` }]);
  }
}

export function loadPackFile(file: string): PolicyPack {
  return parsePack(readText(file), file);
}

/**
 * Every pack in `dir` (its *.json files, not subfolders), sorted by file name. A malformed file
 * fails the whole load: a policy with a silently missing pack would under-report.
 */
export function loadPackDirectory(dir: string): PolicyPack[] {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.json'))
    .map((d) => d.name)
    .sort();
  const packs = files.map((f) => loadPackFile(join(dir, f)));
  const seen = new Map<string, string>();
  for (const [i, p] of packs.entries()) {
    const file = join(dir, files[i] ?? '');
    const other = seen.get(p.id);
    if (other) throw new PolicyFileError(file, [{ path: '$.id', message: `Pack id "${p.id}" is also used by ${other}.` }]);
    seen.set(p.id, file);
  }
  return packs;
}

export function loadComposition(file: string): Composition {
  return parseComposition(readText(file), file);
}

/**
 * The policies folder shipped with Custos (`resources/policies`), found by walking up from `from`
 * (default: this module's folder — src-main/policy/ in sources, out/main/ when bundled). A
 * packaged app that moves resources elsewhere passes the folder explicitly instead.
 */
export function builtinPolicyDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'policies');
    if (existsSync(join(candidate, 'compositions', 'default.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`resources/policies not found above ${from}`);
}

/**
 * Loads the packs of `packDir` and composes them: with the composition in `composition` (a file
 * path, or an already parsed value with `source` naming it), or else with the shipped default
 * `compositions/default.json`.
 */
export function loadPolicy(options: { packDir?: string; composition?: string | Composition; source?: string } = {}): ComposedPolicy {
  const packDir = options.packDir ?? builtinPolicyDir();
  const packs = loadPackDirectory(packDir);
  if (options.composition && typeof options.composition === 'object') return composePolicy(packs, options.composition, options.source ?? 'policy composition');
  const file = options.composition ?? join(packDir, 'compositions', 'default.json');
  return composePolicy(packs, loadComposition(file), file);
}
