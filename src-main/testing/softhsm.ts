import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's SoftHSM2 module. */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  label: string;
  serial: string;
  userPin: string;
  soPin: string;
  /** The token's own folder under tokenDir: delete it to "remove" the token. */
  dir: string;
}

export interface SoftHsmFixture {
  /** Path of the softhsm2.conf written for this fixture. */
  conf: string;
  /** `directories.tokendir` of that conf. */
  tokenDir: string;
  /** The first token's details (most tests need one token). */
  serial: string;
  label: string;
  userPin: string;
  soPin: string;
  modulePath: string;
  tokens: SoftHsmToken[];
  /** The environment for child processes (softhsm2-util, pkcs11-tool) that must see these tokens. */
  env: NodeJS.ProcessEnv;
  /** Adds a token to the same token folder (a module already initialised sees it only after C_Finalize/C_Initialize). */
  addToken(label: string): SoftHsmToken;
  /** Removes the folder and restores the previous SOFTHSM2_CONF. */
  cleanup(): void;
}

export function softHsmAvailable(): boolean {
  return existsSync(SOFTHSM_MODULE) && spawnSync('softhsm2-util', ['--version']).status === 0;
}

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

/** Serial and label of each initialised token, from `softhsm2-util --show-slots`. */
function showSlots(env: NodeJS.ProcessEnv): Array<{ serial: string; label: string }> {
  const r = spawnSync('softhsm2-util', ['--show-slots'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`softhsm2-util --show-slots failed: ${r.stderr}`);
  const out: Array<{ serial: string; label: string }> = [];
  let serial = '';
  for (const line of r.stdout.split('\n')) {
    const s = /^\s*Serial number:\s*(\S*)/.exec(line);
    if (s) serial = s[1] ?? '';
    const l = /^\s*Label:\s*(.*?)\s*$/.exec(line);
    if (l && serial) out.push({ serial, label: l[1] ?? '' });
  }
  return out;
}

/**
 * A fresh SoftHSM2 token store in a temporary folder with one or more initialised tokens (random
 * PINs). SOFTHSM2_CONF is set in this process (SoftHSM reads it at C_Initialize, process-wide,
 * so worker threads see it too) unless `setProcessEnv` is false; child processes get `env`.
 * Vitest runs each test file in its own forked process, so fixtures of different files never meet.
 */
export function createSoftHsm(options: { labels?: string[]; setProcessEnv?: boolean } = {}): SoftHsmFixture {
  const root = mkdtempSync(join(tmpdir(), 'custos-softhsm-'));
  const tokenDir = join(root, 'tokens');
  mkdirSync(tokenDir, { mode: 0o700 });
  const conf = join(root, 'softhsm2.conf');
  writeFileSync(
    conf,
    [`directories.tokendir = ${tokenDir}`, 'objectstore.backend = file', 'log.level = ERROR', 'slots.removable = false', ''].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SOFTHSM2_CONF: conf };
  const previous = process.env.SOFTHSM2_CONF;
  const setEnv = options.setProcessEnv !== false;
  if (setEnv) process.env.SOFTHSM2_CONF = conf;

  const tokens: SoftHsmToken[] = [];
  const addToken = (label: string): SoftHsmToken => {
    const before = new Set(readdirSync(tokenDir));
    const userPin = digits(8);
    const soPin = digits(10);
    const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', userPin], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.stderr || r.stdout}`);
    const created = readdirSync(tokenDir).filter((d) => !before.has(d));
    if (created.length !== 1) throw new Error('softhsm2-util did not create exactly one token folder');
    const found = showSlots(env).find((t) => t.label === label);
    if (!found) throw new Error(`the new token "${label}" is not listed by softhsm2-util`);
    const token = { label, serial: found.serial, userPin, soPin, dir: join(tokenDir, created[0]!) };
    tokens.push(token);
    return token;
  };

  try {
    for (const label of options.labels ?? ['custos-test']) addToken(label);
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    if (setEnv) restore(previous);
    throw e;
  }
  const first = tokens[0]!;
  return {
    conf,
    tokenDir,
    serial: first.serial,
    label: first.label,
    userPin: first.userPin,
    soPin: first.soPin,
    modulePath: SOFTHSM_MODULE,
    tokens,
    env,
    addToken,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
      if (setEnv) restore(previous);
    },
  };
}

function restore(previous: string | undefined): void {
  if (previous === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = previous;
}

/** Runs pkcs11-tool against the fixture's SoftHSM; throws with its output when it fails. */
export function pkcs11Tool(fx: SoftHsmFixture, args: string[]): string {
  const r = spawnSync('pkcs11-tool', ['--module', fx.modulePath, ...args], { env: fx.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pkcs11-tool ${args.filter((a) => !/^\d{6,}$/.test(a)).join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}
