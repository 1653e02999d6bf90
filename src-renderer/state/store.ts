import { create } from 'zustand';
import type { AppInfo, VaultStatus } from '../../src-shared/contract';
import type { InventoryFilter, InventorySortField } from '../../src-shared/contract-inventory';
import type { KeySummary } from '../../src-shared/keys';
import { phaseFor } from '../lib/format';
import type { KnownTokens } from '../lib/tokens';

export type View =
  | { name: 'dashboard' }
  | { name: 'reports' }
  | { name: 'inventory' }
  | { name: 'generate'; /** Preset the form to generate on this token. */ tokenSerial?: string }
  | { name: 'tokens' }
  | { name: 'key'; id: string }
  | { name: 'people' }
  | { name: 'approvals' }
  | { name: 'methods' }
  | { name: 'settings' }
  | { name: 'audit' }
  | { name: 'policies' }
  | { name: 'analysis' }
  | { name: 'tasks' }
  | { name: 'ceremonies' }
  | { name: 'backups' }
  | { name: 'import' };

/** What the inventory shows: a filter (search included) and a sort, run by the core (issue 8). */
export interface InventoryQuery {
  filter: InventoryFilter;
  sort: { field: InventorySortField; direction: 'asc' | 'desc' };
}

export type Boot =
  | { state: 'connecting' }
  | { state: 'failed'; message: string }
  | { state: 'ready' };

export interface Notice {
  id: number;
  color: 'green' | 'red' | 'blue' | 'yellow';
  title: string;
  message: string;
  /** A link in the notice, e.g. to the approvals page when a change waits for someone. */
  action?: { label: string; view: View };
}

export type LockReason = 'manual' | 'idle' | 'shutdown' | 'session';

/**
 * App state: which host, what the vault says, where the user is. Secrets never live here —
 * passphrases stay in their form's local state and are cleared after each call.
 */
export interface AppState {
  boot: Boot;
  host: 'electron' | 'browser' | null;
  info: AppInfo | null;
  status: VaultStatus | null;
  /** The last user who was signed in, to prefill the unlock form (a name, not a secret). */
  lastUser: string;
  lockReason: LockReason | null;
  view: View;
  inventory: InventoryQuery;
  /** Keys the inventory showed last, so going back from a detail page does not flash empty. */
  inventoryCache: { items: KeySummary[]; total: number } | null;
  notice: Notice | null;
  /** Pending approval requests, for the badge in the navigation (null until known). */
  pendingApprovals: number | null;
  /** Tokens seen present (serial → label), to tell a real insertion from the first report. */
  knownTokens: KnownTokens;
  /** Bumped on every `tokens.changed` event: pages that show tokens read them again. */
  tokenRevision: number;

  setBoot(boot: Boot): void;
  connected(host: 'electron' | 'browser', info: AppInfo, status: VaultStatus): void;
  setStatus(status: VaultStatus): void;
  markLocked(reason: LockReason): void;
  navigate(view: View): void;
  setInventory(patch: Partial<InventoryQuery>): void;
  setInventoryCache(cache: { items: KeySummary[]; total: number } | null): void;
  notify(notice: Omit<Notice, 'id'>): void;
  dismissNotice(id: number): void;
  setPendingApprovals(n: number | null): void;
  setKnownTokens(known: KnownTokens): void;
  bumpTokens(): void;
  /** The person signed out (the vault stays open): the next one types their own name. */
  signedOut(status: VaultStatus): void;
}

export const DEFAULT_INVENTORY: InventoryQuery = { filter: {}, sort: { field: 'createdAt', direction: 'desc' } };

/** Where a fresh session starts: the overview of the estate. */
export const LANDING_VIEW: View = { name: 'dashboard' };

let noticeSeq = 0;

export const useApp = create<AppState>()((set) => ({
  boot: { state: 'connecting' },
  host: null,
  info: null,
  status: null,
  lastUser: '',
  lockReason: null,
  view: LANDING_VIEW,
  inventory: DEFAULT_INVENTORY,
  inventoryCache: null,
  notice: null,
  pendingApprovals: null,
  knownTokens: null,
  tokenRevision: 0,

  setBoot: (boot) => set({ boot }),

  connected: (host, info, status) =>
    set((s) => ({ boot: { state: 'ready' }, host, info, status, lastUser: status.user?.name ?? s.lastUser })),

  setStatus: (status) =>
    set((s) => {
      const unlocked = phaseFor(status) === 'unlocked';
      return {
        status,
        lastUser: status.user?.name ?? s.lastUser,
        lockReason: unlocked ? null : s.lockReason,
        // A fresh session starts at the dashboard.
        ...(unlocked && (!s.status || phaseFor(s.status) !== 'unlocked') ? { view: LANDING_VIEW, inventory: DEFAULT_INVENTORY } : {}),
      };
    }),

  markLocked: (reason) =>
    set((s) => ({
      status: s.status ? { ...s.status, unlocked: false, user: null } : s.status,
      lastUser: s.status?.user?.name ?? s.lastUser,
      lockReason: reason,
      view: LANDING_VIEW,
      inventory: DEFAULT_INVENTORY,
      inventoryCache: null,
      pendingApprovals: null,
      knownTokens: null,
      // What the last session was told is not for the next person at the keyboard.
      notice: null,
    })),

  navigate: (view) => set({ view }),

  setInventory: (patch) => set((s) => ({ inventory: { ...s.inventory, ...patch } })),

  setInventoryCache: (inventoryCache) => set({ inventoryCache }),

  notify: (notice) => set({ notice: { ...notice, id: ++noticeSeq } }),

  dismissNotice: (id) => set((s) => (s.notice?.id === id ? { notice: null } : {})),

  setPendingApprovals: (pendingApprovals) => set({ pendingApprovals }),

  setKnownTokens: (knownTokens) => set({ knownTokens }),

  bumpTokens: () => set((s) => ({ tokenRevision: s.tokenRevision + 1 })),

  signedOut: (status) =>
    set({
      status,
      lastUser: '',
      lockReason: null,
      view: LANDING_VIEW,
      inventory: DEFAULT_INVENTORY,
      inventoryCache: null,
      pendingApprovals: null,
      knownTokens: null,
      notice: null,
    }),
}));
