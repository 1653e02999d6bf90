import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createKeyBackup } from '../backup/backup-service.js';
import { parsePackage, verifyShare, type HeldShare } from '../backup/package.js';
import { CustosError } from '../errors.js';
import { KeyService } from '../keys/key-service.js';
import type { TokenService } from '../pkcs11/service.js';
import type { UnlockedVault, VaultUser } from '../vault/vault.js';
import { applyStep, currentStep, startCeremony, type CeremonyState, type Participant } from './engine.js';
import { hexToPgpWords } from './pgp-words.js';
import { certifyStepKey, generateStepKey } from './session.js';
import { recoverInCeremony } from './recover.js';
import type { CeremonyTemplate } from './template.js';
import { writeTranscriptBundle } from './transcript.js';

/**
 * Runs a ceremony template against the vault with a script that answers each step — for
 * rehearsals and tests (`custos ceremony run TEMPLATE --script FILE`). Every participant must be a
 * user of the vault and authenticates with their own passphrase; the engine refuses anything out
 * of order or without its quorum, and the runner performs each step's effect (generate on the
 * token, certificate, backup split, share verification) and hands the engine only non-secret
 * outputs. Shares are returned to the caller to show each custodian; nothing secret is written.
 */
export const scriptSchema = z.strictObject({
  participants: z.array(z.strictObject({ user: z.string(), name: z.string().optional(), role: z.enum(['ceremony-administrator', 'internal-witness', 'key-custodian', 'auditor']), passphrase: z.string() })).min(1),
  token: z.strictObject({ serial: z.string() }).optional(),
  /** Text for note steps, by step id. */
  notes: z.record(z.string(), z.string()).default({}),
  /**
   * recover-backup steps: the backup package (its JSON text) and the share each custodian present
   * brings (a SLIP-0039 mnemonic or an XOR component in hex), by custodian. The target token, if
   * the step restores into one, is `token`.
   */
  recovery: z.strictObject({ packageText: z.string().min(2), shares: z.record(z.string(), z.string().min(1)) }).optional(),
});
export type CeremonyScript = z.infer<typeof scriptSchema>;

export interface CeremonyRun {
  state: CeremonyState;
  ceremonyId: string;
  /** Per custodian: the share they must keep (mnemonic or component). Shown once, never stored. */
  shares: Array<{ custodian: string; share: string }>;
  files: { transcript: string; certificate?: string; package?: string };
  fingerprintWords: string[] | null;
}

