import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, resolve, sep } from 'node:path';

/**
 * Shared by both hosts that serve the built renderer (the browser host over HTTP, the Electron
 * host over the custos: protocol): map a URL path to a file inside one folder, or refuse.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Turns the path part of a URL (still percent-encoded, as in `new URL(...).pathname`) into a
 * relative file path, or null when it must not be served: undecodable escapes, NUL, backslashes,
 * empty/dot/dot-dot segments (even when they were percent-encoded), drive letters, or anything that
 * resolves outside the root. `/` means `index.html`.
 */
export function relativePathFor(urlPathname: string): string | null {
  if (!urlPathname.startsWith('/')) return null;
  if (urlPathname === '/') return 'index.html';
  const segments = urlPathname.slice(1).split('/');
  const out: string[] = [];
  for (const raw of segments) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.' || seg === '..') return null;
    if (seg.includes('/') || seg.includes('\\') || seg.includes('\0') || seg.includes(':')) return null;
    out.push(seg);
  }
  return out.join('/');
}

/** Absolute path inside `root` for the URL path, or null (lexical check only). */
export function resolveInside(root: string, urlPathname: string): string | null {
  const rel = relativePathFor(urlPathname);
  if (rel === null) return null;
  const base = resolve(root);
  const full = resolve(base, rel);
  if (isAbsolute(rel) || !full.startsWith(base + sep)) return null;
  return full;
}

/**
 * The file to serve for a URL path, after following symbolic links: null when the path is refused,
 * missing, not a regular file, or a link that leads out of the root.
 */
export async function findStaticFile(root: string, urlPathname: string): Promise<string | null> {
  const full = resolveInside(root, urlPathname);
  if (full === null) return null;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(resolve(root)), realpath(full)]);
    if (!realFile.startsWith(realRoot + sep)) return null;
    const info = await stat(realFile);
    return info.isFile() ? realFile : null;
  } catch {
    return null;
  }
}
