import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

// The browser host's WebSocket bridge in real Chromium: only the page that holds the launch token
// (and, after it, that tab's session) can call the core. See src-main/web/server.ts.

interface Attempt {
  code: number;
  reason: string;
  messages: string[];
}

/** From inside `page`, opens the bridge with these subprotocols, tries a call, reports the close. */
function attemptBridge(page: Page, target: string, protocols: string[]): Promise<Attempt> {
  return page.evaluate(
    ({ target, protocols }) =>
      new Promise<Attempt>((resolve) => {
        const messages: string[] = [];
        const ws = new WebSocket(target, protocols);
        ws.onopen = () => ws.send(JSON.stringify({ id: 1, channel: 'app.info', input: {} }));
        ws.onmessage = (e) => {
          messages.push(String(e.data));
          ws.close();
        };
        ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, messages });
      }),
    { target, protocols },
  );
}

const tokenProtocols = (token: string) => ['custos.v1', `custos.token.${token}`];

test.describe('browser host bridge', () => {
  test('a page opened without the token cannot call any channel', async ({ webHost, page }) => {
    await page.goto(`${webHost.origin}/`);
    await expect(page.getByText(/opened without its access token/)).toBeVisible();

    const bridge = `ws://127.0.0.1:${webHost.port}/bridge`;
    // Same origin, so only the token is missing or wrong: closed with 4401, never answered.
    for (const protocols of [[], ['custos.v1'], tokenProtocols('0'.repeat(64)), tokenProtocols(webHost.launchToken.toUpperCase())]) {
      const attempt = await attemptBridge(page, bridge, protocols);
      expect(attempt.code, protocols.join(',')).toBe(4401);
      expect(attempt.messages).toEqual([]);
    }
    // A token in the query string is not looked at: the upgrade is refused outright.
    const inQuery = await attemptBridge(page, `${bridge}?token=${webHost.launchToken}`, ['custos.v1']);
    expect(inQuery.code).toBe(1006);
    expect(inQuery.messages).toEqual([]);

    // None of that used up the launch token: the real link still opens the console. (Leave the
    // page first: a change of fragment alone would not load it again.)
    await page.goto('about:blank');
    await page.goto(webHost.url);
    await expect(page.getByTestId('app-version').first()).toContainText(/Custos \d+\.\d+\.\d+/);
  });

  test('the launch link works once: a second tab with it is refused, the first survives a reload', async ({ webHost, context }) => {
    const first = await context.newPage();
    await first.goto(webHost.url);
    await expect(first.getByTestId('app-version').first()).toContainText(/Custos \d+\.\d+\.\d+/);
    // The token left the address bar as soon as the page read it.
    await expect.poll(() => new URL(first.url()).hash).toBe('');
    expect(first.url()).not.toContain(webHost.launchToken);

    const second = await context.newPage();
    await second.goto(webHost.url);
    await expect(second.getByText(/already used/)).toBeVisible();
    const raw = await attemptBridge(second, `ws://127.0.0.1:${webHost.port}/bridge`, tokenProtocols(webHost.launchToken));
    expect(raw.code).toBe(4401);
    expect(raw.reason).toBe('token already used');
    expect(raw.messages).toEqual([]);

    // The first tab reconnects with its session token after a reload.
    await first.reload();
    await expect(first.getByTestId('app-version').first()).toContainText(/Custos \d+\.\d+\.\d+/);
  });

  test('another origin cannot open the bridge, even with the token', async ({ webHost, page }) => {
    const other: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
    try {
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const attempt = await attemptBridge(page, `ws://127.0.0.1:${webHost.port}/bridge`, tokenProtocols(webHost.launchToken));
      expect(attempt.code).toBe(1006); // refused at the handshake (HTTP 403)
      expect(attempt.messages).toEqual([]);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((done) => other.close(() => done()));
    }
    // The refused attempt did not consume the token.
    await page.goto(webHost.url);
    await expect(page.getByTestId('app-version').first()).toContainText(/Custos \d+\.\d+\.\d+/);
  });

  test('a DNS-rebinding name for 127.0.0.1 gets nothing', async ({ webHost, playwright }, testInfo) => {
    // A separate browser whose resolver maps rebind.test to 127.0.0.1, like a rebinding attack.
    const launch = testInfo.project.use.launchOptions ?? {};
    const browser = await playwright.chromium.launch({ ...launch, args: [...(launch.args ?? []), '--host-resolver-rules=MAP rebind.test 127.0.0.1'] });
    try {
      const page = await browser.newPage({ bypassCSP: true }); // so that the server, not the CSP, does the refusing
      const response = await page.goto(`http://rebind.test:${webHost.port}/`);
      expect(response?.status()).toBe(421);
      await expect(page.locator('#root')).toHaveCount(0);
      const attempt = await attemptBridge(page, `ws://rebind.test:${webHost.port}/bridge`, tokenProtocols(webHost.launchToken));
      expect(attempt.code).toBe(1006);
    } finally {
      await browser.close();
    }
  });
});
