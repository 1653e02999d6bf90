import type { TokenSummary } from '../../src-shared/contract';
import { api } from '../api/client';
import { applyTokenChange, knownFrom, tokenChangeNotice } from '../lib/tokens';
import { useApp } from './store';

/**
 * Follows `tokens.changed` while a session is open: says when a token the console knew arrives or
 * leaves, and bumps `tokenRevision` so the pages that show tokens read them again. Events that come
 * close together (a poll reports every slot at once) cause one re-read.
 */
export function watchTokens(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = api.on('tokens.changed', (ev) => {
    const s = useApp.getState();
    const notice = tokenChangeNotice(s.knownTokens, ev);
    if (notice) s.notify({ color: ev.present ? 'blue' : 'yellow', ...notice });
    s.setKnownTokens(applyTokenChange(s.knownTokens, ev));
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      useApp.getState().bumpTokens();
    }, 200);
  });
  return () => {
    if (timer) clearTimeout(timer);
    unsubscribe();
  };
}

/** Reads the tokens present and remembers them (so a later insertion or removal can be told). */
export async function listTokens(): Promise<TokenSummary[]> {
  const list = await api.call('tokens.list');
  useApp.getState().setKnownTokens(knownFrom(list));
  return list;
}

/** serial → token label of the tokens present, for pages that name a key's token; empty on failure. */
export async function tokenLabels(): Promise<Map<string, string>> {
  try {
    return new Map((await listTokens()).filter((t) => t.serial).map((t) => [t.serial, t.label]));
  } catch {
    return new Map();
  }
}
