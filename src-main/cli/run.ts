import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { algorithmIdSchema, keyIdSchema, keyNameSchema, ALGORITHM_IDS } from '../../src-shared/keys.js';
import { passphraseSchema, userNameSchema } from '../../src-shared/users.js';
import { CustosError, toErrorShape } from '../errors.js';
import { KeyService } from '../keys/key-service.js';
import { resolveVaultDir } from '../platform/paths.js';
import { UnlockedVault } from '../vault/vault.js';
import { calibrateKdfCost } from '../crypto/passphrase-kdf.js';
import { requirePermission } from '../users/permissions.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { keyJson, keyTable, keyText, table } from './format.js';
import type { CliIo } from './io.js';

export const HELP = `custos — key lifecycle console, command line

Usage:
  custos init --vault DIR --admin NAME --passphrase-file FILE
  custos [--vault DIR] --user NAME --passphrase-file FILE keys generate --name LABEL --alg ALG [--json]
  custos [--vault DIR] --user NAME --passphrase-file FILE keys list [--search PREFIX] [--limit N] [--json]
  custos [--vault DIR] --user NAME --passphrase-file FILE keys show ID [--json]
  custos [--vault DIR] --user NAME --passphrase-file FILE audit list [--key ID] [--limit N] [--json]
  custos [--vault DIR] --user NAME --passphrase-file FILE audit verify [--json]
  custos --help | --version

Options:
  --vault DIR             the vault folder (default: $CUSTOS_VAULT, else the per-user data folder)
  --user NAME             who is acting; the vault opens with that user's passphrase
  --passphrase-file FILE  file whose first line is the passphrase ("-" reads standard input)
  --json                  print machine-readable JSON (one object or array) on standard output

Algorithms: ${ALGORITHM_IDS.join(' ')}

Exit codes: 0 ok, 1 failure, 2 usage, 3 authentication failed, 4 not found, 5 vault missing or
locked, 6 integrity error (tampered or damaged), 7 not permitted, 8 conflict (already exists).
`;

class UsageError extends Error {}

