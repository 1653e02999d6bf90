import { BrowserWindow, session } from 'electron';
import { CustosError } from '../errors.js';
import { looksLikePdf, type PdfOptions, type PdfRenderer } from '../pdf/renderer.js';

/**
 * PDFs through Electron's own printToPDF: a hidden window in a private in-memory session with
 * JavaScript off and every request cancelled, so a document prints only the HTML we made.
 */
export function electronPdfRenderer(): PdfRenderer {
  const partition = 'custos-pdf';
  let configured = false;
  return {
    async render(html: string, options: PdfOptions = {}): Promise<Buffer> {
      const ses = session.fromPartition(partition, { cache: false });
      if (!configured) {
        // data: is the document itself; anything else would be a load from outside.
        ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('data:') }));
        configured = true;
      }
      const win = new BrowserWindow({ show: false, webPreferences: { session: ses, javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false } });
      try {
        await win.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`);
        const pdf = Buffer.from(await win.webContents.printToPDF({ pageSize: options.format ?? 'A4', landscape: options.landscape ?? false, printBackground: true }));
        if (!looksLikePdf(pdf)) throw new CustosError('E_INTERNAL', 'Electron did not produce a PDF.');
        return pdf;
      } finally {
        win.destroy();
      }
    },
    async close(): Promise<void> {},
  };
}
