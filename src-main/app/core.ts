import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventName, EventPayload, VaultStatus } from '../../src-shared/contract.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { OPERATIONS } from '../approvals/all-operations.js';
import { readDualControlPolicy } from '../approvals/policy.js';
import { exportAudit } from '../audit/export.js';
import { calibrateKdfCost, type KdfCost } from '../crypto/passphrase-kdf.js';
import { CustosError } from '../errors.js';
import type { Handlers } from '../ipc/dispatch.js';
import { KeyService } from '../keys/key-service.js';
import { requestDestruction } from '../keys/destruction-request.js';
import { recordCertificate } from '../import/inventory-writer.js';
import { discoverTokenKeys } from '../import/token-keys.js';
import type { TokenService } from '../pkcs11/service.js';
import { createTokenService, tokenSummary } from './token-setup.js';
import { sealTokenInit } from './token-operations.js';
import { requirePermission } from '../users/permissions.js';
import { UserService } from '../users/user-service.js';
import { CardService } from '../users/card-service.js';
import { readHeader, vaultExists } from '../vault/header.js';
import { MethodService } from '../vault/method-service.js';
import { UnlockedVault } from '../vault/vault.js';
import type { CoreEventListener, CoreOptions, CustosCore } from './core-types.js';
import { readSettings, storedSettings, writeSettings } from './settings.js';
import { evaluateInventory, rotationTasks, scheduledDestructions, storedComposition, viewActivePolicy } from './policy-service.js';
import { loadPolicy, parseComposition } from '../policy/index.js';
import type { CoreContext } from './core-context.js';
import { chromiumPdfRenderer } from '../pdf/chromium-pdf.js';
import type { PdfRenderer } from '../pdf/renderer.js';
import { analysisHandlers } from './handlers-analysis.js';
import { ceremoniesHandlers } from './handlers-ceremonies.js';
import { discoveryHandlers } from './handlers-discovery.js';
import { inventoryHandlers } from './handlers-inventory.js';

export type { CustosCore, CoreOptions } from './core-types.js';

/**
 * The core behind every host: one vault, at most one unlocked session at a time, the handlers for
 * every channel of the contract. Calls run one after another so that a lock can never interleave
 * with a half-done change.
 */
