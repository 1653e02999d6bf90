import { IMPORT_OUTCOMES, MAX_UPLOAD_BASE64_CHARS, type FileOutcomeView, type ImportOutcome, type ImportResultView } from '../../src-shared/contract-discovery';

/*
 * The Import screen's logic: how uploads are cut into calls that fit the browser bridge, how
 * outcomes read, and which rows ask for a passphrase.
 */

/** Length of the base64 form of `n` bytes. */
export function base64Chars(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/**
 * Groups files (by index) into calls of at most `max` base64 characters. A file that cannot fit
 * even alone is returned in `tooLarge`, to be reported without being sent.
 */
export function uploadBatches(sizes: readonly number[], max = MAX_UPLOAD_BASE64_CHARS, maxFiles = 256): { batches: number[][]; tooLarge: number[] } {
  const batches: number[][] = [];
  const tooLarge: number[] = [];
  let current: number[] = [];
  let used = 0;
  sizes.forEach((size, i) => {
    const chars = base64Chars(size);
    if (chars > max) {
      tooLarge.push(i);
      return;
    }
    if (current.length > 0 && (used + chars > max || current.length >= maxFiles)) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(i);
    used += chars;
  });
  if (current.length) batches.push(current);
  return { batches, tooLarge };
}

export const OUTCOME_LABELS: Record<ImportOutcome, string> = {
  imported: 'Imported',
  duplicate: 'Already known',
  unsupported: 'Unsupported',
  malformed: 'Malformed',
  'password-needed': 'Passphrase needed',
  'wrong-password': 'Wrong passphrase',
};

export const OUTCOME_COLORS: Record<ImportOutcome, string> = {
  imported: 'green',
  duplicate: 'gray',
  unsupported: 'yellow',
  malformed: 'red',
  'password-needed': 'blue',
  'wrong-password': 'orange',
};

/** Rows that a passphrase could open. */
export function needsPassphrase(o: Pick<FileOutcomeView, 'outcome'>): boolean {
  return o.outcome === 'password-needed' || o.outcome === 'wrong-password';
}

/** "12 files: 9 imported, 2 already known, 1 passphrase needed." */
export function summarize(counts: Partial<Record<ImportOutcome, number>>, truncated = 0): string {
  const total = IMPORT_OUTCOMES.reduce((n, o) => n + (counts[o] ?? 0), 0);
  const parts = IMPORT_OUTCOMES.filter((o) => (counts[o] ?? 0) > 0).map((o) => `${counts[o]} ${OUTCOME_LABELS[o].toLowerCase()}`);
  return `${total} file${total === 1 ? '' : 's'}: ${parts.join(', ') || 'nothing found'}.${truncated ? ` The first ${total - truncated} are listed.` : ''}`;
}

/** Merges the results of several calls (batches, or a retry with a passphrase that replaces earlier rows of the same file). */
export function mergeResults(previous: ImportResultView | null, next: ImportResultView): ImportResultView {
  const rows = new Map<string, FileOutcomeView>((previous?.files ?? []).map((f) => [f.path, f]));
  for (const f of next.files) rows.set(f.path, f);
  const files = [...rows.values()];
  const counts = Object.fromEntries(IMPORT_OUTCOMES.map((o) => [o, 0])) as ImportResultView['counts'];
  for (const f of files) counts[f.outcome] += 1;
  return { files, counts, truncated: (previous?.truncated ?? 0) + next.truncated };
}

/** Local paths typed one per line: trimmed, blank lines and duplicates dropped. */
export function parsePathList(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))];
}

/** The path list with `picked` added at the end (each path once; the order typed is kept). */
export function withPickedPaths(text: string, picked: readonly string[]): string {
  return parsePathList([text, ...picked].join('\n')).join('\n');
}

/** What a row holds, in a few words: "certificate, public key (new)". */
export function itemsText(o: FileOutcomeView): string {
  const names = { certificate: 'certificate', 'public-key': 'public key', 'private-key': 'private key' } as const;
  const results = { new: 'new', existing: 'known', unsupported: 'not held', refused: 'refused' } as const;
  return o.items.map((i) => `${names[i.type]} (${results[i.result]})`).join(', ');
}

/** An uploaded file's name as the contract accepts it: folders joined with › (no / or \\), no control characters, at most 255 characters. */
export function uploadName(relativePath: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const clean = relativePath.replace(/[\u0000-\u001f\u007f]/g, '').split(/[\\/]+/).filter(Boolean).join(' › ').trim();
  return (clean || 'file').slice(-255);
}
