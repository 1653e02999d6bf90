import { directVault, importPaths, type FileOutcome } from '../../import/importer.js';
import { only, print, readSecretFile, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

/**
 * import PATH… [--private] [--key-passphrase-file F] [--json]: imports key and certificate files
 * and whole folders (recursive; links out of a folder are not followed) and prints each file's
 * outcome. Public parts are always recorded; --private also imports private keys into the vault
 * where the policy allows. The passphrase of encrypted files is read from --key-passphrase-file
 * (--passphrase-file is the acting user's own). Exit 1 when any file was neither imported nor a duplicate.
 */
export async function importCommand(cli: Cli): Promise<number> {
  only(cli, ['private', 'key-passphrase-file'], 256);
  if (cli.args.length === 0) throw new UsageError('give at least one file or folder to import');
  const passphrase = cli.values['key-passphrase-file'] ? await readSecretFile(cli.io, cli.values['key-passphrase-file'], '--key-passphrase-file') : undefined;
  const outcomes: FileOutcome[] = await withVault(cli, (v) =>
    importPaths(directVault(v), cli.args, {
      importPrivate: cli.values.private === true,
      passphrase: passphrase || undefined,
      onProgress: cli.values.json ? undefined : (done, total) => total >= 50 && cli.io.stderr(`\rImporting… ${done}/${total}${done === total ? '\n' : ''}`),
    }),
  );
  const rows = outcomes.map((o) => [o.outcome, o.path, o.format ?? '—', o.items.map((i) => `${i.type}${i.keyId ? ` ${i.keyId.slice(0, 8)}` : ''}`).join(', ') || '—', o.reason ?? '']);
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
  const summary = `${outcomes.length} file(s): ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}.\n`;
  if (cli.values.json) cli.io.stderr(summary);
  print(cli, outcomes, table(['OUTCOME', 'FILE', 'FORMAT', 'ITEMS', 'REASON'], rows) + summary);
  return outcomes.every((o) => o.outcome === 'imported' || o.outcome === 'duplicate') ? 0 : 1;
}
