import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { keyIdSchema } from '../../../src-shared/keys.js';
import { OPERATIONS } from '../../approvals/all-operations.js';
import { createKeyBackup, requestRecovery, requestTokenRecovery } from '../../backup/backup-service.js';
import { createTokenService } from '../../app/token-setup.js';
import { KeyService } from '../../keys/key-service.js';
import { parsePackage, parseShareFile, SCHEMES, verifyShare, type HeldShare } from '../../backup/package.js';
import { only, parseWith, print, readSecretFile, UsageError, withVault, type Cli } from '../context.js';
import { outcomeText } from './users.js';

function readText(path: string | undefined, option: string): string {
  if (!path) throw new UsageError(`${option} FILE is required`);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${path} (${option})`);
  }
}

const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/**
 * backup create KEY --scheme slip39|xor|files --threshold M --shares N --custodians A,B,C --out PACKAGE
 * slip39 prints the mnemonics and xor the components (for a rehearsal or to hand over one by one);
 * files writes PACKAGE.share-N.json per custodian, each sealed under that custodian's passphrase.
 */
export async function backupCreate(cli: Cli): Promise<number> {
  only(cli, ['scheme', 'threshold', 'shares', 'out', 'pin-file'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const scheme = parseWith(z.enum(SCHEMES), cli.values.scheme, '--scheme');
  const threshold = parseWith(z.coerce.number().int().min(1).max(16), cli.values.threshold, '--threshold');
  const count = parseWith(z.coerce.number().int().min(2).max(16), cli.values.shares, '--shares');
  if (!cli.values.out) throw new UsageError('--out PACKAGE is required');
  const custodians = list(cli.values.custodians);
  if (custodians.length !== count) throw new UsageError(`--custodians must name ${count} custodians, one per share`);
  let sharePassphrases: string[] | undefined;
  if (scheme === 'files') {
    const files = list(cli.values['share-passphrase-files']);
    if (files.length !== count) throw new UsageError('--share-passphrase-files needs one file per custodian');
    sharePassphrases = [];
    for (const f of files) sharePassphrases.push(await readSecretFile(cli.io, f, '--share-passphrase-files'));
  }
  // A SLIP-0039 passphrase would be one more secret every custodian must bring; this CLI leaves it out.
  const passphrase = undefined;
  const b = await withVault(cli, async (v) => {
    const k = new KeyService(v).get(id);
    if (k.store !== 'token' || !k.token) return createKeyBackup(v, id, { scheme, threshold, count, custodians, sharePassphrases, passphrase });
    // A token key is wrapped on its token: that needs the token's PIN.
    const tokens = createTokenService();
    try {
      const pin = await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file');
      await (await tokens.clientForToken(k.token.serial)).login(k.token.serial, pin);
      return await createKeyBackup(v, id, { scheme, threshold, count, custodians, sharePassphrases, passphrase }, tokens);
    } finally {
      await tokens.close();
    }
  });
  writeFileSync(cli.values.out, JSON.stringify(b.pkg, null, 2) + '\n');
  const written: string[] = [];
  for (const f of b.shareFiles ?? []) {
    const path = `${cli.values.out}.share-${f.index}.json`;
    writeFileSync(path, JSON.stringify(f, null, 2) + '\n', { mode: 0o600 });
    written.push(path);
  }
  if (b.mnemonics || b.components) cli.io.stderr('custos: the shares below are secrets: show each to its custodian alone, and do not keep this output.\n');
  const text =
    `Backup ${b.pkg.header.packageId} of ${b.pkg.header.key.name} written to ${cli.values.out} (${scheme}, ${threshold} of ${count}).\n` +
    (b.mnemonics ?? []).map((m, i) => `share ${i + 1} (${custodians[i]}): ${m}\n`).join('') +
    (b.components ?? []).map((c) => `component ${c.index} (${custodians[c.index - 1]}): ${c.hex}  KCV ${c.kcv}\n`).join('') +
    written.map((w) => `share file: ${w}\n`).join('');
  print(cli, { packageId: b.pkg.header.packageId, out: cli.values.out, mnemonics: b.mnemonics, components: b.components, shareFiles: written }, text);
  return 0;
}

async function heldShares(cli: Cli, one: boolean): Promise<HeldShare[]> {
  if (cli.values['mnemonics-file']) return lines(readText(cli.values['mnemonics-file'], '--mnemonics-file')).map((m) => ({ kind: 'mnemonic', mnemonic: m }));
  if (cli.values['components-file']) return lines(readText(cli.values['components-file'], '--components-file')).map((hex) => ({ kind: 'component', hex }));
  const files = list(cli.values['share-files']);
  const passes = list(cli.values['share-passphrase-files']);
  if (files.length === 0) throw new UsageError('give the shares: --mnemonics-file F, --components-file F, or --share-files F1,F2 with --share-passphrase-files P1,P2');
  if (one && files.length !== 1) throw new UsageError('verify one share file at a time');
  if (passes.length !== files.length) throw new UsageError('--share-passphrase-files needs one passphrase file per share file');
  const out: HeldShare[] = [];
  for (let i = 0; i < files.length; i++) out.push({ kind: 'file', file: parseShareFile(readText(files[i], '--share-files')), passphrase: await readSecretFile(cli.io, passes[i], '--share-passphrase-files') });
  return out;
}

/** backup verify-share PACKAGE …one share…: checks it belongs to the package; no vault, no KEK. */
export async function backupVerifyShare(cli: Cli): Promise<number> {
  only(cli, ['mnemonics-file', 'components-file', 'share-files'], 1);
  const pkg = parsePackage(readText(cli.args[0], 'PACKAGE'));
  const shares = await heldShares(cli, true);
  const results = [];
  for (const s of shares) results.push(await verifyShare(pkg, s));
  print(cli, { packageId: pkg.header.packageId, verified: results }, results.map((r) => `Share ${r.index} is intact and belongs to backup ${pkg.header.packageId} of ${pkg.header.key.name}.\n`).join(''));
  return 0;
}

/** backup recover PACKAGE …shares…: opens it and files the dual-controlled restore request. */
export async function backupRecover(cli: Cli): Promise<number> {
  only(cli, ['mnemonics-file', 'components-file', 'share-files', 'name', 'token'], 1);
  const text = readText(cli.args[0], 'PACKAGE');
  const shares = await heldShares(cli, false);
  if (cli.values.token) {
    // Into a token: the unwrap happens when the request is approved (approvals approve ID --token SERIAL --pin-file F).
    const serial = cli.values.token;
    const o = await withVault(cli, (v) => requestTokenRecovery(v, OPERATIONS, text, shares, serial, { name: cli.values.name }));
    print(cli, o, `The shares open the backup.\n` + outcomeText(o));
    return 0;
  }
  const o = await withVault(cli, (v) => requestRecovery(v, OPERATIONS, text, shares, { name: cli.values.name }));
  print(cli, o, `The shares open the backup and the key matches its recorded fingerprint (${o.checkValue.slice(0, 16)}…).\n` + outcomeText(o));
  return 0;
}
