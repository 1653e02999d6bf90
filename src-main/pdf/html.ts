/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A printable document: our own stylesheet, no scripts, nothing loaded from anywhere. */
export function printableDocument(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:10pt;color:#111;}
h1{font-size:18pt;margin:0 0 4mm}h2{font-size:13pt;margin:6mm 0 2mm;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:2mm 0}th,td{border:1px solid #bbb;padding:1.5mm 2mm;text-align:left;vertical-align:top}
th{background:#eee}.mono{font-family:"DejaVu Sans Mono",monospace;font-size:9pt;word-break:break-all}
.page{page-break-after:always}.muted{color:#555}
</style></head><body>${body}</body></html>`;
}
