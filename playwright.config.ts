import { defineConfig } from '@playwright/test';
import { ELECTRON_SKIP_REASON, electronExecutable } from './e2e/electron-runtime';
import type { FixtureOptions } from './e2e/fixtures';

// End-to-end tests drive the real core. The browser project runs the console through the browser
// host (out/main/web.js) in Debian's Chromium; the electron project runs the same specs through
// _electron.launch where the Electron runtime is installed, and is skipped (with its reason) where
// it is not. Playwright never downloads a browser here: `playwright install` is never run.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (electronExecutable() === null && process.env.TEST_WORKER_INDEX === undefined) {
  console.log(`custos e2e: the electron project is skipped: ${ELECTRON_SKIP_REASON}.`);
}

const chromium = {
  browserName: 'chromium' as const,
  headless: true,
  launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
};

export default defineConfig<FixtureOptions>({
  testDir: 'e2e',
  outputDir: 'test-results',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-results.json' }]],
  // Two cores: the core's Argon2id and Chromium compete for them.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // No retries: a flaky spec is a defect to fix (the dashboard spec's late-step races were: a stale
  // debounced search over a saved view, and focusing a row before the table re-rendered at the top).
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'browser',
      use: { ...chromium, hostKind: 'browser' },
    },
    {
      name: 'electron',
      // The bridge-security spec is about the browser host's WebSocket; Electron has no bridge.
      testIgnore: /bridge-security\.spec\.ts$/,
      use: { ...chromium, hostKind: 'electron' },
    },
  ],
});
