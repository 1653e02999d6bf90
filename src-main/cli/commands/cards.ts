import { cardKeySchema, cardSerialSchema } from '../../../src-shared/cards.js';
import { userNameSchema } from '../../../src-shared/users.js';
import { createTokenService } from '../../app/token-setup.js';
import { CardService } from '../../users/card-service.js';
import { only, parseWith, print, readSecretFile, withVault, type Cli } from '../context.js';
import { table } from '../format.js';
import { outcomeText } from './users.js';

/** `users cards`: who has a login card, on which token, with which key. */
export async function usersCards(cli: Cli): Promise<number> {
  only(cli, []);
  const cards = await withVault(cli, (v) => new CardService(v, createTokenService).list());
  print(cli, cards, cards.length ? table(['USER', 'CARD SERIAL', 'CKA_ID', 'ALGORITHM', 'KEY FINGERPRINT', 'REGISTERED'], cards.map((c) => [c.user, c.serial, c.ckaId, c.algorithm, c.fingerprint.slice(0, 16) + '…', `${c.registeredAt.slice(0, 10)} by ${c.registeredBy}`])) : 'No login cards are registered.\n');
  return 0;
}

/**
 * `users set-card NAME --token SERIAL --key KEY --pin-file F`: the card signs a challenge (PIN
 * from the file) before the request is filed; the change itself is under dual control.
 */
export async function usersSetCard(cli: Cli): Promise<number> {
  only(cli, ['token', 'key', 'pin-file'], 1);
  const name = parseWith(userNameSchema, cli.args[0], 'user name');
  const serial = parseWith(cardSerialSchema, cli.values.token, '--token');
  const key = parseWith(cardKeySchema, cli.values.key, '--key');
  const pin = await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file');
  const tokens = createTokenService();
  try {
    const o = await withVault(cli, (v) => new CardService(v, () => tokens).register({ name, serial, key, pin }));
    print(cli, o, outcomeText(o));
  } finally {
    await tokens.close();
  }
  return 0;
}

export async function usersRemoveCard(cli: Cli): Promise<number> {
  only(cli, [], 1);
  const name = parseWith(userNameSchema, cli.args[0], 'user name');
  const o = await withVault(cli, (v) => new CardService(v, createTokenService).remove(name));
  print(cli, o, outcomeText(o));
  return 0;
}
