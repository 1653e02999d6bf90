import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { SIGN_MECHANISMS } from '../../../src-shared/contract.js';
import { algorithmIdSchema, keyIdSchema, keyNameSchema } from '../../../src-shared/keys.js';
import { LIFECYCLE_ACTIONS, KMIP_USAGE, revocationReasonSchema, type KmipUsageName, type LifecycleAction } from '../../../src-shared/lifecycle.js';
import { createTokenService, tokenSummary } from '../../app/token-setup.js';
import { sealTokenInit } from '../../app/token-operations.js';
import { ApprovalService } from '../../approvals/approval-service.js';
import { OPERATIONS } from '../../approvals/all-operations.js';
import { outcomeText } from './users.js';
import { requestDestruction } from '../../keys/destruction-request.js';
import { CustosError } from '../../errors.js';
import { KeyService } from '../../keys/key-service.js';
import { discoverTokenKeys } from '../../import/token-keys.js';
import type { TokenService } from '../../pkcs11/service.js';
import { requirePermission } from '../../users/permissions.js';
import { only, parseWith, print, readSecretFile, UsageError, withVault, type Cli } from '../context.js';
import { keyJson, keyText, table } from '../format.js';

/** One token service per CLI run (one worker per module), closed when the command ends. */
async function withTokens<T>(fn: (t: TokenService) => Promise<T>): Promise<T> {
  const tokens = createTokenService();
  try {
    return await fn(tokens);
  } finally {
    await tokens.close();
  }
}

async function login(cli: Cli, tokens: TokenService, serial: string): Promise<void> {
  const pin = await readSecretFile(cli.io, cli.values['pin-file'], '--pin-file');
  await (await tokens.clientForToken(serial)).login(serial, pin);
}

export async function tokensList(cli: Cli): Promise<number> {
  only(cli, []);
  const list = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'tokens.read');
    return withTokens(async (t) => (await t.tokens()).map(tokenSummary));
  });
  print(cli, list, list.length ? table(['SERIAL', 'LABEL', 'MANUFACTURER', 'MODEL', 'USER PIN', 'MODULE'], list.map((t) => [t.serial, t.label, t.manufacturer, t.model, t.userPin.locked ? 'LOCKED' : t.userPin.finalTry ? 'final try' : t.userPin.countLow ? 'count low' : 'ok', t.module])) : 'No tokens present. Is the module on the allowlist (CUSTOS_PKCS11_MODULES)?\n');
  return 0;
}

export async function tokensDiscover(cli: Cli): Promise<number> {
  only(cli, ['pin-file'], 1);
  const serial = parseWith(z.string().min(1), cli.args[0], 'token serial');
  const r = await withVault(cli, (v) =>
    withTokens(async (t) => {
      if (cli.values['pin-file']) await login(cli, t, serial);
      return discoverTokenKeys(v, t, serial); // with the reporting-only keys (RSA-1024, secp256k1, …)
    }),
  );
  print(cli, r, `Found ${r.found} keys on token ${serial}: ${r.added} added to the inventory, ${r.matched} already known.\n${r.skipped.map((s) => `  skipped: ${s}\n`).join('')}`);
  return 0;
}

function parseUsage(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const names = Object.keys(KMIP_USAGE) as KmipUsageName[];
  let mask = 0;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const n = names.find((x) => x.toLowerCase() === part.toLowerCase());
    if (!n) throw new UsageError(`--usage: unknown usage "${part}" (one of ${names.join(', ')})`);
    mask |= KMIP_USAGE[n];
  }
  return mask;
}

export async function keysGenerate(cli: Cli): Promise<number> {
  only(cli, ['name', 'alg', 'token', 'pin-file', 'usage', 'wrappable', 'purpose']);
  const purpose = cli.values.purpose;
  const name = parseWith(keyNameSchema, cli.values.name, '--name');
  const algorithm = parseWith(algorithmIdSchema, cli.values.alg, '--alg');
  const usage = parseUsage(cli.values.usage);
  const serial = cli.values.token;
  if (!serial && (cli.values['pin-file'] || cli.values.wrappable)) throw new UsageError('--pin-file and --wrappable apply with --token SERIAL');
  const key = await withVault(cli, (v) =>
    serial
      ? withTokens(async (t) => {
          await login(cli, t, serial);
          return new KeyService(v, t).generate({ name, algorithm, usage, tokenSerial: serial, wrappable: cli.values.wrappable === true, purpose });
        })
      : new KeyService(v).generate({ name, algorithm, usage, purpose }),
  );
  print(cli, keyJson(key), keyText(key));
  return 0;
}

