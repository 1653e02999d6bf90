import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test as base, expect } from './fixtures';
import { snap } from './steps';

// Issue 8 end to end: a vault of 100,000 synthetic keys (seeded by the CLI before the console
// opens), the dashboard, a drill-down from an algorithm slice to the filtered inventory, a
// fingerprint-prefix search, the compliance report PDF read back with pdftotext, and screenshots
// in both themes. First paint and scrolling frame rate are printed, never asserted.

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'out', 'main', 'cli.js');
const ADMIN = 'alice';
const PASSPHRASE = 'correct horse battery staple';
const KEYS = 100_000;
const SLOW = { timeout: 30_000 };

const test = base.extend<{ vaultDir: string }>({
  // The same temporary vault folder, created and seeded through the CLI before the console starts.
  vaultDir: async ({ vaultDir }, use) => {
    const secret = join(dirname(vaultDir), 'passphrase.txt');
    await writeFile(secret, PASSPHRASE, { mode: 0o600 });
    const auth = ['--vault', vaultDir, '--user', ADMIN, '--passphrase-file', secret];
    await run(process.execPath, [CLI, 'init', '--vault', vaultDir, '--admin', ADMIN, '--passphrase-file', secret], { cwd: root });
    const started = Date.now();
    const seeded = await run(process.execPath, [CLI, ...auth, 'demo', 'seed', '--keys', String(KEYS)], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    console.log(`custos e2e dashboard: demo seed of ${KEYS} keys took ${Date.now() - started} ms: ${seeded.stdout.trim().split('\n').pop()}`);
    await use(vaultDir);
  },
});

test.setTimeout(120_000);

test('100,000 keys: dashboard, drill-down, prefix search, compliance PDF, both themes', async ({ consolePage: page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  let algorithmCount = 0;
  let activeCount = 0;

  await test.step('unlock and land on the dashboard (first paint is measured)', async () => {
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible(SLOW);
    await page.getByLabel('User name').fill(ADMIN);
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    const t0 = Date.now();
    await page.getByLabel('Passphrase', { exact: true }).press('Enter');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible(SLOW);
    const tUnlocked = Date.now();
    await expect(page.locator('[data-testid="dashboard"][data-ready="true"]')).toBeVisible(SLOW);
    await expect(page.getByTestId('chart-algorithm-chart').locator('.recharts-sector').first()).toBeVisible();
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const tPainted = Date.now();
    const coreMs = await page.getByTestId('dashboard').getAttribute('data-took-ms');
    await expect(page.getByTestId('dashboard-below-fold')).toBeVisible(SLOW);
    const tComplete = Date.now();
    const renderMs = await page.evaluate(() => {
      const data = performance.getEntriesByName('custos:dashboard-data')[0];
      const painted = performance.getEntriesByName('custos:dashboard-painted')[0];
      return data && painted ? painted.startTime - data.startTime : null;
    });
    const roundTripMs = await page.evaluate(() => {
      const request = performance.getEntriesByName('custos:dashboard-request')[0];
      const data = performance.getEntriesByName('custos:dashboard-data')[0];
      return request && data ? data.startTime - request.startTime : null;
    });
    console.log(
      `custos e2e dashboard: first dashboard paint ${tPainted - tUnlocked} ms after the session opened ` +
        `(${tPainted - t0} ms after Enter, Argon2id included); aggregates took ${Math.round(Number(coreMs))} ms in the core and ${roundTripMs === null ? '?' : Math.round(roundTripMs)} ms from request to reply; ` +
        `the numbers and donuts painted ${renderMs === null ? '?' : Math.round(renderMs)} ms after the data arrived; ` +
        `every chart drawn ${tComplete - tUnlocked} ms after the session opened`,
    );
    await expect(page.getByTestId('kpi-total-value')).toHaveText(KEYS.toLocaleString('en'));
    activeCount = Number(await page.locator('[data-testid="chart-state-item"][data-id="active"]').getAttribute('data-count'));
    expect(activeCount).toBeGreaterThan(0);
  });

  await test.step('screenshots in light and dark themes', async () => {
    await snap(page, 'dashboard-light');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
    await page.mouse.move(600, 5); // away from the toggle's tooltip
    await snap(page, 'dashboard-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  await test.step('an algorithm slice opens the inventory filtered to exactly its keys', async () => {
    const first = page.getByTestId('chart-algorithm-item').first();
    const label = (await first.getAttribute('data-label')) ?? '';
    algorithmCount = Number(await first.getAttribute('data-count'));
    expect(algorithmCount).toBeGreaterThan(0);
    await page.getByTestId('chart-algorithm-chart').locator('.recharts-sector').first().click();
    await expect(page.getByRole('heading', { name: 'Key inventory' })).toBeVisible();
    await expect(page.getByTestId('filter-chip').filter({ hasText: 'Algorithm:' })).toHaveText(`Algorithm: ${label}`);
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', String(algorithmCount));
    await expect(page.getByTestId('key-row').first()).toBeVisible();
    // Every row shown has that algorithm.
    const algorithms = await page.getByTestId('key-row').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('[role="cell"]')[1]?.textContent ?? ''));
    expect(new Set(algorithms)).toEqual(new Set([label]));
  });

  await test.step('a fingerprint prefix finds its key', async () => {
    const row = page.getByTestId('key-row').filter({ has: page.locator('[role="cell"]') }).nth(3);
    const id = await row.getAttribute('data-key-id');
    const fingerprint = (await row.getAttribute('data-fingerprint')) ?? '';
    expect(fingerprint).toMatch(/^[0-9a-f]{6,}/);
    const prefix = fingerprint.slice(0, 8);
    await page.getByLabel('Search keys').fill(prefix);
    await expect(page.getByTestId('filter-chip').first()).toContainText(`Starts with “${prefix}”`);
    await expect(page.locator(`[data-testid="key-row"][data-key-id="${id}"]`)).toBeVisible();
    const total = Number(await page.getByTestId('inventory-count').getAttribute('data-total'));
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThan(algorithmCount);
    const fps = await page.getByTestId('key-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fingerprint') ?? ''));
    for (const f of fps) expect(f.startsWith(prefix)).toBe(true);

    // The command palette finds the same key by its fingerprint prefix, and Enter opens it.
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Go to a screen or a key' });
    await palette.getByRole('combobox').fill(prefix);
    await expect(palette.getByTestId('palette-key').first()).toContainText(prefix);
    await palette.getByRole('combobox').press('Enter');
    await expect(page.getByTestId('key-fingerprint')).toHaveText(fingerprint);
    await page.getByRole('button', { name: 'Back to inventory' }).click();
    await expect(page.getByTestId('filter-chip').first()).toContainText(prefix);
  });

  await test.step('select three keys, export their CBOM, tag them at once, find them by the tag, save the view', async () => {
    await page.getByLabel('Search keys').fill('');
    // The emptied search applies 250 ms later and its chip goes: wait for that, or the chip row
    // reflows under the next click (seen once under CI load: the click missed Clear all).
    await expect(page.getByTestId('filter-chip').filter({ hasText: 'Starts with' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Clear all' }).click();
    await expect(page.getByTestId('filter-chip')).toHaveCount(0);
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', String(KEYS));
    const boxes = page.getByTestId('key-row').getByRole('checkbox', { name: 'Select this key' });
    await boxes.nth(0).check();
    await boxes.nth(2).click({ modifiers: ['Shift'] }); // a range: rows 1 to 3
    await expect(page.getByTestId('bulk-count')).toHaveText('3 keys selected');
    // The three as a CBOM: the core writes the file, the notice names it.
    const chosen = await page.locator('[data-testid="key-row"][aria-selected="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key-id')));
    expect(chosen).toHaveLength(3);
    await page.getByTestId('bulk-export-cbom').click();
    await expect(page.getByTestId('notice')).toContainText('CBOM written');
    const cbomPath = /3 keys in (\S+\.json)/.exec((await page.getByTestId('notice').innerText()) ?? '')?.[1] ?? '';
    const bom = JSON.parse(await readFile(cbomPath, 'utf8')) as { bomFormat: string; specVersion: string; components: { 'bom-ref': string; cryptoProperties?: { assetType: string } }[] };
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.6');
    const keyRefs = bom.components.filter((c) => c.cryptoProperties?.assetType === 'related-crypto-material').map((c) => c['bom-ref']);
    expect(keyRefs).toHaveLength(3);
    for (const id of chosen) expect(keyRefs.some((ref) => ref.includes(id!))).toBe(true);
    await page.getByRole('button', { name: 'Tag…', exact: true }).click();
    await page.getByRole('dialog').getByLabel(/^Tags/).fill('e2e-batch, audit:2026');
    await page.getByTestId('bulk-apply').click();
    await expect(page.getByTestId('notice')).toContainText('Tagged 3 keys');
    await page.getByLabel('Search keys').fill('e2e-batch');
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', '3');
    await page.getByTestId('save-view').click();
    await page.getByRole('dialog').getByLabel('View name').fill('E2E batch');
    await page.getByRole('dialog').getByRole('button', { name: 'Save view' }).click();
    await expect(page.getByTestId('notice')).toContainText('View saved');
    await page.getByRole('button', { name: 'Clear all' }).click();
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', String(KEYS));
    await page.getByTestId('saved-views').click();
    await page.getByRole('option', { name: 'E2E batch' }).click();
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', '3');
  });

  await test.step('the filter panel: state Active gives the count the dashboard showed', async () => {
    await page.getByRole('button', { name: 'Clear all' }).click();
    await page.getByTestId('toggle-filters').click();
    const panel = page.getByTestId('inventory-filters');
    await panel.getByRole('combobox', { name: 'State', exact: true }).click({ force: true, timeout: 5_000 });
    await page.getByRole('option', { name: 'Active', exact: true }).click();
    await page.keyboard.press('Escape');
    await panel.getByTestId('apply-filters').click();
    await expect(page.getByTestId('filter-chip')).toHaveText('State: Active');
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', String(activeCount));
    await expect(page.getByTestId('key-row').first().getByTestId('key-state')).toHaveText(/^active$/i);
  });

  await test.step('scrolling the whole inventory: frame rate (printed)', async () => {
    await page.getByRole('button', { name: 'Clear all' }).click();
    await expect(page.getByTestId('inventory-count')).toHaveAttribute('data-total', String(KEYS));
    // Two speeds: a brisk wheel (3 rows a frame) and a fling across the whole list in about 4 s.
    const measure = (rowsPerFrame: number | null) =>
      page.getByTestId('virtual-scroll').evaluate(async (el, rowsPerFrame) => {
        const frames: number[] = [];
        const step = rowsPerFrame === null ? el.scrollHeight / 240 : (rowsPerFrame * 40 * el.scrollHeight) / (40 * 100_000);
        const start = performance.now();
        await new Promise<void>((done) => {
          const tick = (t: number) => {
            frames.push(t);
            el.scrollTop += step;
            if (t - start < 2000) requestAnimationFrame(tick);
            else done();
          };
          requestAnimationFrame(tick);
        });
        const gaps = frames.slice(1).map((t, i) => t - frames[i]!);
        return { fps: (frames.length - 1) / ((frames[frames.length - 1]! - frames[0]!) / 1000), worst: Math.max(...gaps), top: el.scrollTop };
      }, rowsPerFrame);
    const wheel = await measure(3);
    const fling = await measure(null);
    console.log(
      `custos e2e dashboard: scrolling ${KEYS} rows: ${wheel.fps.toFixed(1)} frames/s at 3 rows a frame (worst gap ${wheel.worst.toFixed(0)} ms), ` +
        `${fling.fps.toFixed(1)} frames/s flinging (worst gap ${fling.worst.toFixed(0)} ms, reached ${Math.round(fling.top)} px)`,
    );
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    if (heap) console.log(`custos e2e dashboard: renderer JS heap after scrolling: ${(heap / 1024 / 1024).toFixed(0)} MiB`);
    // The rows where the fling stopped arrive (pages are fetched as the table scrolls).
    await expect(page.getByTestId('row-loading')).toHaveCount(0, SLOW);
    const first = await page.getByTestId('key-row').first().getAttribute('aria-rowindex');
    expect(Number(first)).toBeGreaterThan(10_000);
  });

  await test.step('keyboard: arrows move between rows, Enter opens the key', async () => {
    await page.getByTestId('virtual-scroll').evaluate((el) => (el.scrollTop = 0));
    // The rows of the old scroll position stay in the DOM until the table re-renders at the top;
    // focusing before that would start from wherever the fling stopped.
    const firstRow = page.getByTestId('key-row').first();
    await expect(firstRow).toHaveAttribute('aria-rowindex', '2');
    await firstRow.focus();
    await page.keyboard.press('ArrowDown');
    const focused = page.locator('[data-testid="key-row"]:focus');
    await expect(focused).toHaveAttribute('aria-rowindex', '3');
    const name = await focused.locator('[role="cell"]').first().innerText();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: name.trim(), exact: true })).toBeVisible();
  });

  await test.step('export the compliance report as of 2036-01-01 and read the PDF back', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Reports', exact: true }).click();
    await page.getByTestId('report-as-of-2036-01-01').click();
    await page.getByTestId('export-report').click();
    const path = (await page.getByTestId('report-path').innerText({ timeout: 30_000 })).trim();
    expect(path).toMatch(/\.pdf$/);
    const { stdout: text } = await run('pdftotext', ['-layout', path, '-']);
    expect(text).toMatch(/compliance/i);
    expect(text).toContain('2036-01-01');
    expect(text.replace(/[,\s]/g, '')).toContain(String(KEYS));
    await test.info().attach('compliance-report.txt', { body: text, contentType: 'text/plain' });
  });
});