const sha256 = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function runCeremony(vault: UnlockedVault, template: CeremonyTemplate, script: CeremonyScript, outDir: string, tokens: TokenService | null): Promise<CeremonyRun> {
  const now = () => vault.now();
  // Everyone authenticates against the vault before anything happens.
  const people: Participant[] = [];
  const users = new Map<string, VaultUser>();
  for (const p of script.participants) {
    const u = await vault.authenticate(p.user, p.passphrase, 'login');
    people.push({ id: u.name, name: p.name ?? u.name, role: p.role });
    users.set(u.name, u);
  }
  const admin = people.find((p) => p.role === 'ceremony-administrator');
  if (!admin) throw new CustosError('E_INPUT', 'A ceremony needs a ceremony administrator.');
  const ceremonyId = randomUUID().replace(/-/g, '');
  let state = startCeremony(template, people, { ceremonyId, startedBy: admin.id, now: now() });
  vault.record({ actor: admin.id, operation: 'ceremony.start', outcome: 'success', details: { ceremonyId, template: template.id, version: template.version } });
  mkdirSync(outDir, { recursive: true });
  const keys = new KeyService(vault, tokens);
  const run: CeremonyRun = { state, ceremonyId, shares: [], files: { transcript: join(outDir, `ceremony-${ceremonyId}.tar`) }, fingerprintWords: null };
  let keyId: string | null = null;
  let mnemonics: Array<{ custodian: string; share: HeldShare; text: string }> = [];
  let pkgText: string | null = null;
  const custodians = people.filter((p) => p.role === 'key-custodian').map((p) => p.id);

  for (let step = currentStep(state); step; step = currentStep(state)) {
    const actor = people.find((p) => p.role === step.performedBy)?.id ?? admin.id;
    const attestedBy = people.filter((p) => step.attestedBy.includes(p.role)).map((p) => p.id);
    let outputs: unknown = {};
    switch (step.kind) {
      case 'checklist':
        outputs = {};
        break;
      case 'authenticate':
        outputs = { methods: Object.fromEntries(attestedBy.map((id) => [id, 'passphrase'])) };
        break;
      case 'generate-key': {
        if (step.store === 'token' && !script.token) throw new CustosError('E_INPUT', 'This ceremony generates a key on a token; the script must name it ({"token": {"serial": …}}) and the token must be logged in.');
        const k = await generateStepKey(keys, template, step, step.label ?? `${template.id}-${ceremonyId.slice(0, 8)}`, script.token?.serial ?? null);
        keys.transition(k.id, 'activate');
        keyId = k.id;
        outputs = { keyId: k.id, fingerprint: k.fingerprint!, ...(k.token ? { tokenSerial: k.token.serial, label: k.token.label } : {}) };
        break;
      }
      case 'show-fingerprint': {
        const fp = state.fingerprint!;
        run.fingerprintWords = hexToPgpWords(fp);
        outputs = { fingerprint: fp };
        break;
      }
      case 'certificate': {
        if (!keyId) throw new CustosError('E_CONFLICT', 'No key to certify.');
        const file = join(outDir, step.mode === 'self-signed-root' ? 'root-certificate.pem' : 'request.csr.pem');
        outputs = (await certifyStepKey(keys, keyId, step, file)).outputs;
        run.files.certificate = file;
        break;
      }
      case 'split-backup': {
        if (!keyId) throw new CustosError('E_CONFLICT', 'No key to back up.');
        if (step.scheme === 'files') throw new CustosError('E_UNSUPPORTED', 'Scripted ceremonies split to mnemonics or components; share files need each custodian at the keyboard.');
        const b = await createKeyBackup(vault, keyId, { scheme: step.scheme, threshold: step.threshold, count: step.shares, custodians }, tokens);
        pkgText = JSON.stringify(b.pkg, null, 2) + '\n';
        run.files.package = join(outDir, 'key.backup.json');
        writeFileSync(run.files.package, pkgText);
        const texts = b.mnemonics ?? b.components!.map((c) => c.hex);
        mnemonics = custodians.map((c, i) => ({ custodian: c, text: texts[i]!, share: b.mnemonics ? { kind: 'mnemonic', mnemonic: texts[i]! } : { kind: 'component', hex: texts[i]! } }));
        run.shares = mnemonics.map((m) => ({ custodian: m.custodian, share: m.text }));
        outputs = { packageSha256: sha256(pkgText), shares: custodians.map((c, i) => ({ custodian: c, digest: b.pkg.header.shareDigests[i]!.digest })) };
        break;
      }
      case 'verify-shares': {
        if (!pkgText) throw new CustosError('E_CONFLICT', 'No backup to verify shares against.');
        const pkg = JSON.parse(pkgText);
        const verified = [];
        for (const m of mnemonics.filter((x) => attestedBy.includes(x.custodian))) {
          const { index } = await verifyShare(pkg, m.share);
          verified.push({ custodian: m.custodian, digest: pkg.header.shareDigests[index - 1].digest });
        }
        outputs = { shares: verified };
        break;
      }
      case 'recover-backup': {
        if (!script.recovery) throw new CustosError('E_INPUT', 'This ceremony recovers a backup; the script must give it ({"recovery": {"packageText": …, "shares": {custodian: share}}}).');
        if (step.target === 'token' && !script.token) throw new CustosError('E_INPUT', 'This ceremony restores the key into a token; the script must name it ({"token": {"serial": …}}) and the token must be logged in.');
        const rec = script.recovery;
        const shares = attestedBy
          .filter((id) => people.find((p) => p.id === id)?.role === 'key-custodian')
          .map((custodian) => {
            const text = rec.shares[custodian]?.trim();
            if (!text) throw new CustosError('E_INPUT', `The script gives no share for ${custodian}, a custodian present.`);
            const share: HeldShare = /^[0-9a-fA-F\s]+$/.test(text) ? { kind: 'component', hex: text } : { kind: 'mnemonic', mnemonic: text };
            return { custodian, share };
          });
        const approvers = attestedBy.filter((id) => people.find((p) => p.id === id)?.role === 'internal-witness').map((id) => users.get(id)!);
        const pkgName = parsePackage(rec.packageText).header.key.name;
        const o = await recoverInCeremony(vault, { pkgText: rec.packageText, shares, target: step.target, tokenSerial: script.token?.serial ?? null, approvers, tokens: tokens ? () => tokens : null, name: `${pkgName} (recovered ${ceremonyId.slice(0, 8)})` });
        keyId = o.keyId;
        outputs = o;
        break;
      }
      case 'destroy-temporary':
        outputs = { items: [step.what.slice(0, 200)] };
        break;
      case 'note':
        outputs = { text: script.notes[step.id] ?? 'The ceremony followed the script.' };
        break;
    }
    state = applyStep(state, { stepId: step.id, actor, attestedBy, outputs }, now());
  }
  run.state = state;
  await writeTranscriptBundle(run.files.transcript, state, { signingKey: vault.signingKey(), exportedAt: now() });
  vault.record({ actor: admin.id, operation: 'ceremony.complete', keyId, outcome: 'success', details: { ceremonyId, template: template.id, transcriptHead: state.transcript[state.transcript.length - 1]!.hash } });
  return run;
}