/** Runs a key command with the token service and a token login when the key lives on a token. */
async function withKey<T>(cli: Cli, id: string, fn: (keys: KeyService) => Promise<T>): Promise<T> {
  return withVault(cli, async (v) => {
    const k = new KeyService(v).get(id);
    if (k.store !== 'token' || !k.token) return fn(new KeyService(v));
    return withTokens(async (t) => {
      if (cli.values['pin-file']) await login(cli, t, k.token!.serial);
      return fn(new KeyService(v, t));
    });
  });
}

function readInput(path: string | undefined, option: string): Buffer {
  if (!path) throw new UsageError(`${option} FILE is required`);
  try {
    return readFileSync(path);
  } catch {
    throw new UsageError(`cannot read ${path} (${option})`);
  }
}

export async function keysSign(cli: Cli): Promise<number> {
  only(cli, ['in', 'out', 'pin-file', 'mechanism'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const mechanism = cli.values.mechanism === undefined ? undefined : parseWith(z.enum(SIGN_MECHANISMS), cli.values.mechanism, '--mechanism');
  if (!cli.values.out) throw new UsageError('--out SIG is required');
  const data = readInput(cli.values.in, '--in');
  const r = await withKey(cli, id, (k) => k.sign(id, data, mechanism));
  writeFileSync(cli.values.out, r.signature);
  print(cli, { signature: cli.values.out, mechanism: r.mechanism, bytes: r.signature.length }, `Signed ${cli.values.in} with ${r.mechanism}; signature (${r.signature.length} bytes) in ${cli.values.out}.\n`);
  return 0;
}

export async function keysVerify(cli: Cli): Promise<number> {
  only(cli, ['in', 'sig', 'pin-file', 'mechanism'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const mechanism = cli.values.mechanism === undefined ? undefined : parseWith(z.enum(SIGN_MECHANISMS), cli.values.mechanism, '--mechanism');
  const data = readInput(cli.values.in, '--in');
  const sig = readInput(cli.values.sig, '--sig');
  const r = await withKey(cli, id, (k) => k.verify(id, data, sig, mechanism));
  if (!r.valid) cli.io.stderr(`custos: the signature does NOT verify (${r.mechanism}).\n`);
  print(cli, r, r.valid ? `Signature valid (${r.mechanism}).\n` : '');
  return r.valid ? 0 : 1;
}

/** keys activate|suspend|resume|deactivate ID, keys revoke ID --reason R */
export function keysTransition(action: LifecycleAction) {
  return async (cli: Cli): Promise<number> => {
    only(cli, action === 'revoke' ? ['reason'] : [], 1);
    const id = parseWith(keyIdSchema, cli.args[0], 'key id');
    const reason = action === 'revoke' ? parseWith(revocationReasonSchema, cli.values.reason, '--reason') : undefined;
    if (!LIFECYCLE_ACTIONS.includes(action)) throw new CustosError('E_INPUT', `Unknown action ${action}.`);
    const key = await withVault(cli, async (v) => new KeyService(v).transition(id, action, reason));
    print(cli, keyJson(key), `${key.name} is now ${key.state}.\n`);
    return 0;
  };
}

/** tokens init --module PATH --slot N --label L --so-pin-file F --user-pin-file F (dual control) */
export async function tokensInit(cli: Cli): Promise<number> {
  only(cli, ['module', 'slot', 'label', 'so-pin-file', 'user-pin-file']);
  const module = parseWith(z.string().min(1), cli.values.module, '--module');
  const slotId = parseWith(z.coerce.number().int().min(0), cli.values.slot, '--slot');
  const label = parseWith(z.string().trim().min(1).max(32), cli.values.label, '--label');
  const soPin = await readSecretFile(cli.io, cli.values['so-pin-file'], '--so-pin-file');
  const userPin = await readSecretFile(cli.io, cli.values['user-pin-file'], '--user-pin-file');
  const o = await withVault(cli, (v) => {
    requirePermission(v.user.role, 'tokens.use');
    return new ApprovalService(v, OPERATIONS).submit('token.init', sealTokenInit(v, { module, slotId, label, soPin, userPin }), `Initialise the token in slot ${slotId} as "${label}"`);
  });
  print(cli, o, outcomeText(o));
  return 0;
}

/**
 * File format of `keys encrypt`: for AES-GCM the 12-byte IV then ciphertext‖tag; for RSA-OAEP the
 * ciphertext alone. The key id is not stored: the person names the key to decrypt with.
 */
export async function keysEncrypt(cli: Cli): Promise<number> {
  only(cli, ['in', 'out', 'pin-file'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  if (!cli.values.out) throw new UsageError('--out FILE is required');
  const data = readInput(cli.values.in, '--in');
  const r = await withKey(cli, id, (k) => k.encrypt(id, data));
  writeFileSync(cli.values.out, r.iv ? Buffer.concat([r.iv, r.ciphertext]) : r.ciphertext);
  print(cli, { out: cli.values.out, mechanism: r.mechanism }, `Encrypted ${cli.values.in} with ${r.mechanism} into ${cli.values.out}.\n`);
  return 0;
}

export async function keysDecrypt(cli: Cli): Promise<number> {
  only(cli, ['in', 'out', 'pin-file'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  if (!cli.values.out) throw new UsageError('--out FILE is required');
  const data = readInput(cli.values.in, '--in');
  const r = await withKey(cli, id, async (k) => {
    const family = k.get(id).family;
    return family === 'aes' ? k.decrypt(id, data.subarray(12), { iv: data.subarray(0, 12) }) : k.decrypt(id, data);
  });
  writeFileSync(cli.values.out, r.plaintext, { mode: 0o600 });
  print(cli, { out: cli.values.out, mechanism: r.mechanism }, `Decrypted into ${cli.values.out}.\n`);
  return 0;
}

export async function keysRotate(cli: Cli): Promise<number> {
  only(cli, ['pin-file'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const key = await withKey(cli, id, (k) => k.rotate(id));
  print(cli, keyJson(key), `${key.name} rotated: version ${key.version} is active; the previous version may only verify and decrypt now.\n`);
  return 0;
}

/** keys destroy ID [--after DAYS]: files the dual-control request; erasure follows the waiting period. */
export async function keysDestroy(cli: Cli): Promise<number> {
  only(cli, ['after'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const afterDays = cli.values.after === undefined ? undefined : parseWith(z.coerce.number().int().min(1).max(90), cli.values.after, '--after');
  const o = await withVault(cli, (v) => requestDestruction(v, id, afterDays));
  print(cli, o, outcomeText(o));
  return 0;
}

export async function keysCancelDestruction(cli: Cli): Promise<number> {
  only(cli, [], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const key = await withVault(cli, async (v) => new KeyService(v).cancelDestruction(id));
  print(cli, keyJson(key), `The destruction of ${key.name} is cancelled.\n`);
  return 0;
}

export async function keysExportPublic(cli: Cli): Promise<number> {
  only(cli, ['format', 'out'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const format = parseWith(z.enum(['pem', 'jwk', 'openssh']), cli.values.format ?? 'pem', '--format');
  const text = await withVault(cli, async (v) => new KeyService(v).exportPublic(id, format));
  if (cli.values.out) writeFileSync(cli.values.out, text);
  cli.io.stdout(cli.values.out ? `Wrote the public key (${format}) to ${cli.values.out}.\n` : text);
  return 0;
}

const dnsList = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

export async function keysCsr(cli: Cli): Promise<number> {
  only(cli, ['subject', 'out', 'dns', 'ca', 'pin-file'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const subject = parseWith(z.string().trim().min(3), cli.values.subject, '--subject');
  if (!cli.values.out) throw new UsageError('--out FILE is required');
  const r = await withKey(cli, id, (k) => k.csr(id, { subject, dnsNames: dnsList(cli.values.dns), ca: cli.values.ca }));
  writeFileSync(cli.values.out, r.pem);
  print(cli, { out: cli.values.out, subject: r.subject }, `Wrote a certificate request for ${r.subject} to ${cli.values.out}.\n`);
  return 0;
}

export async function keysSelfSign(cli: Cli): Promise<number> {
  only(cli, ['subject', 'out', 'dns', 'ca', 'days', 'pin-file'], 1);
  const id = parseWith(keyIdSchema, cli.args[0], 'key id');
  const subject = parseWith(z.string().trim().min(3), cli.values.subject, '--subject');
  const days = parseWith(z.coerce.number().int().min(1).max(36_500), cli.values.days ?? '365', '--days');
  if (!cli.values.out) throw new UsageError('--out FILE is required');
  const r = await withKey(cli, id, (k) => k.selfSign(id, { subject, days, ca: cli.values.ca === true, dnsNames: dnsList(cli.values.dns) }));
  writeFileSync(cli.values.out, r.pem);
  print(cli, { out: cli.values.out, ...r, pem: undefined }, `Wrote a self-signed certificate for ${r.subject} (serial ${r.serialNumber}, SHA-256 ${r.fingerprint}) to ${cli.values.out}.\n`);
  return 0;
}
