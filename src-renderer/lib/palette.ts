/*
 * The command palette's logic: which keystroke opens it, how screens rank against what was typed,
 * when the typed text is worth a key search, and how the highlight moves. Pure and tested; the
 * component (components/CommandPalette.tsx) only draws it.
 */

export interface PaletteScreen<V = string> {
  /** What the screen is called in the navigation. */
  label: string;
  /** Extra words it answers to ("keys" finds the inventory). */
  keywords?: readonly string[];
  view: V;
}

/** Ctrl+K, or Cmd+K on a Mac; not with Alt or Shift (those are other shortcuts). */
export function isPaletteShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k';
}

function rank(s: PaletteScreen<unknown>, q: string): number {
  const label = s.label.toLowerCase();
  if (label === q) return 0;
  if (label.startsWith(q)) return 1;
  if (label.split(/\s+/).some((w) => w.startsWith(q))) return 2;
  if ((s.keywords ?? []).some((k) => k.toLowerCase().startsWith(q))) return 3;
  if (label.includes(q)) return 4;
  return -1;
}

/** Screens that answer to the text, best first; every screen (in navigation order) for empty text. */
export function matchScreens<V>(screens: readonly PaletteScreen<V>[], text: string): PaletteScreen<V>[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...screens];
  return screens
    .map((s, i) => ({ s, i, r: rank(s, q) }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.s);
}

/**
 * The key search the palette sends: the trimmed text, at most 128 characters (the contract's limit),
 * or null when there is nothing to search for yet.
 */
export function keySearchText(text: string): string | null {
  const q = text.trim();
  if (!q) return null;
  return q.slice(0, 128);
}

/** Whether the text could be a fingerprint or KCV prefix (hex, at least 4 characters): said in the hint. */
export function looksLikeFingerprint(text: string): boolean {
  return /^[0-9a-f]{4,64}$/i.test(text.trim());
}

/** The next highlighted entry for an arrow key, wrapping around; null for other keys. */
export function moveHighlight(current: number, key: string, count: number): number | null {
  if (count <= 0) return null;
  if (key === 'ArrowDown') return (current + 1) % count;
  if (key === 'ArrowUp') return (current - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}
