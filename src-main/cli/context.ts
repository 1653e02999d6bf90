import { readFileSync, statSync } from 'node:fs';
import type { parseArgs } from 'node:util';
import type { z } from 'zod';
import { userNameSchema } from '../../src-shared/users.js';
import { resolveVaultDir } from '../platform/paths.js';
import { UnlockedVault } from '../vault/vault.js';
import { createTokenService } from '../app/token-setup.js';
import { CardService } from '../users/card-service.js';
import type { CliIo } from './io.js';

export class UsageError extends Error {}

export const OPTIONS = {
  vault: { type: 'string' },
  user: { type: 'string' },
  'passphrase-file': { type: 'string' },
  quorum: { type: 'boolean' },
  custodians: { type: 'string' },
  'share-passphrase-files': { type: 'string' },
  admin: { type: 'string' },
  name: { type: 'string' },
  alg: { type: 'string' },
  search: { type: 'string' },
  limit: { type: 'string' },
  key: { type: 'string' },
  role: { type: 'string' },
  'new-passphrase-file': { type: 'string' },
  'no-personal-unlock': { type: 'boolean' },
  threshold: { type: 'string' },
  out: { type: 'string' },
  'expect-key': { type: 'string' },
  operation: { type: 'string' },
  outcome: { type: 'string' },
  actor: { type: 'string' },
  status: { type: 'string' },
  reason: { type: 'string' },
  token: { type: 'string' },
  'unlock-token': { type: 'string' },
  card: { type: 'string' },
  module: { type: 'string' },
  slot: { type: 'string' },
  label: { type: 'string' },
  'so-pin-file': { type: 'string' },
  'user-pin-file': { type: 'string' },
  'pin-file': { type: 'string' },
  usage: { type: 'string' },
  wrappable: { type: 'boolean' },
  in: { type: 'string' },
  sig: { type: 'string' },
  mechanism: { type: 'string' },
  after: { type: 'string' },
  format: { type: 'string' },
  subject: { type: 'string' },
  dns: { type: 'string' },
  ca: { type: 'boolean' },
  days: { type: 'string' },
  'as-of': { type: 'string' },
  purpose: { type: 'string' },
  'secret-hex': { type: 'string' },
  shares: { type: 'string' },
  groups: { type: 'string' },
  'group-threshold': { type: 'string' },
  scheme: { type: 'string' },
  script: { type: 'string' },
  'mnemonics-file': { type: 'string' },
  'components-file': { type: 'string' },
  'share-files': { type: 'string' },
  blocklist: { type: 'string' },
  private: { type: 'boolean' },
  'key-passphrase-file': { type: 'string' },
  keys: { type: 'string' },
  filter: { type: 'string' },
  sort: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export type OptionName = keyof typeof OPTIONS;
export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Options every command accepts: where the vault is, who acts, and output form. */
const GLOBAL: OptionName[] = ['vault', 'user', 'passphrase-file', 'quorum', 'custodians', 'share-passphrase-files', 'unlock-token', 'card', 'pin-file', 'json', 'help', 'version'];

export interface Cli {
  io: CliIo;
  values: Values;
  /** Words after the noun and verb. */
  args: string[];
  command: string;
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${what}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

export function only(cli: Cli, allowed: OptionName[], maxArgs = 0): void {
  for (const k of Object.keys(cli.values) as OptionName[]) {
    if (!allowed.includes(k) && !GLOBAL.includes(k)) throw new UsageError(`--${k} does not apply to "${cli.command}"`);
  }
  if (cli.args.length > maxArgs) throw new UsageError(`unexpected argument "${cli.args[maxArgs]}"`);
}

export function vaultDir(cli: Cli): string {
  return resolveVaultDir(cli.values.vault, { env: cli.io.env, platform: process.platform, home: cli.io.env.HOME ?? '' });
}

/** Reads the first line of a secret file ("-" is standard input), warning when others can read it. */
export async function readSecretFile(io: CliIo, file: string | undefined, option = '--passphrase-file'): Promise<string> {
  if (!file) throw new UsageError(`${option} is required (use "-" to read it from standard input)`);
  let text: string;
  if (file === '-') text = await io.readStdin();
  else {
    try {
      const st = statSync(file);
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) io.stderr(`custos: warning: ${file} can be read by other users; restrict it with chmod 600.\n`);
      text = readFileSync(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read ${file} (${option})`);
    }
  }
  // The first line is the secret; editors and `echo` add a newline that is not part of it.
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** Custodians and their share passphrases, from --custodians a,b and --share-passphrase-files F1,F2. */
export async function readCustodians(cli: Cli): Promise<Array<{ user: string; passphrase: string }>> {
  const names = (cli.values.custodians ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const files = (cli.values['share-passphrase-files'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--custodians NAME1,NAME2,… is required with a quorum');
  if (files.length === 0 && cli.io.prompt) {
    // At a terminal each custodian types their own share passphrase in turn.
    const out: Array<{ user: string; passphrase: string }> = [];
    for (const n of names) {
      const user = parseWith(userNameSchema, n, '--custodians');
      out.push({ user, passphrase: await cli.io.prompt(`Share passphrase for custodian ${user}: `, true) });
    }
    return out;
  }
  if (files.length !== names.length) throw new UsageError(`--share-passphrase-files needs one file per custodian (${names.length} named, ${files.length} files)`);
  const out: Array<{ user: string; passphrase: string }> = [];
  for (let i = 0; i < names.length; i++) {
    out.push({ user: parseWith(userNameSchema, names[i], '--custodians'), passphrase: await readSecretFile(cli.io, files[i], '--share-passphrase-files') });
  }
  return out;
}

/**
 * Opens the vault for one command: with --quorum, the custodians unlock it and --user logs in;
 * otherwise --user's own passphrase unlocks it.
 */
export async function openVault(cli: Cli): Promise<UnlockedVault> {
  const dir = vaultDir(cli);
  const unlockToken = cli.values['unlock-token'];
  if (unlockToken) {
    // The token's holder is logged in; the token service lives only for the unlock.
    const pin = await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file');
    const tokens = createTokenService();
    try {
      return await UnlockedVault.unlockWithToken(dir, { serial: unlockToken, pin, tokens, via: 'cli' });
    } finally {
      await tokens.close();
    }
  }
  const user = parseWith(userNameSchema, cli.values.user ?? cli.io.env.CUSTOS_USER, '--user');
  if (cli.values.card && !cli.values.quorum) throw new UsageError('--card signs a person in after a custodian quorum unlocks the vault: use it with --quorum (a passphrase unlock already signs its user in)');
  if (cli.values.quorum) {
    const custodians = await readCustodians(cli);
    // With --card, --user signs in with their smart card (PIN from --pin-file) instead of a passphrase.
    const card = cli.values.card;
    const secret = card ? await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file') : await readSecretFile(cli.io, cli.values['passphrase-file']);
    const v = await UnlockedVault.unlockWithQuorum(dir, { custodians, via: 'cli' });
    try {
      if (card) await cardLogin(v, user, card, secret);
      else await v.login(user, secret);
      return v;
    } catch (e) {
      v.close();
      throw e;
    }
  }
  const passphrase = await readSecretFile(cli.io, cli.values['passphrase-file']);
  return UnlockedVault.unlock(dir, { user, passphrase, via: 'cli' });
}

/** Signs `user` in with their smart card; the token service lives only for the proof. */
async function cardLogin(v: UnlockedVault, user: string, serial: string, pin: string): Promise<void> {
  const tokens = createTokenService();
  try {
    await new CardService(v, () => tokens).login({ user, serial, pin });
  } finally {
    await tokens.close();
  }
}

export async function withVault<T>(cli: Cli, fn: (v: UnlockedVault) => T | Promise<T>): Promise<T> {
  const v = await openVault(cli);
  try {
    return await fn(v);
  } finally {
    v.close();
  }
}

export function print(cli: Cli, data: unknown, text: string): void {
  cli.io.stdout(cli.values.json ? JSON.stringify(data, null, 2) + '\n' : text);
}