export function createCore(
  options: CoreOptions & { kdfCost?: KdfCost; now?: () => Date; exportDir?: string; pkcs11?: { allowlist?: string[]; mode?: 'worker' | 'inline'; workerScript?: string } },
): CustosCore {
  const listeners = new Set<CoreEventListener>();
  let vault: UnlockedVault | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let idleLockMs = options.idleLockMs ?? 5 * 60 * 1000;
  const exportDir = options.exportDir ?? join(dirname(options.vaultDir), 'exports');
  let tokens: TokenService | null = null;
  let stopPolling: (() => void) | null = null;

  /** Tokens load on first use; insertion and removal are then polled and pushed to the console. */
  function tokenService(): TokenService {
    if (!tokens) {
      const t = createTokenService(options.pkcs11);
      tokens = t;
      // The first poll is the baseline: what is present already is not news. Changes after it are.
      void t
        .poll()
        .catch(() => undefined)
        .finally(() => {
          if (tokens !== t) return;
          t.on('added', (e) => emit('tokens.changed', { serial: e.token.serial, label: e.token.label, present: true }));
          t.on('removed', (e) => emit('tokens.changed', { serial: e.token.serial, label: e.token.label, present: false }));
          stopPolling = t.startPolling(2000);
        });
    }
    return tokens;
  }
  const keys = (v: UnlockedVault) => new KeyService(v, tokens ?? (needsTokens(v) ? tokenService() : null));
  const needsTokens = (v: UnlockedVault) => (v.db.prepare("SELECT 1 FROM keys WHERE store = 'token' LIMIT 1").get() ? true : false);

  function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch {
        // A failing listener must not stop the others or the core.
      }
    }
  }

  async function lock(reason: 'manual' | 'idle' | 'shutdown'): Promise<void> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (!vault) return;
    const v = vault;
    vault = null;
    v.close({ actor: v.sessionUser?.name ?? null, operation: 'vault.lock', outcome: 'success', details: { reason } });
    if (dueTimer) clearInterval(dueTimer);
    dueTimer = null;
    emit('vault.locked', { reason });
    // Locking also ends every token login, so nobody can use a token key without its PIN again.
    if (tokens) {
      const t = tokens;
      for (const tok of await t.tokens().catch(() => [])) {
        if (tok.loggedIn) await (await t.client(tok.module)).logout(tok.serial).catch(() => undefined);
      }
    }
  }

  function touch(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (vault && idleLockMs > 0) {
      idleTimer = setTimeout(() => {
        void serial(() => lock('idle'));
      }, idleLockMs);
      idleTimer.unref();
    }
  }

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run.finally(touch);
  }

  function opened(): UnlockedVault {
    if (!vault) {
      if (!vaultExists(options.vaultDir)) throw new CustosError('E_VAULT_MISSING', 'No vault exists yet. Create one first.');
      throw new CustosError('E_VAULT_LOCKED', 'The vault is locked. Unlock it to continue.');
    }
    return vault;
  }

  /** Dates take effect by themselves: at unlock and every minute while unlocked. */
  let dueTimer: NodeJS.Timeout | null = null;
  async function applyDue(): Promise<void> {
    if (!vault) return;
    try {
      await keys(vault).applyDue();
    } catch {
      // Due work is retried on the next tick; a failure here must not break the session.
    }
  }

  function adopt(v: UnlockedVault): void {
    vault = v;
    if (dueTimer) clearInterval(dueTimer);
    dueTimer = setInterval(() => void serial(applyDue), 60_000);
    dueTimer.unref();
    // The idle timeout is a vault setting; an explicit host option (tests) wins.
    if (options.idleLockMs === undefined) idleLockMs = readSettings(v.db).idleLockMinutes * 60_000;
  }

  function status(): VaultStatus {
    const exists = vaultExists(options.vaultDir);
    let header = vault?.header ?? null;
    if (!header && exists) {
      try {
        header = readHeader(options.vaultDir);
      } catch {
        header = null;
      }
    }
    const quorum = header?.unlockMethods.find((m) => m.type === 'quorum');
    return {
      exists,
      unlocked: vault !== null,
      user: vault?.sessionUser ? { name: vault.sessionUser.name, role: vault.sessionUser.role } : null,
      vaultId: header?.vaultId ?? null,
      unlockMethods: {
        passphrase: header?.unlockMethods.some((m) => m.type === 'passphrase') ?? false,
        quorumThreshold: quorum && quorum.type === 'quorum' ? quorum.threshold : null,
        tokens: (header?.unlockMethods ?? []).flatMap((m) => (m.type === 'token' ? [{ serial: m.serial, label: m.tokenLabel }] : [])),
      },
    };
  }

  const run = <T>(fn: (v: UnlockedVault) => T | Promise<T>) => serial(async () => fn(opened()));

  let pdfRenderer: PdfRenderer | null = null;
  const pdf = () => (pdfRenderer ??= options.pdf ?? chromiumPdfRenderer());
  const ctx: CoreContext = { options, exportDir, run, serial, tokenService, keys, emit, pdf };

  const handlers: Handlers = {
    ...analysisHandlers(ctx),
    ...ceremoniesHandlers(ctx),
    ...discoveryHandlers(ctx),
    ...inventoryHandlers(ctx),
    'app.info': async () => ({ name: 'Custos', version: options.version, host: options.host, vaultPath: options.vaultDir }),
    'vault.status': () => serial(async () => status()),
    'vault.create': (input) =>
      serial(async () => {
        if (vault) await lock('manual');
        adopt(await UnlockedVault.create(options.vaultDir, { adminName: input.adminName, passphrase: input.passphrase, kdfCost: options.kdfCost ?? (await calibrateKdfCost()), now: options.now }));
        return status();
      }),
    'vault.unlock': (input) =>
      serial(async () => {
        if (vault) await lock('manual');
        adopt(await UnlockedVault.unlock(options.vaultDir, { user: input.user, passphrase: input.passphrase, now: options.now, via: options.host }));
        await applyDue();
        return status();
      }),
    'vault.unlockQuorum': (input) =>
      serial(async () => {
        if (vault) await lock('manual');
        adopt(await UnlockedVault.unlockWithQuorum(options.vaultDir, { custodians: input.custodians, now: options.now, via: options.host }));
        return status();
      }),
    'vault.unlockToken': (input) =>
      serial(async () => {
        if (vault) await lock('manual');
        adopt(await UnlockedVault.unlockWithToken(options.vaultDir, { serial: input.serial, pin: input.pin, tokens: tokenService(), now: options.now, via: options.host }));
        return status();
      }),
    'vault.lock': () =>
      serial(async () => {
        await lock('manual');
        return status();
      }),
    'session.login': (input) =>
      run(async (v) => {
        await v.login(input.user, input.passphrase);
        return status();
      }),
    'session.loginCard': (input) =>
      run(async (v) => {
        await new CardService(v, tokenService).login(input);
        return status();
      }),
    'session.logout': () =>
      run((v) => {
        v.logout();
        return status();
      }),
    'settings.get': () => run((v) => readSettings(v.db)),
    'settings.set': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'settings.change');
        // Only what the administrator set is stored; the rest keeps following its source (the policy).
        v.change({ actor: v.user.name, operation: 'settings.change', outcome: 'success', details: { ...input } }, () => writeSettings(v.db, { ...storedSettings(v.db), ...input }));
        const next = readSettings(v.db);
        if (options.idleLockMs === undefined) idleLockMs = next.idleLockMinutes * 60_000;
        return next;
      }),
    'keys.list': (input) => run((v) => keys(v).list(input)),
    'keys.get': (input) => run((v) => keys(v).get(input.id)),
    'keys.generate': (input) => run((v) => new KeyService(v, input.tokenSerial ? tokenService() : null).generate(input)),
    'keys.transition': (input) => run((v) => keys(v).transition(input.id, input.action, input.reason)),
    'keys.rotate': (input) => run((v) => keys(v).rotate(input.id, input.processDays)),
    'keys.versions': (input) => run((v) => keys(v).versions(input.id)),
    'keys.schedule': (input) => run((v) => keys(v).schedule(input.id, { activationAt: input.activationAt, deactivationAt: input.deactivationAt, maxUses: input.maxUses, rotation: input.rotation })),
    'keys.destroy': (input) => run((v) => requestDestruction(v, input.id, input.afterDays)),
    'keys.cancelDestruction': (input) => run((v) => keys(v).cancelDestruction(input.id)),
    'keys.exportPublic': (input) => run((v) => ({ text: keys(v).exportPublic(input.id, input.format) })),
    'keys.csr': (input) => run((v) => keys(v).csr(input.id, { subject: input.subject, dnsNames: input.dnsNames, ca: input.ca })),
    'keys.selfSign': (input) =>
      run(async (v) => {
        const cert = await keys(v).selfSign(input.id, input);
        // What Custos issues joins the certificate store like any certificate seen elsewhere, so it
        // is linked to its key, judged by the analysis and listed in the CBOM.
        recordCertificate(v, new X509Certificate(cert.pem).raw, { kind: 'issued', location: `key:${input.id}` });
        return cert;
      }),
    // Not through the serial queue, so signatures asked together batch (keys/sign-batch.ts, issue
    // 4): a sign checks the key in one synchronous step and writes only through its batch's group
    // commit, which withholds the signature when the vault was locked meanwhile (recordUse).
    'keys.sign': (input) =>
      (async () => {
        const r = await keys(opened()).sign(input.id, Buffer.from(input.data, 'base64'), input.mechanism);
        return { signature: r.signature.toString('base64'), mechanism: r.mechanism };
      })().finally(touch),
    'keys.verify': (input) => run((v) => keys(v).verify(input.id, Buffer.from(input.data, 'base64'), Buffer.from(input.signature, 'base64'), input.mechanism, input.version)),
    'keys.encrypt': (input) =>
      run(async (v) => {
        const r = await keys(v).encrypt(input.id, Buffer.from(input.data, 'base64'), { aad: input.aad ? Buffer.from(input.aad, 'base64') : undefined, mechanism: input.mechanism });
        return { ciphertext: r.ciphertext.toString('base64'), iv: r.iv ? r.iv.toString('base64') : null, mechanism: r.mechanism };
      }),
    'keys.decrypt': (input) =>
      run(async (v) => {
        const b = (x?: string) => (x === undefined ? undefined : Buffer.from(x, 'base64'));
        const r = await keys(v).decrypt(input.id, Buffer.from(input.data, 'base64'), { iv: b(input.iv), aad: b(input.aad), mechanism: input.mechanism });
        return { plaintext: r.plaintext.toString('base64'), mechanism: r.mechanism };
      }),
    'tokens.modules': () =>
      run(async (v) => {
        requirePermission(v.user.role, 'tokens.read');
        return (await tokenService().modules()).map((m) => ({
          path: m.path,
          description: m.info?.description ?? null,
          manufacturer: m.info?.manufacturer ?? null,
          libraryVersion: m.info?.libraryVersion ?? null,
          cryptokiVersion: m.info?.cryptokiVersion ?? null,
          error: m.error,
        }));
      }),
    'tokens.list': () =>
      run(async (v) => {
        requirePermission(v.user.role, 'tokens.read');
        return (await tokenService().tokens()).map(tokenSummary);
      }),
    'tokens.mechanisms': (input) =>
      run(async (v) => {
        requirePermission(v.user.role, 'tokens.read');
        const list = await (await tokenService().clientForToken(input.serial)).listMechanisms(input.serial);
        return list.map((m) => ({ name: m.name, type: m.type, minKeySize: m.minKeySize, maxKeySize: m.maxKeySize, functions: Object.entries(m.flags).filter(([, on]) => on).map(([f]) => f) }));
      }),
    'tokens.login': (input) =>
      run(async (v) => {
        requirePermission(v.user.role, 'tokens.use');
        const svc = tokenService();
        try {
          await (await svc.clientForToken(input.serial)).login(input.serial, input.pin);
        } catch (e) {
          v.record({ actor: v.user.name, operation: 'token.login', outcome: 'failed', details: { serial: input.serial, reason: e instanceof CustosError ? e.code : 'error' } });
          throw e;
        }
        v.record({ actor: v.user.name, operation: 'token.login', outcome: 'success', details: { serial: input.serial, pinPad: input.pin === null } });
        // Destructions waiting for this token can run now.
        await applyDue();
        return tokenSummary((await svc.tokens()).find((t) => t.serial === input.serial)!);
      }),
    'tokens.logout': (input) =>
      run(async (v) => {
        requirePermission(v.user.role, 'tokens.use');
        const svc = tokenService();
        await (await svc.clientForToken(input.serial)).logout(input.serial);
        v.record({ actor: v.user.name, operation: 'token.logout', outcome: 'success', details: { serial: input.serial } });
        return tokenSummary((await svc.tokens()).find((t) => t.serial === input.serial)!);
      }),
    'tokens.init': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'tokens.use');
        return new ApprovalService(v, OPERATIONS, { tokens: tokenService }).submit('token.init', sealTokenInit(v, input), `Initialise the token in slot ${input.slotId} as "${input.label}"`);
      }),
    // Also records the token's keys of inventory-only algorithms (RSA-1024, secp256k1, …) for reporting (issue 7).
    'tokens.discover': (input) => run((v) => discoverTokenKeys(v, tokenService(), input.serial)),
    'users.list': () => run((v) => new UserService(v).list()),
    'users.add': (input) => run((v) => new UserService(v).add(input)),
    'users.disable': (input) => run((v) => new UserService(v).disable(input.name)),
    'users.setRole': (input) => run((v) => new UserService(v).setRole(input.name, input.role)),
    'users.changePassphrase': (input) => run((v) => new UserService(v).changePassphrase(input.name, input.newPassphrase)),
    'users.cards': () => run((v) => new CardService(v, tokenService).list()),
    'users.setCard': (input) => run((v) => new CardService(v, tokenService).register(input)),
    'users.removeCard': (input) => run((v) => new CardService(v, tokenService).remove(input.name)),
    'methods.list': () => run((v) => new MethodService(v).list()),
    'methods.addPassphrase': (input) => run((v) => new MethodService(v).addPassphrase(input.user, input.passphrase)),
    'methods.setQuorum': (input) => run((v) => new MethodService(v).setQuorum(input.threshold, input.custodians)),
    'methods.addToken': (input) => run((v) => new MethodService(v).addToken(input.holder, input.serial, input.pin, tokenService())),
    'methods.remove': (input) => run((v) => new MethodService(v).remove(input.id)),
    'approvals.list': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'approvals.read');
        return new ApprovalService(v, OPERATIONS).list(input.status);
      }),
    'approvals.approve': (input) =>
      run(async (v) => {
        const approver = input.approver ? await v.authenticate(input.approver.user, input.approver.passphrase, 'approval') : v.user;
        requirePermission(approver.role, 'approvals.decide');
        return new ApprovalService(v, OPERATIONS, { tokens: tokenService }).approveAsync(input.id, approver);
      }),
    'approvals.reject': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'approvals.decide');
        return new ApprovalService(v, OPERATIONS).reject(input.id, v.user, input.reason);
      }),
    'policy.view': () =>
      run((v) => {
        requirePermission(v.user.role, 'keys.read');
        const view = viewActivePolicy(v.db);
        return {
          id: view.id,
          title: view.title,
          packs: view.packs.map((p) => ({ id: p.id, version: p.version, title: p.title, ruleCount: p.ruleCount })),
          rules: view.rules.map((r) => ({ id: r.id, packId: r.packId, kind: r.kind, title: r.title, severity: 'severity' in r ? r.severity : 'info', enforcement: 'enforcement' in r ? r.enforcement : 'warn', effectiveFrom: r.effectiveFrom })),
          disabledRules: [...view.disabledRules],
        };
      }),
    'policy.evaluate': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'keys.read');
        const asOf = input.asOf ? new Date(`${input.asOf}T00:00:00Z`) : v.now();
        return evaluateInventory(v.db, asOf, { limit: input.limit, keyId: input.keyId });
      }),
    'policy.setComposition': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'policy.change');
        // Only the packs and disabled rules change; an organisation's own rules, purposes and settings stay.
        const current = storedComposition(v.db) ?? { format: 'custos.policy-composition/v1', id: 'organisation', overrides: [] };
        const composition = { ...current, packs: input.packs, disabledRules: input.disabledRules };
        // Refuse a composition that does not load before anyone is asked to approve it.
        loadPolicy({ composition: parseComposition(composition, 'the request'), source: 'the request' });
        return new ApprovalService(v, OPERATIONS).submit('policy.set-composition', { composition }, `Use the policy packs ${input.packs.join(', ')}${input.disabledRules.length ? ` without ${input.disabledRules.length} rule(s)` : ''}`);
      }),
    'tasks.list': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'keys.read');
        const now = v.now();
        const destructions = scheduledDestructions(v.db);
        const activations = v.db
          .prepare("SELECT k.id AS keyId, k.name AS keyName, v.activation_at AS activationAt FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version WHERE v.state = 'pre-active' AND v.activation_at IS NOT NULL ORDER BY v.activation_at")
          .all() as Array<{ keyId: string; keyName: string; activationAt: string }>;
        const rotations = rotationTasks(v.db, now, input.horizonDays).map((r) => ({ keyId: r.keyId, keyName: r.keyName, dueAt: r.dueAt, overdue: r.overdue, daysLeft: r.daysLeft, reason: r.reason }));
        const horizon = new Date(now.getTime() + input.horizonDays * 86_400_000).toISOString();
        // Keys whose protect-stop (deactivation) or process-stop date falls within the horizon.
        const expiring = v.db
          .prepare(
            `SELECT k.id AS keyId, k.name AS keyName, v.version, CASE WHEN v.protect_stop_at IS NOT NULL AND v.protect_stop_at <= @h THEN 'deactivation' ELSE 'process-stop' END AS what,
                    CASE WHEN v.protect_stop_at IS NOT NULL AND v.protect_stop_at <= @h THEN v.protect_stop_at ELSE v.process_stop_at END AS at
             FROM key_versions v JOIN keys k ON k.id = v.key_id
             WHERE v.state IN ('active', 'suspended', 'deactivated') AND ((v.protect_stop_at > @now AND v.protect_stop_at <= @h) OR (v.process_stop_at > @now AND v.process_stop_at <= @h))
             ORDER BY at`,
          )
          .all({ h: horizon, now: now.toISOString() }) as Array<{ keyId: string; keyName: string; version: number; what: 'deactivation' | 'process-stop'; at: string }>;
        return { rotations, destructions, activations, expiring };
      }),
    'policy.dualControl.get': () => run((v) => readDualControlPolicy(v.db)),
    'policy.dualControl.set': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'policy.change');
        return new ApprovalService(v, OPERATIONS).submit('policy.set-dual-control', input.policy, `Change the dual-control policy (${Object.keys(input.policy.operations).length} categories)`);
      }),
    'audit.list': (input) =>
      run((v) => {
        requirePermission(v.user.role, 'audit.read');
        return { items: v.audit.list(input) };
      }),
    'audit.verify': () =>
      run((v) => {
        requirePermission(v.user.role, 'audit.read');
        return v.verifyAudit();
      }),
    'audit.export': () =>
      run(async (v) => {
        mkdirSync(exportDir, { recursive: true, mode: 0o700 });
        const stamp = v.now().toISOString().replace(/[:.]/g, '-');
        const m = await exportAudit(v, join(exportDir, `custos-audit-${v.vaultId.slice(0, 8)}-${stamp}.tar`));
        return { path: m.path, events: m.events, headHash: m.headHash, bytes: m.bytes, publicKeyFingerprint: m.publicKeyFingerprint };
      }),
  };

  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () =>
      serial(async () => {
        await lock('shutdown');
        stopPolling?.();
        await tokens?.close();
        tokens = null;
        await pdfRenderer?.close();
        pdfRenderer = null;
      }),
  };
}
