import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { _electron } from 'playwright-core';
import { ELECTRON_SKIP_REASON, electronExecutable } from './electron-runtime';
import { createSoftHsm, softHsmAvailable, type SoftHsmFixture } from '../src-main/testing/softhsm';

export { expect };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEB_ENTRY = join(root, 'out', 'main', 'web.js');
const ELECTRON_ENTRY = join(root, 'out', 'main', 'electron.js');
const URL_LINE = /^Custos console \(browser mode\): (http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]{64}))$/m;

export type HostKind = 'browser' | 'electron';

export interface FixtureOptions {
  /** Which host the project drives; set per project in playwright.config.ts. */
  hostKind: HostKind;
}

/** A running browser host (node out/main/web.js) serving a fresh vault. */
export interface WebHostProcess {
  /** The address it printed, with the launch token in the fragment. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  launchToken: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

interface Fixtures {
  /** A fresh, empty temporary folder for the vault; removed after the test. */
  vaultDir: string;
  /**
   * Extra environment for the core the console talks to (the browser host or Electron). Empty by
   * default; a spec that needs a token overrides it with `{ SOFTHSM2_CONF: softHsm.conf }`.
   */
  hostEnv: Record<string, string>;
  /**
   * A fresh SoftHSM2 token store in a temporary folder, with one initialised token (random PINs)
   * and SoftHSM's free slot; removed after the test. Only the child that gets its conf (through
   * `hostEnv`) sees it: this process's SOFTHSM2_CONF is left alone. Skips the test where SoftHSM2
   * is not installed.
   */
  softHsm: SoftHsmFixture;
  /** The browser host on a free port, for specs that need to see its raw behaviour. */
  webHost: WebHostProcess;
  /** The console, ready: a Chromium page on the browser host, or the Electron main window. */
  consolePage: Page;
  _electronGate: void;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function startWebHostProcess(vaultDir: string, extraEnv: Record<string, string> = {}): Promise<{ host: WebHostProcess; child: ChildProcess }> {
  if (!existsSync(WEB_ENTRY)) throw new Error(`${WEB_ENTRY} is missing: run \`npm run build\` (electron-vite build) before the end-to-end tests.`);
  const child = spawn(process.execPath, [WEB_ENTRY, '--vault', vaultDir, '--port', '0', '--no-open'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...extraEnv, CUSTOS_VAULT: vaultDir },
  });
  let output = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  const host = await new Promise<WebHostProcess>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('The browser host did not print its address within 20 s.')), 20_000);
    function fail(e: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${e.message}\n--- output of out/main/web.js ---\n${output}`));
    }
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const m = URL_LINE.exec(output);
      if (m) {
        clearTimeout(timer);
        const url = m[1]!;
        resolve({ url, origin: `http://127.0.0.1:${m[2]}`, port: Number(m[2]), launchToken: m[3]!, output: () => output });
      }
    });
    child.stderr!.on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', (e) => fail(e));
    child.once('exit', (code, signal) => fail(new Error(`The browser host exited early (code ${code}, signal ${signal}).`)));
  });
  child.removeAllListeners('exit');
  return { host, child };
}

export const test = base.extend<Fixtures & FixtureOptions>({
  hostKind: ['browser', { option: true }],

  // Skips every test of the electron project, with its reason, where the runtime is absent.
  _electronGate: [
    async ({ hostKind }, use, testInfo) => {
      if (hostKind === 'electron' && electronExecutable() === null) testInfo.skip(true, ELECTRON_SKIP_REASON);
      await use();
    },
    { auto: true },
  ],

  // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring even without dependencies
  vaultDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'custos-e2e-vault-'));
    await use(join(dir, 'vault'));
    await rm(dir, { recursive: true, force: true });
  },

  // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring even without dependencies
  hostEnv: async ({}, use) => {
    await use({});
  },

  // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring even without dependencies
  softHsm: async ({}, use, testInfo) => {
    testInfo.skip(!softHsmAvailable(), 'SoftHSM2 (softhsm2-util and /usr/lib/softhsm/libsofthsm2.so) is not installed');
    const fx = createSoftHsm({ setProcessEnv: false });
    try {
      await use(fx);
    } finally {
      fx.cleanup();
    }
  },

  webHost: async ({ vaultDir, hostEnv }, use, testInfo) => {
    const { host, child } = await startWebHostProcess(vaultDir, hostEnv);
    await use(host);
    await stopProcess(child);
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('browser-host-output', { body: host.output(), contentType: 'text/plain' });
  },

  consolePage: async ({ hostKind, vaultDir, hostEnv, page }, use, testInfo) => {
    if (hostKind === 'browser') {
      const { host, child } = await startWebHostProcess(vaultDir, hostEnv);
      try {
        await page.goto(host.url);
        await use(page);
      } finally {
        await stopProcess(child);
        if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('browser-host-output', { body: host.output(), contentType: 'text/plain' });
      }
      return;
    }
    const executablePath = electronExecutable();
    if (executablePath === null) {
      testInfo.skip(true, ELECTRON_SKIP_REASON);
      return;
    }
    if (!existsSync(ELECTRON_ENTRY)) throw new Error(`${ELECTRON_ENTRY} is missing: run \`npm run build\` first.`);
    const app = await _electron.launch({
      executablePath,
      args: [ELECTRON_ENTRY, '--vault', vaultDir],
      cwd: root,
      env: { ...(process.env as Record<string, string>), ...hostEnv, CUSTOS_VAULT: vaultDir },
    });
    try {
      const window = await app.firstWindow();
      await use(window);
    } finally {
      await app.close();
    }
  },
});
