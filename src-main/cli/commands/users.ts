import type { RequestOutcome } from '../../../src-shared/approvals.js';
import { passphraseSchema, roleSchema, userNameSchema } from '../../../src-shared/users.js';
import { UserService } from '../../users/user-service.js';
import { only, parseWith, print, readSecretFile, withVault, type Cli } from '../context.js';
import { table } from '../format.js';

export function outcomeText(o: RequestOutcome): string {
  return o.status === 'executed' ? `Done: ${o.summary}.\n` : `Waiting for approval: ${o.summary}.\nRequest ${o.requestId}; another person approves it with: custos … approvals approve ${o.requestId}\n`;
}

export async function usersList(cli: Cli): Promise<number> {
  only(cli, []);
  const users = await withVault(cli, (v) => new UserService(v).list());
  print(cli, users, table(['NAME', 'ROLE', 'STATUS', 'PERSONAL UNLOCK', 'CUSTODIAN'], users.map((u) => [u.name, u.role, u.disabled ? 'disabled' : 'active', u.personalUnlock ? 'yes' : 'no', u.quorumCustodian ? 'yes' : 'no'])));
  return 0;
}

export async function usersAdd(cli: Cli): Promise<number> {
  only(cli, ['role', 'new-passphrase-file', 'no-personal-unlock'], 1);
  const name = parseWith(userNameSchema, cli.args[0], 'user name');
  const role = parseWith(roleSchema, cli.values.role, '--role');
  const passphrase = parseWith(passphraseSchema, await readSecretFile(cli.io, cli.values['new-passphrase-file'], '--new-passphrase-file'), 'new passphrase');
  const o = await withVault(cli, (v) => new UserService(v).add({ name, role, passphrase, personalUnlock: !cli.values['no-personal-unlock'] }));
  print(cli, o, outcomeText(o));
  return 0;
}

export async function usersDisable(cli: Cli): Promise<number> {
  only(cli, [], 1);
  const name = parseWith(userNameSchema, cli.args[0], 'user name');
  const o = await withVault(cli, (v) => new UserService(v).disable(name));
  print(cli, o, outcomeText(o));
  return 0;
}

export async function usersSetRole(cli: Cli): Promise<number> {
  only(cli, ['role'], 1);
  const name = parseWith(userNameSchema, cli.args[0], 'user name');
  const role = parseWith(roleSchema, cli.values.role, '--role');
  const o = await withVault(cli, (v) => new UserService(v).setRole(name, role));
  print(cli, o, outcomeText(o));
  return 0;
}

export async function usersPasswd(cli: Cli): Promise<number> {
  only(cli, ['new-passphrase-file'], 1);
  const passphrase = parseWith(passphraseSchema, await readSecretFile(cli.io, cli.values['new-passphrase-file'], '--new-passphrase-file'), 'new passphrase');
  const o = await withVault(cli, (v) => new UserService(v).changePassphrase(cli.args[0] ? parseWith(userNameSchema, cli.args[0], 'user name') : v.user.name, passphrase));
  print(cli, o, outcomeText(o));
  return 0;
}
