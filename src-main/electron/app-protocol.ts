import { findStaticFile } from '../platform/static-files.js';

/**
 * The privileged scheme the Electron window loads the renderer from: `custos://app/…` maps to
 * files in out/renderer and nothing else.
 */
export const APP_SCHEME = 'custos';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Is this a URL of the app's own pages (`custos://app/…`, no credentials, no port)? */
export function isAppUrl(raw: string): boolean {
  if (!raw.startsWith(`${APP_ORIGIN}/`)) return false;
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === '' && url.port === '';
  } catch {
    return false;
  }
}

/** The file behind a custos: request, or null (wrong host, traversal, missing, not a file). */
export async function resolveAppRequest(raw: string, rendererDir: string): Promise<string | null> {
  if (!isAppUrl(raw)) return null;
  return findStaticFile(rendererDir, new URL(raw).pathname);
}

/**
 * What the renderer's session may load: the app scheme, inline data (images), blobs it made
 * itself, and the DevTools front end. Everything else — http, https, ws, wss, file, ftp, other
 * custom schemes — is cancelled: the console has no network access.
 */
export function isAllowedRequestUrl(raw: string): boolean {
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    return false;
  }
  if (protocol === `${APP_SCHEME}:`) return isAppUrl(raw);
  return protocol === 'data:' || protocol === 'blob:' || protocol === 'devtools:';
}
