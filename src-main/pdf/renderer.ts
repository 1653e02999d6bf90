/**
 * Turns a self-contained HTML document into a PDF. Hosts supply the implementation: Electron uses
 * its own printToPDF (src-main/electron/), the browser host and the CLI use Debian's Chromium
 * headless (chromium-pdf.ts). Documents must not load anything: renderers block every request.
 */
export interface PdfRenderer {
  render(html: string, options?: PdfOptions): Promise<Buffer>;
  close(): Promise<void>;
}

export interface PdfOptions {
  /** Default A4. */
  format?: 'A4' | 'Letter';
  landscape?: boolean;
}

/** A PDF starts with this; a renderer's output is checked before anyone writes it to a file. */
export function looksLikePdf(bytes: Buffer): boolean {
  return bytes.subarray(0, 5).toString('latin1') === '%PDF-';
}
