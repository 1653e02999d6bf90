/**
 * Tests only: parses `pkcs11-tool --list-objects` output into objects, so tests can check what
 * another PKCS#11 client sees of the keys Custos generated.
 */
export interface ListedObject {
  /** "Private Key Object", "Public Key Object", "Secret Key Object", … */
  kind: string;
  /** The rest of the header line: "EC", "RSA 2048 bits", "AES length 32", … */
  detail: string;
  label: string;
  id: string;
  usage: Set<string>;
  access: Set<string>;
}

export function parseListObjects(out: string): ListedObject[] {
  const objects: ListedObject[] = [];
  let cur: ListedObject | null = null;
  for (const line of out.split('\n')) {
    const head = /^(\w[\w ]* Object);\s*(.*)$/.exec(line);
    if (head) {
      cur = { kind: head[1]!, detail: head[2]!.trim(), label: '', id: '', usage: new Set(), access: new Set() };
      objects.push(cur);
      continue;
    }
    if (!cur) continue;
    const field = /^\s+(label|ID|Usage|Access):\s*(.*)$/.exec(line);
    if (!field) continue;
    const value = field[2]!.trim();
    if (field[1] === 'label') cur.label = value;
    else if (field[1] === 'ID') cur.id = value.toLowerCase();
    else {
      const set = new Set(value.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none'));
      if (field[1] === 'Usage') cur.usage = set;
      else cur.access = set;
    }
  }
  return objects;
}
