import { contentSecurityPolicy, HARDENING_HEADERS } from '../platform/csp.js';

/**
 * The Electron window's CSP: the same policy as the browser host, with no connections at all (the
 * renderer reaches the core over IPC through the preload, never over the network).
 */
export const ELECTRON_CSP = contentSecurityPolicy("'none'");

/** Headers for every custos://app/ response. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return { 'Content-Type': contentType, 'Content-Security-Policy': ELECTRON_CSP, ...HARDENING_HEADERS };
}
