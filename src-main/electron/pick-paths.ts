// `import.pickPaths` in the desktop app: Electron's native open dialog, modal to the console
// window. Answered here instead of by the core (which has no window); the sender is checked by
// main.ts before this runs, exactly as for every other channel. Nothing is imported here: the
// console passes the chosen paths to import.paths, which checks permissions and reads them.
import { dialog, type BrowserWindow } from 'electron';
import type { ChannelOutput } from '../../src-shared/contract.js';
import type { Result } from '../../src-shared/errors.js';
import { pickDialogOptions, pickResult } from './pick-paths-options.js';

export const PICK_PATHS_CHANNEL = 'import.pickPaths';

export async function pickPaths(win: BrowserWindow, input: unknown): Promise<Result<ChannelOutput<'import.pickPaths'>>> {
  const o = pickDialogOptions(input);
  if (!o.ok) return o;
  return pickResult(await dialog.showOpenDialog(win, o.options));
}
