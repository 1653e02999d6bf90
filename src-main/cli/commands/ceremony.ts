import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { createTokenService } from '../../app/token-setup.js';
import { allowWrappableCaKeys } from '../../ceremony/ca-backup-policy.js';
import { runCeremony, type CeremonyScript } from '../../ceremony/runner.js';
import { loadTemplates } from '../../ceremony/template.js';
import { builtinPolicyDir } from '../../policy/index.js';
import { only, print, readSecretFile, UsageError, withVault, type Cli } from '../context.js';
import { table } from '../format.js';
import { outcomeText } from './users.js';

function templatesDir(): string {
  // resources/ceremonies sits beside resources/policies.
  return join(dirname(builtinPolicyDir()), 'ceremonies');
}

export async function ceremonyList(cli: Cli): Promise<number> {
  only(cli, []);
  const list = loadTemplates(templatesDir());
  print(cli, list.map((t) => ({ id: t.id, version: t.version, title: t.title, steps: t.steps.length })), table(['TEMPLATE', 'VERSION', 'STEPS', 'TITLE'], list.map((t) => [t.id, String(t.version), String(t.steps.length), t.title])));
  return 0;
}

/** The script file a rehearsal answers each step with; secrets stay in their own files. */
const scriptFileSchema = z.strictObject({
  participants: z.array(z.strictObject({ user: z.string(), name: z.string().optional(), role: z.enum(['ceremony-administrator', 'internal-witness', 'key-custodian', 'auditor']), passphraseFile: z.string() })).min(1),
  token: z.strictObject({ serial: z.string(), pinFile: z.string() }).optional(),
  notes: z.record(z.string(), z.string()).optional(),
  /** key-recovery: the backup package, and each custodian's share in its own file (mnemonic or XOR component hex). */
  recovery: z.strictObject({ packageFile: z.string(), shareFiles: z.record(z.string(), z.string()) }).optional(),
});

/** ceremony run TEMPLATE --script FILE [--out DIR] */
export async function ceremonyRun(cli: Cli): Promise<number> {
  only(cli, ['script', 'out'], 1);
  const id = cli.args[0];
  if (!id) throw new UsageError('name the template (custos ceremony list)');
  const template = loadTemplates(templatesDir()).find((t) => t.id === id);
  if (!template) throw new UsageError(`no ceremony template "${id}" (custos ceremony list)`);
  if (!cli.values.script) throw new UsageError('--script FILE is required: it names the participants and answers each step');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cli.values.script, 'utf8'));
  } catch {
    throw new UsageError(`cannot read the script ${cli.values.script} as JSON`);
  }
  const parsed = scriptFileSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`the script ${cli.values.script} is not valid: ${parsed.error.issues[0]?.message ?? ''} at ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
  const base = dirname(resolve(cli.values.script));
  const at = (p: string) => resolve(base, p);
  const participants: CeremonyScript['participants'] = [];
  for (const p of parsed.data.participants) participants.push({ user: p.user, name: p.name, role: p.role, passphrase: await readSecretFile(cli.io, at(p.passphraseFile), 'passphraseFile') });
  let recovery: CeremonyScript['recovery'];
  if (parsed.data.recovery) {
    const r = parsed.data.recovery;
    let packageText: string;
    try {
      packageText = readFileSync(at(r.packageFile), 'utf8');
    } catch {
      throw new UsageError(`cannot read the backup package ${r.packageFile}`);
    }
    const shares: Record<string, string> = {};
    for (const [custodian, file] of Object.entries(r.shareFiles)) shares[custodian] = await readSecretFile(cli.io, at(file), 'shareFiles');
    recovery = { packageText, shares };
  }
  const out = resolve(cli.values.out ?? '.');
  const tokens = createTokenService();
  try {
    const run = await withVault(cli, async (v) => {
      if (parsed.data.token) await (await tokens.clientForToken(parsed.data.token.serial)).login(parsed.data.token.serial, await readSecretFile(cli.io, at(parsed.data.token.pinFile), 'pinFile'));
      return runCeremony(v, template, { participants, token: parsed.data.token ? { serial: parsed.data.token.serial } : undefined, notes: parsed.data.notes ?? {}, recovery }, out, tokens);
    });
    if (run.shares.length) cli.io.stderr('custos: the shares below are secrets: in a real ceremony each custodian sees only their own; do not keep this output.\n');
    const text =
      `Ceremony ${run.ceremonyId} (${template.title}) ${run.state.status}.\n` +
      (run.fingerprintWords ? `Fingerprint words: ${run.fingerprintWords.join(' ')}\n` : '') +
      run.shares.map((s) => `share of ${s.custodian}: ${s.share}\n`).join('') +
      `Transcript: ${run.files.transcript} (verify with custos audit verify)\n` +
      (run.files.certificate ? `Certificate: ${run.files.certificate}\n` : '') +
      (run.files.package ? `Backup package: ${run.files.package}\n` : '');
    print(cli, { ceremonyId: run.ceremonyId, status: run.state.status, fingerprintWords: run.fingerprintWords, shares: run.shares, files: run.files }, text);
  } finally {
    await tokens.close();
  }
  return 0;
}

/**
 * ceremony allow-wrappable-ca-keys: files the dual-controlled policy change that lets CA keys be
 * wrappable on their token (for split-knowledge backups in a root CA ceremony). See ca-backup-policy.ts.
 */
export async function ceremonyAllowWrappableCa(cli: Cli): Promise<number> {
  only(cli, []);
  const o = await withVault(cli, (v) => allowWrappableCaKeys(v));
  print(cli, o, outcomeText(o));
  return 0;
}
