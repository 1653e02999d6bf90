import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { combineMnemonics, splitSecret } from '../../backup/slip39/index.js';
import { wipe } from '../../crypto/wipe.js';
import { only, parseWith, print, readSecretFile, UsageError, type Cli } from '../context.js';

/** "2/3,3/5" → two groups: 2 of 3 and 3 of 5 shares. */
function parseGroups(spec: string): Array<{ threshold: number; count: number }> {
  return spec.split(',').map((part) => {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--groups: "${part}" is not THRESHOLD/COUNT (for example 2/3,3/5)`);
    return { threshold: Number(m[1]), count: Number(m[2]) };
  });
}

/**
 * shares split --secret-hex HEX --threshold M --shares N [--groups T/C,… --group-threshold G] [--passphrase-file F]
 * Prints the SLIP-0039 mnemonics one per line (groups separated by a blank line). No vault needed.
 */
export async function sharesSplit(cli: Cli): Promise<number> {
  only(cli, ['secret-hex', 'threshold', 'shares', 'groups', 'group-threshold', 'passphrase-file']);
  const hex = parseWith(z.string().regex(/^(?:[0-9a-fA-F]{2}){16,}$/, 'at least 16 bytes as hex, an even number of digits'), cli.values['secret-hex'], '--secret-hex');
  let groups: Array<{ threshold: number; count: number }>;
  let groupThreshold: number;
  if (cli.values.groups) {
    groups = parseGroups(cli.values.groups);
    groupThreshold = parseWith(z.coerce.number().int().min(1).max(16), cli.values['group-threshold'] ?? String(groups.length), '--group-threshold');
  } else {
    const threshold = parseWith(z.coerce.number().int().min(1).max(16), cli.values.threshold, '--threshold');
    const count = parseWith(z.coerce.number().int().min(1).max(16), cli.values.shares, '--shares');
    groups = [{ threshold, count }];
    groupThreshold = 1;
  }
  const passphrase = cli.values['passphrase-file'] ? await readSecretFile(cli.io, cli.values['passphrase-file']) : undefined;
  const secret = Buffer.from(hex, 'hex');
  try {
    const mnemonics = splitSecret(secret, { groupThreshold, groups, passphrase });
    print(cli, { groupThreshold, groups: mnemonics }, mnemonics.map((g) => g.join('\n')).join('\n\n') + '\n');
  } finally {
    wipe(secret);
  }
  return 0;
}

/** shares combine --in FILE [--passphrase-file F]: mnemonics one per line → the master secret as hex. */
export async function sharesCombine(cli: Cli): Promise<number> {
  only(cli, ['in', 'passphrase-file']);
  if (!cli.values.in) throw new UsageError('--in FILE is required (one mnemonic per line; "-" reads standard input)');
  let text: string;
  try {
    text = cli.values.in === '-' ? await cli.io.readStdin() : readFileSync(cli.values.in, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${cli.values.in}`);
  }
  const mnemonics = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const passphrase = cli.values['passphrase-file'] ? await readSecretFile(cli.io, cli.values['passphrase-file']) : undefined;
  const secret = combineMnemonics(mnemonics, passphrase);
  const hex = Buffer.from(secret).toString('hex');
  wipe(secret);
  print(cli, { masterSecret: hex }, hex + '\n');
  return 0;
}
