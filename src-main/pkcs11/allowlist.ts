import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { CustosError } from '../errors.js';

/**
 * The PKCS#11 modules Custos may load. Loading a module runs its code inside Custos with access to
 * everything the process holds, so only paths an administrator listed are ever passed to dlopen.
 *
 * Rules: paths are absolute (a bare name would be searched for by the dynamic loader); a request
 * must name a listed path exactly (after normalising `..` and duplicate slashes); the file must
 * exist, be a regular file and not be writable by group or others; the real path (symlinks
 * resolved at check time) is what gets loaded.
 */
export class ModuleAllowlist {
  private readonly entries: readonly string[];

  constructor(paths: readonly string[]) {
    for (const p of paths) {
      if (!isAbsolute(p)) {
        throw new CustosError('E_INPUT', `The PKCS#11 module allowlist may hold only absolute paths; "${p}" is not one.`);
      }
    }
    this.entries = [...new Set(paths.map((p) => normalize(p)))];
  }

  get paths(): string[] {
    return [...this.entries];
  }

  isListed(path: string): boolean {
    return isAbsolute(path) && this.entries.includes(normalize(path));
  }

  /** Checks `path` against the list and the file system; returns the real path to load. */
  resolve(path: string): string {
    if (!isAbsolute(path)) {
      throw new CustosError('E_INPUT', `A PKCS#11 module must be given by its absolute path; "${path}" is not one.`);
    }
    if (!this.isListed(path)) {
      throw new CustosError(
        'E_PERMISSION',
        `The PKCS#11 module ${path} is not in the allowlist, so Custos will not load it. An administrator can add it to the list of allowed modules in Settings.`,
      );
    }
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new CustosError('E_NOT_FOUND', `The allowed PKCS#11 module ${path} does not exist on this machine. Install it or remove it from the allowlist.`);
    }
    const st = statSync(real);
    if (!st.isFile()) {
      throw new CustosError('E_INPUT', `The allowed PKCS#11 module ${path} is not a regular file.`);
    }
    if ((st.mode & 0o022) !== 0) {
      throw new CustosError(
        'E_PERMISSION',
        `The PKCS#11 module ${path} is writable by users other than its owner, so anyone could change the code Custos would run. Fix its permissions (chmod go-w) before loading it.`,
      );
    }
    return real;
  }
}
