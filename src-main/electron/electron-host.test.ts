import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ENTRY_URL, isAllowedRequestUrl, isAppUrl, resolveAppRequest } from './app-protocol.js';
import { vaultArg } from './args.js';
import { appResponseHeaders, ELECTRON_CSP } from './csp.js';
import { isTrustedSender } from './sender.js';

// The pure parts of the Electron host; main.ts itself needs the Electron runtime and is kept to
// wiring these together.

describe('CSP', () => {
  it('is the strict policy with no connections at all', () => {
    expect(ELECTRON_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const headers = appResponseHeaders('text/html; charset=utf-8');
    expect(headers['Content-Security-Policy']).toBe(ELECTRON_CSP);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    expect(headers['Cache-Control']).toBe('no-store');
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
  });
});

describe('custos://app/ protocol', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'custos-electron-'));
    root = join(dir, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), 'x');
    await writeFile(join(root, 'assets', 'app.js'), 'x');
    await writeFile(join(dir, 'package.json'), 'secret');
    await symlink(dir, join(root, 'up'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('recognises only the app origin', () => {
    expect(APP_ENTRY_URL).toBe('custos://app/index.html');
    expect(isAppUrl('custos://app/index.html')).toBe(true);
    expect(isAppUrl('custos://app/')).toBe(true);
    for (const url of ['custos://app', 'custos://other/index.html', 'custos://app.evil/x', 'custos://app@evil/x', 'custos://app:81/x', 'custos://u:p@app/x', 'http://app/index.html', 'file:///etc/passwd', 'CUSTOS://APP/x', 'custos://apps/x']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('serves files of the renderer folder only', async () => {
    expect(await resolveAppRequest('custos://app/index.html', root)).toBe(join(root, 'index.html'));
    expect(await resolveAppRequest('custos://app/', root)).toBe(join(root, 'index.html'));
    expect(await resolveAppRequest('custos://app/assets/app.js?x=1#y', root)).toBe(join(root, 'assets', 'app.js'));
    for (const url of [
      'custos://app/../package.json',
      'custos://app/%2e%2e/package.json',
      'custos://app/..%2fpackage.json',
      'custos://app/assets/..%2f..%2fpackage.json',
      'custos://app/..%5cpackage.json',
      'custos://app/up/package.json',
      'custos://app/missing.js',
      'custos://app/assets',
      'custos://other/index.html',
    ]) {
      expect(await resolveAppRequest(url, root), url).toBeNull();
    }
  });

  it('lets the renderer load nothing from the network', () => {
    for (const url of ['custos://app/index.html', 'data:image/png;base64,AAAA', 'blob:custos://app/1234', 'devtools://devtools/bundled/inspector.html']) {
      expect(isAllowedRequestUrl(url), url).toBe(true);
    }
    for (const url of ['http://127.0.0.1/', 'https://example.com/x.js', 'ws://127.0.0.1:1/bridge', 'wss://x/', 'file:///etc/passwd', 'ftp://x/', 'custos://other/x', 'chrome://settings', 'not a url']) {
      expect(isAllowedRequestUrl(url), url).toBe(false);
    }
  });
});

describe('sender check', () => {
  const good = { senderId: 3, mainWindowId: 3, frameUrl: 'custos://app/index.html', isTopFrame: true };
  it('accepts the main window top frame on an app page', () => {
    expect(isTrustedSender(good)).toBe(true);
  });
  it.each([
    ['another webContents', { senderId: 4 }],
    ['no main window', { mainWindowId: null }],
    ['a destroyed frame', { frameUrl: null }],
    ['an iframe', { isTopFrame: false }],
    ['another scheme', { frameUrl: 'https://evil.example/' }],
    ['a file page', { frameUrl: 'file:///tmp/x.html' }],
    ['another custos host', { frameUrl: 'custos://evil/index.html' }],
    ['a prefix trick', { frameUrl: 'custos://app.evil/index.html' }],
    ['about:blank', { frameUrl: 'about:blank' }],
  ])('refuses %s', (_label, change) => {
    expect(isTrustedSender({ ...good, ...change })).toBe(false);
  });
});

describe('vaultArg', () => {
  it('reads --vault among Electron and Chromium arguments', () => {
    expect(vaultArg(['/usr/lib/electron', 'out/main/electron.js', '--vault', '/v'])).toBe('/v');
    expect(vaultArg(['electron', '.', '--no-sandbox', '--vault=/w'])).toBe('/w');
    expect(vaultArg(['electron', '.', '--vault'])).toBeUndefined();
    expect(vaultArg(['electron', '.', '--vault', '--inspect'])).toBeUndefined();
    expect(vaultArg(['electron', '.'])).toBeUndefined();
  });
});

// What the build produced (skipped when out/ has not been built): the layering rules must hold in
// the bundles too, not only in the sources.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = (p: string) => join(root, 'out', p);

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const re of [/require\(\s*["']([^"']+)["']\s*\)/g, /\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\bimport\s*["']([^"']+)["']/g]) {
    for (const m of text.matchAll(re)) found.add(m[1]!);
  }
  return [...found];
}

describe('built bundles', () => {
  it.skipIf(!existsSync(out('preload/index.cjs')))('the sandboxed preload requires nothing but electron', () => {
    expect(importsOf(out('preload/index.cjs'))).toEqual(['electron']);
  });

  it.skipIf(!existsSync(out('main/web.js')))('the browser host and the CLI never load electron', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^electron(\/|$)/);
        if (spec.startsWith('.')) visit(join(dirname(file), spec));
      }
    };
    visit(out('main/web.js'));
    if (existsSync(out('main/cli.js'))) visit(out('main/cli.js'));
    expect(seen.size).toBeGreaterThan(0);
  });
});
