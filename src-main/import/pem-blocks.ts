/**
 * RFC 7468 PEM blocks found in a text file: the label, the headers (RFC 1421 Proc-Type/DEK-Info of
 * legacy encrypted keys) and the base64 body decoded. Text scanning only; the DER inside is read by
 * the libraries. Stray text between blocks (openssl's "Bag Attributes", comments) is ignored.
 */
export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Buffer;
  /** The block as found, for parsers that take PEM text (Node reads legacy encrypted PEM itself). */
  text: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 #]{1,64})-----\s*$/;
const END = /^-----END ([A-Z0-9 #]{1,64})-----\s*$/;
const BASE64 = /^[A-Za-z0-9+/=]*$/;

/**
 * Null when the text has no PEM block at all. One pass over the lines (linear in the file: no
 * backtracking pattern over the whole text). A block whose base64 is damaged, or that never
 * ends, is returned with `der` empty so the caller reports it as malformed.
 */
export function pemBlocks(text: string): PemBlock[] | null {
  const out: PemBlock[] = [];
  let open: { label: string; headers: Record<string, string>; body: string[]; raw: string[]; bad: boolean } | null = null;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (!open) {
      const m = BEGIN.exec(line);
      if (m) open = { label: m[1]!, headers: {}, body: [], raw: [line], bad: false };
      continue;
    }
    open.raw.push(line);
    const end = END.exec(line);
    if (end) {
      const body = open.body.join('');
      const bad = open.bad || end[1] !== open.label || !BASE64.test(body);
      out.push({ label: open.label, headers: open.headers, der: bad ? Buffer.alloc(0) : Buffer.from(body, 'base64'), text: open.raw.join('\n') + '\n' });
      open = null;
    } else if (open.body.length === 0 && /^[A-Za-z-]+:/.test(line)) {
      const i = line.indexOf(':');
      open.headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    } else if (BEGIN.test(line)) {
      open.bad = true;
    } else {
      open.body.push(line.trim());
    }
  }
  if (open) out.push({ label: open.label, headers: open.headers, der: Buffer.alloc(0), text: '' });
  return out.length ? out : null;
}
