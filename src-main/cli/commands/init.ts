import { passphraseSchema, userNameSchema } from '../../../src-shared/users.js';
import { calibrateKdfCost } from '../../crypto/passphrase-kdf.js';
import { UnlockedVault } from '../../vault/vault.js';
import { only, parseWith, print, readSecretFile, vaultDir, type Cli } from '../context.js';

export async function init(cli: Cli): Promise<number> {
  only(cli, ['admin']);
  const dir = vaultDir(cli);
  const adminName = parseWith(userNameSchema, cli.values.admin, '--admin');
  const passphrase = parseWith(passphraseSchema, await readSecretFile(cli.io, cli.values['passphrase-file']), 'passphrase');
  const v = await UnlockedVault.create(dir, { adminName, passphrase, kdfCost: await calibrateKdfCost() });
  const out = { vault: dir, vaultId: v.vaultId, admin: adminName };
  v.close();
  print(cli, out, `Created vault ${out.vaultId} at ${dir}; administrator: ${adminName}.\n`);
  return 0;
}
