import { constants, type Dirent } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/**
 * Finds the files to import under the paths an officer chose. Folders are walked recursively in
 * name order. Symbolic links are followed only when their target lies inside the chosen folder
 * (compared by real path), every folder is entered at most once (no loops), and only regular
 * files are read — never a FIFO, socket or device, which could block or never end.
 */

export type WalkEntry =
  | { kind: 'file'; /** The path as the officer sees it (through links). */ path: string; /** Resolved real path, read with O_NOFOLLOW. */ real: string }
  | { kind: 'skipped'; path: string; reason: string };

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

function errno(e: unknown): string {
  const code = (e as { code?: string }).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'it does not exist' : code === 'ELOOP' ? 'too many levels of symbolic links' : (code ?? 'unreadable');
}

/** Lists every file under `paths` (files or folders), with the entries it skipped and why. */
export async function collectFiles(paths: readonly string[], options: { maxFiles?: number } = {}): Promise<WalkEntry[]> {
  const maxFiles = options.maxFiles ?? 100_000;
  const out: WalkEntry[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  let files = 0;

  const addFile = (path: string, real: string) => {
    if (seenFiles.has(real)) return; // the same file through another link or argument
    seenFiles.add(real);
    if (files >= maxFiles) {
      out.push({ kind: 'skipped', path, reason: `more than ${maxFiles} files were found; the rest were not read` });
      return;
    }
    files++;
    out.push({ kind: 'file', path, real });
  };

  async function walkDir(shown: string, real: string, root: string): Promise<void> {
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(real, { withFileTypes: true });
    } catch (e) {
      out.push({ kind: 'skipped', path: shown, reason: `the folder cannot be read: ${errno(e)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of entries) {
      const shownChild = join(shown, d.name);
      const realChild = join(real, d.name);
      if (d.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(realChild);
        } catch (e) {
          out.push({ kind: 'skipped', path: shownChild, reason: `symbolic link that leads nowhere (${errno(e)})` });
          continue;
        }
        if (!inside(root, target)) {
          out.push({ kind: 'skipped', path: shownChild, reason: `symbolic link to ${target}, outside the chosen folder: not followed` });
          continue;
        }
        let st;
        try {
          st = await stat(target);
        } catch (e) {
          out.push({ kind: 'skipped', path: shownChild, reason: `cannot be read: ${errno(e)}` });
          continue;
        }
        if (st.isDirectory()) await walkDir(shownChild, target, root);
        else if (st.isFile()) addFile(shownChild, target);
        else out.push({ kind: 'skipped', path: shownChild, reason: 'not a regular file (device, FIFO or socket)' });
      } else if (d.isDirectory()) {
        await walkDir(shownChild, realChild, root);
      } else if (d.isFile()) {
        addFile(shownChild, realChild);
      } else {
        out.push({ kind: 'skipped', path: shownChild, reason: 'not a regular file (device, FIFO or socket)' });
      }
    }
  }

  for (const p of paths) {
    const shown = resolve(p);
    let real: string;
    try {
      await lstat(shown);
      real = await realpath(shown);
    } catch (e) {
      out.push({ kind: 'skipped', path: shown, reason: `cannot be read: ${errno(e)}` });
      continue;
    }
    const st = await stat(real);
    // A path the officer names is followed even if it is a link: the folder it leads to becomes the root.
    if (st.isDirectory()) await walkDir(shown, real, real);
    else if (st.isFile()) addFile(shown, real);
    else out.push({ kind: 'skipped', path: shown, reason: 'not a regular file (device, FIFO or socket)' });
  }
  return out;
}

export class FileReadError extends Error {}

/**
 * Reads one file found by collectFiles, refusing to follow a link swapped in since (O_NOFOLLOW),
 * to block on a FIFO (O_NONBLOCK, then fstat), and to read more than `maxBytes`.
 */
export async function readBounded(real: string, maxBytes: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    throw new FileReadError(`cannot be opened: ${errno(e)}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileReadError('not a regular file');
    if (st.size > maxBytes) throw new FileReadError(`larger than the ${Math.round(maxBytes / 1024)} KiB limit for one file (${st.size} bytes)`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}
