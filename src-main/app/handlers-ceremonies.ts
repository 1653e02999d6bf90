import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ceremoniesChannels } from '../../src-shared/contract-ceremonies.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { publicKeyFingerprint, publicPem } from '../audit/signing.js';
import { createKeyBackup, requestRecovery, requestTokenRecovery } from '../backup/backup-service.js';
import { ShareCustody } from '../backup/custody.js';
import { parsePackage, verifyShare } from '../backup/package.js';
import { custodianCardDocument, transcriptDocument } from '../ceremony/documents.js';
import { abortLive, attestLive, heldShare, noteLive, performLive, startLive, templateInfo, viewOf, type LiveCeremony, type SessionDeps } from '../ceremony/session.js';
import { loadTemplates, type CeremonyTemplate } from '../ceremony/template.js';
import { writeTranscriptBundle } from '../ceremony/transcript.js';
import { CustosError } from '../errors.js';
import { builtinPolicyDir } from '../policy/index.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { CoreContext, HandlersFor } from './core-context.js';

/**
 * Handlers for the channels of contract-ceremonies.ts: the console's ceremony wizard and backups.
 * One ceremony runs at a time per vault session (kept in memory; a lock ends the session and with
 * it the ceremony, which is then incomplete in its transcript). Shares wait sealed in the share
 * custody until their custodian authenticates and asks for them.
 */
let templatesCache: CeremonyTemplate[] | null = null;
function templates(): CeremonyTemplate[] {
  // resources/ceremonies sits beside resources/policies; shipped templates are read once per process.
  return (templatesCache ??= loadTemplates(join(dirname(builtinPolicyDir()), 'ceremonies')));
}

