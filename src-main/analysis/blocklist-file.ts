import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CustosError } from '../errors.js';
import { parseBlocklist, type Blocklist } from './blocklist.js';

/** The published list is about 60 MB; a file far beyond that is not a blocklist we should read into memory. */
export const MAX_BLOCKLIST_BYTES = 1024 * 1024 * 1024;

/**
 * Reads a badkeys `blocklist.dat` from a local file. The list names come from `metadataPath`, or
 * from a `badkeysdata.json` beside the file when there is one (the layout badkeys' cache uses).
 */
export function readBlocklistFile(path: string, metadataPath?: string): Blocklist & { path: string } {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CustosError('E_INPUT', `${path} is not a file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError('E_NOT_FOUND', `The blocklist file ${path} cannot be read. Check the path.`);
  }
  if (size > MAX_BLOCKLIST_BYTES) throw new CustosError('E_INPUT', `The blocklist file is ${size} bytes; at most ${MAX_BLOCKLIST_BYTES} are read.`);
  const meta = metadataPath ?? join(dirname(path), 'badkeysdata.json');
  let metaText: string | undefined;
  if (metadataPath !== undefined || existsSync(meta)) {
    try {
      metaText = readFileSync(meta, 'utf8');
    } catch {
      throw new CustosError('E_NOT_FOUND', `The blocklist metadata ${meta} cannot be read. Check the path.`);
    }
  }
  return { ...parseBlocklist(readFileSync(path), metaText), path };
}
