import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { chromiumPdfRenderer } from './chromium-pdf.js';
import { escapeHtml, printableDocument } from './html.js';

const renderer = chromiumPdfRenderer();
afterAll(() => renderer.close());

describe('PDF through headless Chromium', () => {
  it('prints a document whose text pdftotext reads back, escaping what it was given', async () => {
    const pdf = await renderer.render(printableDocument('Report', `<h1>Compliance report</h1><p>${escapeHtml('key <rsa-2048> & "ca"')}</p>`));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = tempDir();
    try {
      const file = join(dir.path, 'r.pdf');
      writeFileSync(file, pdf);
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      expect(text).toContain('Compliance report');
      expect(text).toContain('key <rsa-2048> & "ca"');
    } finally {
      dir.cleanup();
    }
  }, 60_000);

  it('loads nothing from the network while printing', async () => {
    const http = await import('node:http');
    let hits = 0;
    const server = http.createServer((_q, s) => {
      hits++;
      s.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await renderer.render(`<html><body><img src="http://127.0.0.1:${port}/a.png"><link rel="stylesheet" href="http://127.0.0.1:${port}/s.css">x</body></html>`);
      expect(hits).toBe(0);
    } finally {
      server.close();
    }
  }, 60_000);

  it('says what to install when Chromium is missing', async () => {
    const r = chromiumPdfRenderer('/nonexistent/chromium');
    await expect(r.render('<p>x</p>')).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
  });
});
