import type { EventName, EventPayload, VaultStatus } from '../../src-shared/contract.js';
import { CustosError } from '../errors.js';
import type { Handlers } from '../ipc/dispatch.js';
import { KeyService } from '../keys/key-service.js';
import { requirePermission } from '../users/permissions.js';
import { vaultExists, readHeader } from '../vault/header.js';
import { UnlockedVault } from '../vault/vault.js';
import { calibrateKdfCost, type KdfCost } from '../crypto/passphrase-kdf.js';
import type { CoreEventListener, CoreOptions, CustosCore } from './core-types.js';

export type { CustosCore, CoreOptions } from './core-types.js';

const DEFAULT_IDLE_LOCK_MS = 5 * 60 * 1000;

/**
 * The core behind every host: one vault, at most one unlocked session at a time, the handlers for
 * every channel of the contract. Calls run one after another so that a lock can never interleave
 * with a half-done change.
 */
export function createCore(options: CoreOptions & { kdfCost?: KdfCost; now?: () => Date }): CustosCore {
  const listeners = new Set<CoreEventListener>();
  let vault: UnlockedVault | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const idleLockMs = options.idleLockMs ?? DEFAULT_IDLE_LOCK_MS;

  function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch {
        // A failing listener must not stop the others or the core.
      }
    }
  }

  function lock(reason: 'manual' | 'idle' | 'shutdown'): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (!vault) return;
    const v = vault;
    vault = null;
    v.close({ actor: v.user.name, operation: 'vault.lock', outcome: 'success', details: { reason } });
    emit('vault.locked', { reason });
  }

  function touch(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (vault && idleLockMs > 0) {
      idleTimer = setTimeout(() => {
        void serial(async () => lock('idle'));
      }, idleLockMs);
      idleTimer.unref();
    }
  }

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run.finally(touch);
  }

  function unlocked(): UnlockedVault {
    if (!vault) {
      if (!vaultExists(options.vaultDir)) throw new CustosError('E_VAULT_MISSING', 'No vault exists yet. Create one first.');
      throw new CustosError('E_VAULT_LOCKED', 'The vault is locked. Unlock it to continue.');
    }
    return vault;
  }

  function status(): VaultStatus {
    const exists = vaultExists(options.vaultDir);
    let vaultId: string | null = null;
    if (vault) vaultId = vault.vaultId;
    else if (exists) {
      try {
        vaultId = readHeader(options.vaultDir).vaultId;
      } catch {
        vaultId = null;
      }
    }
    return { exists, unlocked: vault !== null, user: vault ? { name: vault.user.name, role: vault.user.role } : null, vaultId };
  }

  const handlers: Handlers = {
    'app.info': async () => ({ name: 'Custos', version: options.version, host: options.host, vaultPath: options.vaultDir }),
    'vault.status': () => serial(async () => status()),
    'vault.create': (input) =>
      serial(async () => {
        if (vault) lock('manual');
        vault = await UnlockedVault.create(options.vaultDir, { adminName: input.adminName, passphrase: input.passphrase, kdfCost: options.kdfCost ?? (await calibrateKdfCost()), now: options.now });
        return status();
      }),
    'vault.unlock': (input) =>
      serial(async () => {
        if (vault) lock('manual');
        vault = await UnlockedVault.unlock(options.vaultDir, { user: input.user, passphrase: input.passphrase, now: options.now, via: options.host });
        return status();
      }),
    'vault.lock': () =>
      serial(async () => {
        lock('manual');
        return status();
      }),
    'keys.list': (input) => serial(async () => new KeyService(unlocked()).list(input)),
    'keys.get': (input) => serial(async () => new KeyService(unlocked()).get(input.id)),
    'keys.generate': (input) => serial(async () => new KeyService(unlocked()).generate(input)),
    'audit.list': (input) =>
      serial(async () => {
        const v = unlocked();
        requirePermission(v.user.role, 'audit.read');
        return { items: v.audit.list({ keyId: input.keyId, limit: input.limit, beforeSeq: input.beforeSeq }) };
      }),
    'audit.verify': () =>
      serial(async () => {
        const v = unlocked();
        requirePermission(v.user.role, 'audit.read');
        return v.audit.verify();
      }),
  };

  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => serial(async () => lock('shutdown')),
  };
}
