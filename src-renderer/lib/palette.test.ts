import { describe, expect, it } from 'vitest';
import { isPaletteShortcut, keySearchText, looksLikeFingerprint, matchScreens, moveHighlight, type PaletteScreen } from './palette';

const SCREENS: PaletteScreen[] = [
  { label: 'Dashboard', keywords: ['overview', 'charts'], view: 'dashboard' },
  { label: 'Inventory', keywords: ['keys'], view: 'inventory' },
  { label: 'Generate key', view: 'generate' },
  { label: 'Unlock methods', view: 'methods' },
  { label: 'Audit', view: 'audit' },
];

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('command palette', () => {
  it('opens on Ctrl+K and Cmd+K only', () => {
    expect(isPaletteShortcut(key('k', { ctrlKey: true }))).toBe(true);
    expect(isPaletteShortcut(key('K', { metaKey: true }))).toBe(true);
    expect(isPaletteShortcut(key('k'))).toBe(false);
    expect(isPaletteShortcut(key('k', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isPaletteShortcut(key('j', { ctrlKey: true }))).toBe(false);
  });

  it('ranks screens: exact, prefix, word prefix, keyword, then substring', () => {
    expect(matchScreens(SCREENS, '').map((s) => s.view)).toEqual(['dashboard', 'inventory', 'generate', 'methods', 'audit']);
    expect(matchScreens(SCREENS, 'inv').map((s) => s.view)).toEqual(['inventory']);
    expect(matchScreens(SCREENS, 'key').map((s) => s.view)).toEqual(['generate', 'inventory']);
    expect(matchScreens(SCREENS, 'methods').map((s) => s.view)).toEqual(['methods']);
    expect(matchScreens(SCREENS, 'over').map((s) => s.view)).toEqual(['dashboard']);
    expect(matchScreens(SCREENS, 'dit').map((s) => s.view)).toEqual(['audit']);
    expect(matchScreens(SCREENS, 'zzz')).toEqual([]);
  });

  it('searches keys only for real text, within the contract limit', () => {
    expect(keySearchText('   ')).toBeNull();
    expect(keySearchText(' pay ')).toBe('pay');
    expect(keySearchText('a'.repeat(200))).toHaveLength(128);
    expect(looksLikeFingerprint('3fa9')).toBe(true);
    expect(looksLikeFingerprint('3fa')).toBe(false);
    expect(looksLikeFingerprint('payments')).toBe(false);
  });

  it('moves the highlight with wrap-around', () => {
    expect(moveHighlight(0, 'ArrowDown', 3)).toBe(1);
    expect(moveHighlight(2, 'ArrowDown', 3)).toBe(0);
    expect(moveHighlight(0, 'ArrowUp', 3)).toBe(2);
    expect(moveHighlight(1, 'End', 3)).toBe(2);
    expect(moveHighlight(1, 'Home', 3)).toBe(0);
    expect(moveHighlight(1, 'x', 3)).toBeNull();
    expect(moveHighlight(0, 'ArrowDown', 0)).toBeNull();
  });
});
