/**
 * The Content-Security-Policy both hosts send with every page. Scripts come only from the app's own
 * origin (no inline script, no eval); inline styles are allowed because Mantine sets style
 * attributes; nothing may frame the console, post a form, or change the base URL. `connectSrc` is
 * the only thing that differs: the browser host allows its own WebSocket bridge, the Electron host
 * nothing at all (it talks over IPC).
 */
export function contentSecurityPolicy(connectSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connectSrc}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers that go with every response of either host, next to the CSP. */
export const HARDENING_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), payment=()',
};
