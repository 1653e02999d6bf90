// A child process for the crash test: opens the vault and performs scripted changes, printing
// one line per committed change *after* its transaction returns. The parent kills it with
// SIGKILL at a random moment and then checks that every printed change survived.
import { KeyService } from '../keys/key-service.js';
import { UserService } from '../users/user-service.js';
import { readSettings } from '../app/settings.js';
import { UnlockedVault } from '../vault/vault.js';

const [vaultDir, passphrase, runId, countText] = process.argv.slice(2);
const count = Number(countText);

const say = (line: string) => process.stdout.write(line + '\n');

const v = await UnlockedVault.unlock(vaultDir!, { user: 'alice', passphrase: passphrase!, via: 'crash-test' });
const keys = new KeyService(v);
const users = new UserService(v);
say('ready');
for (let i = 0; i < count; i++) {
  const kind = i % 10;
  if (kind === 3) {
    const name = `u${runId}x${i}`;
    const r = await users.add({ name, role: 'auditor', passphrase: `${name} long passphrase`, personalUnlock: i % 20 === 3 });
    say(`user ${name} ${r.status} ${r.requestId ?? '-'}`);
  } else if (kind === 7) {
    const minutes = (i % 50) + 1;
    v.change({ actor: 'alice', operation: 'settings.change', outcome: 'success', details: { idleLockMinutes: minutes } }, () => {
      v.db.prepare("INSERT INTO settings (k, v) VALUES ('console-settings', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v").run(JSON.stringify({ ...readSettings(v.db), idleLockMinutes: minutes }));
    });
    say(`setting ${minutes}`);
  } else {
    const k = await keys.generate({ name: `k${runId}x${i}`, algorithm: kind % 2 === 0 ? 'aes-128' : 'ec-p256' });
    say(`key ${k.id}`);
  }
}
v.close();
say('done');
