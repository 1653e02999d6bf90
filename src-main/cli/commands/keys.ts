import { z } from 'zod';
import { keyIdSchema } from '../../../src-shared/keys.js';
import { KeyService } from '../../keys/key-service.js';
import { only, parseWith, print, withVault, type Cli } from '../context.js';
import { keyJson, keyTable, keyText } from '../format.js';

export async function keysList(cli: Cli): Promise<number> {
  only(cli, ['search', 'limit']);
  const limit = cli.values.limit === undefined ? 500 : parseWith(z.coerce.number().int().min(1).max(500), cli.values.limit, '--limit');
  const page = await withVault(cli, (v) => new KeyService(v).list({ offset: 0, limit, sort: 'createdAt', direction: 'asc', search: cli.values.search }));
  const more = page.total > page.items.length ? `(${page.items.length} of ${page.total} shown)\n` : '';
  print(cli, page.items.map(keyJson), page.items.length ? keyTable(page.items) + more : 'No keys.\n');
  return 0;
}

export async function keysShow(cli: Cli): Promise<number> {
  only(cli, [], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const key = await withVault(cli, (v) => new KeyService(v).get(id));
  print(cli, keyJson(key), keyText(key));
  return 0;
}