export function ceremoniesHandlers(ctx: CoreContext): HandlersFor<typeof ceremoniesChannels> {
  const custody = new ShareCustody();
  let live: LiveCeremony | null = null;
  const deps = (v: UnlockedVault): SessionDeps => ({ keys: ctx.keys(v), tokens: ctx.tokenService, custody, exportDir: ctx.exportDir });

  /** A lock ends the session: what the previous session left here is dropped at the next call. */
  function sync(v: UnlockedVault): UnlockedVault {
    if (live && live.vault !== v) live = null;
    custody.dropStale(v);
    return v;
  }

  function ceremony(v: UnlockedVault, id: string): LiveCeremony {
    sync(v);
    if (!live || live.vault !== v || live.state.ceremonyId !== id) throw new CustosError('E_NOT_FOUND', `Ceremony ${id} is not open in this session (a lock ends a ceremony in progress).`);
    return live;
  }

  /**
   * Refusals are not in the transcript; they go to the vault's audit trail (failed logins already do).
   * Where the input carried a share, only the code is recorded: a share's refusal may quote what was
   * typed (SLIP-0039 names the unknown word, a near-copy of the real one), which is for the screen only.
   */
  async function guarded<T>(v: UnlockedVault, what: string, ceremonyId: string | null, fn: () => Promise<T>, carriesShare = false): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CustosError && e.code !== 'E_AUTH_FAILED') {
        v.record({ actor: v.sessionUser?.name ?? null, operation: `ceremony.${what}`, outcome: 'refused', details: { ceremonyId, code: e.code, ...(carriesShare ? {} : { reason: e.message }) } });
      }
      throw e;
    }
  }

  return {
    'ceremonies.templates': () =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return templates().map(templateInfo);
      }),
    'ceremonies.start': (input) =>
      ctx.run((v) =>
        guarded(v, 'start', null, async () => {
          requirePermission(v.user.role, 'keys.lifecycle');
          sync(v);
          if (live && live.state.status === 'running') throw new CustosError('E_CONFLICT', `Ceremony ${live.state.ceremonyId} (${live.state.template.title}) is still running; finish or abort it first.`);
          const t = templates().find((x) => x.id === input.templateId);
          if (!t) throw new CustosError('E_NOT_FOUND', `No ceremony template ${input.templateId}.`);
          live = await startLive(v, t, input, deps(v));
          return viewOf(live, custody);
        }),
      ),
    'ceremonies.current': () => ctx.run((v) => (live && live.vault === sync(v) ? viewOf(live, custody) : null)),
    'ceremonies.attest': (input) =>
      ctx.run((v) =>
        guarded(v, 'attest', input.ceremonyId, async () => {
          const c = ceremony(v, input.ceremonyId);
          await attestLive(c, input);
          return viewOf(c, custody);
        }, input.share !== undefined),
      ),
    'ceremonies.perform': (input) =>
      ctx.run((v) =>
        guarded(v, 'perform', input.ceremonyId, async () => {
          const c = ceremony(v, input.ceremonyId);
          await performLive(c, input, deps(v));
          return viewOf(c, custody);
        }),
      ),
    'ceremonies.note': (input) =>
      ctx.run((v) =>
        guarded(v, 'note', input.ceremonyId, async () => {
          const c = ceremony(v, input.ceremonyId);
          await noteLive(c, input);
          return viewOf(c, custody);
        }),
      ),
    'ceremonies.abort': (input) =>
      ctx.run((v) =>
        guarded(v, 'abort', input.ceremonyId, async () => {
          const c = ceremony(v, input.ceremonyId);
          await abortLive(c, input, custody);
          return viewOf(c, custody);
        }),
      ),
    'ceremonies.export': (input) =>
      ctx.run(async (v) => {
        const c = ceremony(v, input.ceremonyId);
        mkdirSync(ctx.exportDir, { recursive: true, mode: 0o700 });
        const now = v.now();
        const name = `ceremony-${c.state.ceremonyId}-transcript.tar`;
        const path = join(ctx.exportDir, name);
        const signingKey = v.signingKey();
        await writeTranscriptBundle(path, c.state, { signingKey, exportedAt: now });
        const fp = publicKeyFingerprint(publicPem(signingKey));
        let pdfPath: string | null = null;
        if (input.pdf) {
          const pdf = await ctx.pdf().render(transcriptDocument(c.state, { exportedAt: now, bundleName: name, signingKeyFingerprint: fp }));
          pdfPath = join(ctx.exportDir, `ceremony-${c.state.ceremonyId}-transcript.pdf`);
          writeFileSync(pdfPath, pdf);
        }
        const head = c.state.transcript[c.state.transcript.length - 1]!;
        v.record({ actor: v.user.name, operation: 'ceremony.export', keyId: c.keyId ?? c.state.keyId, outcome: 'success', details: { ceremonyId: c.state.ceremonyId, path, pdf: pdfPath !== null, head: head.hash } });
        return { path, pdfPath, events: c.state.transcript.length, headHash: head.hash, publicKeyFingerprint: fp };
      }),
    'backups.create': (input) =>
      ctx.run(async (v) => {
        const custodians = input.custodians.map((name) => {
          const u = v.db.prepare('SELECT name, disabled_at AS disabled FROM users WHERE name = ? COLLATE NOCASE').get(name) as { name: string; disabled: string | null } | undefined;
          if (!u || u.disabled) throw new CustosError('E_NOT_FOUND', `${name} is not an active user of this vault; custodians must be.`);
          return u.name;
        });
        if (new Set(custodians.map((c) => c.toLowerCase())).size !== custodians.length) throw new CustosError('E_INPUT', 'Each custodian holds one share: a name is listed twice.');
        if (input.scheme === 'files' && input.sharePassphrases?.length !== custodians.length) throw new CustosError('E_INPUT', 'Share files need each custodian’s share passphrase.');
        if (input.scheme !== 'files' && input.sharePassphrases) throw new CustosError('E_INPUT', 'Share passphrases belong to the "files" scheme only.');
        if (input.threshold > custodians.length) throw new CustosError('E_INPUT', `The threshold (${input.threshold}) exceeds the number of custodians (${custodians.length}).`);
        const k = ctx.keys(v).get(input.keyId);
        const b = await createKeyBackup(v, k.id, { scheme: input.scheme, threshold: input.threshold, count: custodians.length, custodians, sharePassphrases: input.sharePassphrases }, k.store === 'token' ? ctx.tokenService() : null);
        const h = b.pkg.header;
        mkdirSync(ctx.exportDir, { recursive: true, mode: 0o700 });
        const packageText = JSON.stringify(b.pkg, null, 2) + '\n';
        const path = join(ctx.exportDir, `backup-${h.packageId}.json`);
        writeFileSync(path, packageText);
        const shareFiles = (b.shareFiles ?? []).map((f) => {
          const p = join(ctx.exportDir, `backup-${h.packageId}.share-${f.index}.json`);
          writeFileSync(p, JSON.stringify(f, null, 2) + '\n', { mode: 0o600 });
          return { custodian: f.custodian, path: p };
        });
        custody.hold(v, b);
        return { packageId: h.packageId, path, packageText, keyId: k.id, keyName: k.name, scheme: h.scheme.type, threshold: h.scheme.threshold, count: h.scheme.count, custodians: h.scheme.custodians, kekKcv: h.scheme.kekKcv, shareFiles, waiting: custody.waiting(v, h.packageId) };
      }),
    'backups.revealShare': (input) =>
      ctx.run(async (v) => {
        sync(v);
        const u = await v.authenticate(input.person.user, input.person.passphrase, 'approval');
        try {
          return await custody.handOut(v, input.packageId, u.name, async (handed) => {
            let cardPdf: string | null = null;
            if (input.card) {
              // The card carries the share: made in memory, handed to this custodian's screen, never written here.
              const h = handed.header;
              const pdf = await ctx.pdf().render(
                custodianCardDocument({ custodian: handed.custodian, keyName: h.key.name, fingerprint: h.key.fingerprint, packageId: h.packageId, scheme: h.scheme.type === 'xor' ? 'xor' : 'slip39', index: handed.index, threshold: h.scheme.threshold, count: h.scheme.count, share: handed.share, kcv: handed.kcv, printedAt: v.now() }),
              );
              cardPdf = pdf.toString('base64');
              pdf.fill(0);
            }
            v.record({ actor: u.name, operation: 'backup.share-reveal', outcome: 'success', details: { packageId: input.packageId, index: handed.index, card: cardPdf !== null } });
            return { custodian: handed.custodian, index: handed.index, kind: handed.kind, share: handed.share, kcv: handed.kcv, cardPdf, waiting: handed.waiting };
          });
        } catch (e) {
          v.record({ actor: u.name, operation: 'backup.share-reveal', outcome: 'refused', details: { packageId: input.packageId, reason: e instanceof CustosError ? e.message : 'error' } });
          throw e;
        }
      }),
    'backups.verifyShare': (input) =>
      ctx.run(async (v) => {
        const pkg = parsePackage(input.packageText);
        try {
          const { index } = await verifyShare(pkg, heldShare(input.share));
          v.record({ actor: v.user.name, operation: 'backup.verify-share', outcome: 'success', details: { packageId: pkg.header.packageId, index } });
          return { packageId: pkg.header.packageId, index, custodian: pkg.header.scheme.custodians[index - 1] ?? null, keyName: pkg.header.key.name };
        } catch (e) {
          // The code only: the message may quote the typed share (see guarded).
          v.record({ actor: v.user.name, operation: 'backup.verify-share', outcome: 'refused', details: { packageId: pkg.header.packageId, code: e instanceof CustosError ? e.code : 'error' } });
          throw e;
        }
      }),
    'backups.recover': (input) =>
      ctx.run(async (v) => {
        const pkg = parsePackage(input.packageText);
        const named = pkg.header.scheme.custodians.map((c) => c.toLowerCase());
        const seen = new Set<string>();
        const shares = [];
        // Every custodian present proves who they are; a share must be brought by the custodian it was given to.
        for (const c of input.custodians) {
          const u = await v.authenticate(c.person.user, c.person.passphrase, 'approval');
          if (seen.has(u.name)) throw new CustosError('E_INPUT', `${u.name} is listed twice; each custodian brings their own share.`);
          seen.add(u.name);
          if (named.length && !named.includes(u.name.toLowerCase())) throw new CustosError('E_PERMISSION', `${u.name} is not a custodian of this backup (${pkg.header.scheme.custodians.join(', ')}).`);
          const held = heldShare(c.share);
          const { index } = await verifyShare(pkg, held);
          const owner = pkg.header.scheme.custodians[index - 1];
          if (owner && owner.toLowerCase() !== u.name.toLowerCase()) throw new CustosError('E_INPUT', `${u.name} brought share ${index}, which belongs to ${owner}.`);
          shares.push(held);
        }
        const o = input.tokenSerial
          ? await requestTokenRecovery(v, OPERATIONS, input.packageText, shares, input.tokenSerial, { name: input.name })
          : await requestRecovery(v, OPERATIONS, input.packageText, shares, { name: input.name });
        return { status: o.status, requestId: o.requestId, summary: o.summary, fingerprint: pkg.header.key.fingerprint };
      }),
  };
}
