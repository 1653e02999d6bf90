import type { ChannelName, EventName, EventPayload } from '../../src-shared/contract.js';
import type { Handlers } from '../ipc/dispatch.js';
import type { PdfRenderer } from '../pdf/renderer.js';
import type { KeyService } from '../keys/key-service.js';
import type { TokenService } from '../pkcs11/service.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { CoreOptions } from './core-types.js';

/**
 * What a group of channel handlers gets from the core: the serial queue, the open vault, the
 * token service and the event push. Groups live in their own files (handlers-*.ts) so that each
 * area of the product owns its handlers; core.ts merges them.
 */
export interface CoreContext {
  readonly options: CoreOptions & { now?: () => Date };
  /** Folder where exports (audit bundles, reports, CBOM) are written. */
  readonly exportDir: string;
  /** Runs `fn` on the open vault, after every earlier call has finished; throws when locked. */
  run<T>(fn: (v: UnlockedVault) => T | Promise<T>): Promise<T>;
  /** Runs `fn` after every earlier call has finished, whether or not a vault is open. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** The token service, started on first use. */
  tokenService(): TokenService;
  /** Key operations on the open vault (with tokens when any key lives on one). */
  keys(v: UnlockedVault): KeyService;
  /** The host's PDF printer, started on first use. */
  pdf(): PdfRenderer;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

/** The handlers for one group of channels (a `*Channels` object of the contract). */
export type HandlersFor<G> = { [C in keyof G & ChannelName]: Handlers[C] };
