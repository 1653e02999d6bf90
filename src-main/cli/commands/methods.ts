import { z } from 'zod';
import { passphraseSchema, userNameSchema } from '../../../src-shared/users.js';
import { UnlockedVault } from '../../vault/vault.js';
import { MethodService } from '../../vault/method-service.js';
import { createTokenService } from '../../app/token-setup.js';
import { only, parseWith, print, readCustodians, readSecretFile, vaultDir, withVault, type Cli } from '../context.js';
import { table } from '../format.js';
import { outcomeText } from './users.js';

export async function methodsList(cli: Cli): Promise<number> {
  only(cli, []);
  const items = await withVault(cli, (v) => new MethodService(v).list());
  const holders = (m: (typeof items)[number]) =>
    m.type === 'quorum' ? `${m.threshold} of ${m.custodians.length}: ${m.custodians.map((c) => c ?? '?').join(', ')}` : `${m.user ?? '(removed user)'}${m.token ? ` with token ${m.token.label} (${m.token.serial})` : ''}`;
  print(cli, items, table(['ID', 'TYPE', 'HOLDER(S)'], items.map((m) => [m.id, m.type, holders(m)])));
  return 0;
}

/**
 * Sets the custodian quorum. The custodians' share passphrases come from --share-passphrase-files
 * (or are typed at the terminal); the acting --user authenticates separately with --passphrase-file.
 */
export async function methodsSetQuorum(cli: Cli): Promise<number> {
  only(cli, ['threshold']);
  const threshold = parseWith(z.coerce.number().int().min(2).max(16), cli.values.threshold, '--threshold');
  const custodians = await readCustodians(cli);
  for (const c of custodians) parseWith(passphraseSchema, c.passphrase, `share passphrase of ${c.user}`);
  const o = await withVault({ ...cli, values: { ...cli.values, quorum: false } }, (v) => new MethodService(v).setQuorum(threshold, custodians));
  print(cli, o, outcomeText(o));
  return 0;
}

export async function methodsAddPassphrase(cli: Cli): Promise<number> {
  only(cli, ['new-passphrase-file'], 1);
  const user = parseWith(userNameSchema, cli.args[0], 'user name');
  const passphrase = parseWith(passphraseSchema, await readSecretFile(cli.io, cli.values['new-passphrase-file'], '--new-passphrase-file'), 'new passphrase');
  const o = await withVault(cli, (v) => new MethodService(v).addPassphrase(user, passphrase));
  print(cli, o, outcomeText(o));
  return 0;
}

export async function methodsRemove(cli: Cli): Promise<number> {
  only(cli, [], 1);
  const id = parseWith(z.string().regex(/^[0-9a-f]{32}$/, 'a method id is 32 hex characters'), cli.args[0], 'method id');
  const o = await withVault(cli, (v) => new MethodService(v).remove(id));
  print(cli, o, outcomeText(o));
  return 0;
}

/** `custos unlock --quorum`: proves the custodians present can open the vault (a rehearsal). */
export async function unlockCheck(cli: Cli): Promise<number> {
  only(cli, []);
  if (!cli.values.quorum) {
    const v = await withVault(cli, (x) => ({ vaultId: x.vaultId, user: x.user.name }));
    print(cli, { ok: true, ...v }, `Unlocked vault ${v.vaultId} as ${v.user}.\n`);
    return 0;
  }
  const custodians = await readCustodians(cli);
  const v = await UnlockedVault.unlockWithQuorum(vaultDir(cli), { custodians, via: 'cli' });
  const out = { ok: true, vaultId: v.vaultId, custodians: custodians.map((c) => c.user) };
  v.close({ actor: null, operation: 'vault.lock', outcome: 'success', details: { reason: 'quorum check done' } });
  print(cli, out, `The quorum (${out.custodians.join(', ')}) unlocked vault ${out.vaultId}.\n`);
  return 0;
}

export async function methodsAddToken(cli: Cli): Promise<number> {
  only(cli, ['token', 'pin-file'], 1);
  const holder = parseWith(userNameSchema, cli.args[0], 'holder (user name)');
  const serial = parseWith(z.string().min(1).max(64), cli.values.token, '--token');
  const pin = await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file');
  const tokens = createTokenService();
  try {
    const o = await withVault(cli, (v) => new MethodService(v).addToken(holder, serial, pin, tokens));
    print(cli, o, outcomeText(o));
  } finally {
    await tokens.close();
  }
  return 0;
}