const OPTIONS = {
  vault: { type: 'string' },
  user: { type: 'string' },
  'passphrase-file': { type: 'string' },
  admin: { type: 'string' },
  name: { type: 'string' },
  alg: { type: 'string' },
  search: { type: 'string' },
  limit: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${what}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

function only(values: Values, allowed: Array<keyof typeof OPTIONS>, command: string): void {
  const global: Array<keyof typeof OPTIONS> = ['vault', 'user', 'passphrase-file', 'json', 'help', 'version'];
  for (const k of Object.keys(values) as Array<keyof typeof OPTIONS>) {
    if (!allowed.includes(k) && !global.includes(k)) throw new UsageError(`--${k} does not apply to "${command}"`);
  }
}

async function readPassphrase(io: CliIo, file: string | undefined): Promise<string> {
  if (!file) throw new UsageError('--passphrase-file is required (use "-" to read the passphrase from standard input)');
  let text: string;
  if (file === '-') text = await io.readStdin();
  else {
    try {
      const st = statSync(file);
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) io.stderr(`custos: warning: ${file} can be read by other users; restrict it with chmod 600.\n`);
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read the passphrase file ${file}`);
    }
  }
  // The first line is the passphrase; editors and `echo` add a newline that is not part of it.
  return text.split(/\r?\n/, 1)[0] ?? '';
}

async function openVault(io: CliIo, values: Values): Promise<UnlockedVault> {
  const dir = resolveVaultDir(values.vault, { env: io.env, platform: process.platform, home: io.env.HOME ?? '' });
  const user = parse(userNameSchema, values.user ?? io.env.CUSTOS_USER, '--user');
  const passphrase = await readPassphrase(io, values['passphrase-file']);
  return UnlockedVault.unlock(dir, { user, passphrase, via: 'cli' });
}

function print(io: CliIo, json: boolean | undefined, data: unknown, text: string): void {
  io.stdout(json ? JSON.stringify(data, null, 2) + '\n' : text);
}

async function withVault<T>(io: CliIo, values: Values, fn: (v: UnlockedVault) => Promise<T>): Promise<T> {
  const v = await openVault(io, values);
  try {
    return await fn(v);
  } finally {
    v.close();
  }
}

export async function runCli(argv: string[], io: CliIo, version: string): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    io.stderr(`custos: ${(e as Error).message.split('\n')[0]}. See custos --help.\n`);
    return EXIT.usage;
  }
  if (values.help || positionals[0] === 'help') {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (values.version) {
    io.stdout(`custos ${version}\n`);
    return EXIT.ok;
  }
  const [noun, verb, ...rest] = positionals;
  try {
    const command = [noun, verb].filter(Boolean).join(' ');
    switch (command === 'init' || noun === 'init' ? 'init' : command) {
      case 'init': {
        if (verb !== undefined) throw new UsageError('"init" takes no further words');
        only(values, ['admin'], 'init');
        const dir = resolveVaultDir(values.vault, { env: io.env, platform: process.platform, home: io.env.HOME ?? '' });
        const adminName = parse(userNameSchema, values.admin, '--admin');
        const passphrase = parse(passphraseSchema, await readPassphrase(io, values['passphrase-file']), 'passphrase');
        const kdfCost = await calibrateKdfCost();
        const v = await UnlockedVault.create(dir, { adminName, passphrase, kdfCost });
        const out = { vault: dir, vaultId: v.vaultId, admin: adminName };
        v.close();
        print(io, values.json, out, `Created vault ${v.vaultId} at ${dir}; administrator: ${adminName}.\n`);
        return EXIT.ok;
      }
      case 'keys generate': {
        only(values, ['name', 'alg'], command);
        if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const name = parse(keyNameSchema, values.name, '--name');
        const algorithm = parse(algorithmIdSchema, values.alg, '--alg');
        const key = await withVault(io, values, (v) => new KeyService(v).generate({ name, algorithm }));
        print(io, values.json, keyJson(key), keyText(key));
        return EXIT.ok;
      }
      case 'keys list': {
        only(values, ['search', 'limit'], command);
        if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const limit = values.limit === undefined ? 500 : parse(z.coerce.number().int().min(1).max(500), values.limit, '--limit');
        const page = await withVault(io, values, async (v) => new KeyService(v).list({ offset: 0, limit, sort: 'createdAt', direction: 'asc', search: values.search }));
        print(io, values.json, page.items.map(keyJson), page.items.length ? keyTable(page.items) + (page.total > page.items.length ? `(${page.items.length} of ${page.total} shown)\n` : '') : 'No keys.\n');
        return EXIT.ok;
      }
      case 'keys show': {
        only(values, [], command);
        if (rest.length !== 1) throw new UsageError('"keys show" takes one key id');
        const id = parse(keyIdSchema, rest[0], 'key id');
        const key = await withVault(io, values, async (v) => new KeyService(v).get(id));
        print(io, values.json, keyJson(key), keyText(key));
        return EXIT.ok;
      }
      case 'audit list': {
        only(values, ['key', 'limit'], command);
        const keyId = values.key === undefined ? undefined : parse(keyIdSchema, values.key, '--key');
        const limit = values.limit === undefined ? 1000 : parse(z.coerce.number().int().min(1).max(1000), values.limit, '--limit');
        const items = await withVault(io, values, async (v) => {
          requirePermission(v.user.role, 'audit.read');
          return v.audit.list({ keyId, limit }).reverse();
        });
        print(io, values.json, items, table(['SEQ', 'TIME', 'ACTOR', 'OPERATION', 'OUTCOME', 'KEY'], items.map((e) => [String(e.seq), e.time, e.actor ?? '-', e.operation, e.outcome, e.keyId ?? '-'])));
        return EXIT.ok;
      }
      case 'audit verify': {
        only(values, [], command);
        const check = await withVault(io, values, async (v) => {
          requirePermission(v.user.role, 'audit.read');
          return v.audit.verify();
        });
        print(io, values.json, check, check.ok ? `Audit chain intact: ${check.events} events, head ${check.headHash}.\n` : `Audit chain BROKEN at event ${check.firstBadSeq}: ${check.problem}.\n`);
        return check.ok ? EXIT.ok : EXIT.integrity;
      }
      default:
        throw new UsageError(noun ? `unknown command "${command}"` : 'no command given');
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`custos: ${e.message}. See custos --help.\n`);
      return EXIT.usage;
    }
    const shape = toErrorShape(e);
    if (!(e instanceof CustosError) && io.env.CUSTOS_DEBUG) io.stderr(`${(e as Error).stack ?? String(e)}\n`);
    io.stderr(`custos: ${shape.code}: ${shape.message}\n`);
    return exitCodeFor(shape.code);
  }
}
