import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CustosError } from '../errors.js';
import { looksLikePdf, type PdfOptions, type PdfRenderer } from './renderer.js';

/** Where Debian installs Chromium; CUSTOS_CHROMIUM overrides it. */
export function chromiumPath(): string {
  return process.env.CUSTOS_CHROMIUM ?? '/usr/bin/chromium';
}

/**
 * PDFs through a headless Chromium, started on first use and kept for the next document. The
 * page runs with JavaScript disabled and every network request aborted: a report is printed from
 * the HTML we made, nothing else.
 */
export function chromiumPdfRenderer(executablePath = chromiumPath()): PdfRenderer {
  let browser: Promise<Browser> | null = null;

  async function launch(): Promise<Browser> {
    if (!existsSync(executablePath)) {
      throw new CustosError('E_UNSUPPORTED', `Making a PDF needs Chromium at ${executablePath}. Install Debian's "chromium" package (or set CUSTOS_CHROMIUM), or export JSON instead.`);
    }
    const { chromium } = await import('playwright-core');
    // --no-sandbox: Chromium refuses to start its sandbox as root, which is how these workstations run it.
    return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }

  return {
    async render(html: string, options: PdfOptions = {}): Promise<Buffer> {
      browser ??= launch();
      let b: Browser;
      try {
        b = await browser;
      } catch (e) {
        browser = null;
        throw e;
      }
      const context = await b.newContext({ javaScriptEnabled: false, offline: true });
      try {
        const page = await context.newPage();
        await page.route('**/*', (route) => route.abort());
        await page.setContent(html, { waitUntil: 'load' });
        const pdf = await page.pdf({ format: options.format ?? 'A4', landscape: options.landscape ?? false, printBackground: true, margin: { top: '16mm', bottom: '16mm', left: '14mm', right: '14mm' } });
        if (!looksLikePdf(pdf)) throw new CustosError('E_INTERNAL', 'Chromium did not produce a PDF.');
        return pdf;
      } finally {
        await context.close().catch(() => undefined);
      }
    },
    async close(): Promise<void> {
      const b = browser;
      browser = null;
      if (b) await (await b.catch(() => null))?.close().catch(() => undefined);
    },
  };
}
