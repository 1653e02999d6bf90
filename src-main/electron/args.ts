/**
 * `--vault DIR` or `--vault=DIR` from the Electron command line (which also holds the executable,
 * the main script and any Chromium switches, so everything else is ignored).
 */
export function vaultArg(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--vault') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        found = next;
        i++;
      }
    } else if (arg.startsWith('--vault=')) {
      found = arg.slice('--vault='.length);
    }
  }
  return found === '' ? undefined : found;
}
