// The pure half of the desktop file dialog (the other half, pick-paths.ts, needs Electron): which
// dialog the input asks for, and the dialog's answer checked against the contract's output schema
// like any channel's, so a path import.paths would refuse never reaches the console.
import { channels, type ChannelOutput } from '../../src-shared/contract.js';
import type { CustosErrorShape, Result } from '../../src-shared/errors.js';

const channel = channels['import.pickPaths'];

/** The subset of Electron's OpenDialogOptions used here (typed without importing electron). */
export interface PickDialogOptions {
  title: string;
  buttonLabel: string;
  properties: Array<'openFile' | 'openDirectory' | 'multiSelections' | 'dontAddToRecent'>;
}

/** The dialog for a raw `import.pickPaths` input, or the E_INPUT result dispatch would give. */
export function pickDialogOptions(input: unknown): { ok: true; options: PickDialogOptions } | { ok: false; error: CustosErrorShape } {
  const parsed = channel.input.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, error: { code: 'E_INPUT', message: `Invalid input for import.pickPaths: ${parsed.error.issues[0]?.message ?? 'not valid'}` } };
  const { kind, title } = parsed.data;
  // Linux and Windows cannot show one dialog for both files and folders: the caller says which.
  return {
    ok: true,
    options: {
      title: title ?? (kind === 'folder' ? 'Choose a folder to import' : 'Choose files to import'),
      buttonLabel: 'Import',
      properties: kind === 'folder' ? ['openDirectory', 'dontAddToRecent'] : ['openFile', 'multiSelections', 'dontAddToRecent'],
    },
  };
}

/** The dialog's answer as the channel's output. */
export function pickResult(answer: { canceled: boolean; filePaths: string[] }): Result<ChannelOutput<'import.pickPaths'>> {
  const out = channel.output.safeParse({ paths: answer.canceled ? [] : answer.filePaths, cancelled: answer.canceled });
  if (!out.success) return { ok: false, error: { code: 'E_INPUT', message: 'A chosen path cannot be imported (at most 256, absolute, without control characters): choose again.' } };
  return { ok: true, value: out.data };
}
