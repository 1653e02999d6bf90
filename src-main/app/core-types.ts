import type { EventName, EventPayload } from '../../src-shared/contract.js';
import type { Handlers } from '../ipc/dispatch.js';
import type { PdfRenderer } from '../pdf/renderer.js';

export type CoreEventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/**
 * What a host (Electron, browser host) needs from the core: the handlers for every channel of the
 * contract, a way to hear pushed events, and a clean shutdown. Hosts pass `handlers` to
 * `dispatch()` from src-main/ipc/dispatch.ts after checking the sender.
 */
export interface CustosCore {
  readonly handlers: Handlers;
  subscribe(listener: CoreEventListener): () => void;
  /** Locks the vault (zeroing derived keys) and closes the database. */
  close(): Promise<void>;
}

export interface CoreOptions {
  /** Folder of the vault (created on `vault.create`). */
  vaultDir: string;
  host: 'electron' | 'browser';
  version: string;
  /** Lock after this long without a call; 0 disables. Default 5 minutes. */
  idleLockMs?: number;
  /** How this host prints PDFs (Electron: printToPDF); default headless Chromium. */
  pdf?: PdfRenderer;
}
