import { isAppUrl } from './app-protocol.js';

/** What the Electron host knows about the sender of an IPC call. */
export interface SenderFacts {
  /** webContents id of the sender. */
  senderId: number;
  /** webContents id of the main window, or null when there is none (any more). */
  mainWindowId: number | null;
  /** URL of the frame that sent the call, or null when that frame is gone. */
  frameUrl: string | null;
  /** Whether that frame is the top-level frame (not an iframe). */
  isTopFrame: boolean;
}

/**
 * An IPC call is answered only when it comes from the main window's top frame showing one of the
 * app's own pages (custos://app/…). Anything else — another window, an iframe, a page that got
 * somewhere else — is refused before the input is even parsed.
 */
export function isTrustedSender(f: SenderFacts): boolean {
  if (f.mainWindowId === null || f.senderId !== f.mainWindowId) return false;
  if (!f.isTopFrame || f.frameUrl === null) return false;
  return isAppUrl(f.frameUrl);
}
