import { CustosError } from '../errors.js';
import { toErrorShape } from '../errors.js';
import type { CustosErrorShape } from '../../src-shared/errors.js';
import { ModuleAllowlist } from './allowlist.js';
import { TokenClient } from './client.js';
import type { ModuleInfo, PresentToken, TokenInfo } from './types.js';

export interface TokenServiceOptions {
  /** Absolute paths of the PKCS#11 modules that may be loaded (from settings). */
  allowlist: readonly string[];
  mode?: 'worker' | 'inline';
  workerScript?: string;
}

export interface ModuleStatus {
  path: string;
  info: ModuleInfo | null;
  /** Why the module could not be loaded (not installed, not a PKCS#11 library, …). */
  error: CustosErrorShape | null;
}

export interface ModuleToken extends TokenInfo {
  module: string;
}

export interface SlotEvent {
  module: string;
  token: PresentToken;
}

export interface PollResult {
  added: SlotEvent[];
  removed: SlotEvent[];
  /** Modules that could not be polled this time. */
  errors: Array<{ module: string; error: CustosErrorShape }>;
}

type Listener = (e: SlotEvent) => void;

function tokenKey(module: string, t: PresentToken): string {
  return `${module}\n${t.serial || `slot:${t.slotId}`}`;
}

/**
 * The token side of the core: the allowlist, one TokenClient (one worker) per loaded module,
 * finding a token by serial across modules, and slot polling that reports insertions and removals.
 */
export class TokenService {
  private allow: ModuleAllowlist;
  private readonly clients = new Map<string, Promise<TokenClient>>();
  private readonly known = new Map<string, SlotEvent>();
  private readonly listeners = { added: new Set<Listener>(), removed: new Set<Listener>() };

  constructor(private readonly options: TokenServiceOptions) {
    this.allow = new ModuleAllowlist(options.allowlist);
  }

  get allowlist(): string[] {
    return this.allow.paths;
  }

  /** Replaces the allowlist; modules no longer on it are closed (their tokens logged out). */
  async setAllowlist(paths: readonly string[]): Promise<void> {
    const next = new ModuleAllowlist(paths);
    this.allow = next;
    for (const [real, opening] of [...this.clients]) {
      const c = await opening.catch(() => null);
      if (!c || !next.isListed(c.modulePath)) await this.closeModule(real);
    }
  }

  /**
   * The client for a module, loading it on first use (allowlist checked) and again after a crash.
   * Clients are keyed by the module's real path: a library is loaded once per process whatever
   * name it is reached by, and two owners of it would break each other's sessions.
   */
  async client(modulePath: string): Promise<TokenClient> {
    // Resolved (realpath, permission checks) once per listed path; the library stays loaded after.
    let real = this.resolved.get(modulePath);
    if (!real || !this.allow.isListed(modulePath)) {
      real = this.allow.resolve(modulePath);
      this.resolved.set(modulePath, real);
    }
    const existing = this.clients.get(real);
    if (existing) {
      const c = await existing.catch(() => null);
      if (c?.alive) return c;
      if (this.clients.get(real) === existing) this.clients.delete(real);
    }
    const opening = TokenClient.open({
      modulePath,
      allowlist: this.allow.paths,
      mode: this.options.mode,
      workerScript: this.options.workerScript,
    });
    this.clients.set(real, opening);
    opening.catch(() => {
      if (this.clients.get(real) === opening) this.clients.delete(real);
    });
    return opening;
  }

  async modules(): Promise<ModuleStatus[]> {
    const out: ModuleStatus[] = [];
    for (const path of this.allow.paths) {
      try {
        const c = await this.client(path);
        out.push({ path, info: await c.moduleInfo(), error: null });
      } catch (e) {
        out.push({ path, info: null, error: toErrorShape(e) });
      }
    }
    return out;
  }

  /** Tokens of every loadable module; modules that fail to load are skipped (see modules()). */
  async tokens(): Promise<ModuleToken[]> {
    const out: ModuleToken[] = [];
    for (const path of this.allow.paths) {
      let client: TokenClient;
      try {
        client = await this.client(path);
      } catch {
        continue;
      }
      for (const t of await client.listTokens()) out.push({ ...t, module: path });
    }
    return out;
  }

  /** Which module held each serial last time; every key operation asks, so it is remembered. */
  private readonly holderOf = new Map<string, string>();
  private readonly resolved = new Map<string, string>();

  /**
   * For a key operation on a token found before: the module that held it, without listing every
   * token again (that costs a worker round trip per signature). An operation on a token removed
   * since still fails in the worker with its own clear error, and the next poll forgets it.
   */
  async clientForUse(serial: string): Promise<TokenClient> {
    const remembered = this.holderOf.get(serial);
    if (remembered && this.allow.isListed(remembered)) {
      const c = await this.client(remembered).catch(() => null);
      if (c?.alive) return c;
    }
    return this.clientForToken(serial);
  }

  /** The client of the module that holds the token with this serial (checked present now). */
  async clientForToken(serial: string): Promise<TokenClient> {
    const holders = (await this.tokens()).filter((t) => t.serial === serial);
    if (holders.length === 0) {
      throw new CustosError('E_NOT_FOUND', `No token with serial ${serial} is present. Insert it, or check the serial with "tokens list".`);
    }
    if (new Set(holders.map((h) => h.module)).size > 1) {
      throw new CustosError('E_CONFLICT', `Tokens with serial ${serial} are present in more than one module; remove one of them.`);
    }
    this.holderOf.set(serial, holders[0]!.module);
    return this.client(holders[0]!.module);
  }

  on(event: 'added' | 'removed', listener: Listener): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /**
   * Compares the tokens present now with the last poll and reports (and emits) what was inserted
   * or removed. The first poll reports every present token as added. A module that cannot be
   * polled keeps its previous tokens (no false removals).
   */
  async poll(): Promise<PollResult> {
    const result: PollResult = { added: [], removed: [], errors: [] };
    const seen = new Map<string, SlotEvent>();
    const polled = new Set<string>();
    for (const module of this.allow.paths) {
      try {
        const client = await this.client(module);
        for (const token of await client.pollTokens()) seen.set(tokenKey(module, token), { module, token });
        polled.add(module);
      } catch (e) {
        result.errors.push({ module, error: toErrorShape(e) });
      }
    }
    for (const [key, ev] of this.known) {
      if (polled.has(ev.module) && !seen.has(key)) {
        this.known.delete(key);
        result.removed.push(ev);
      } else if (!this.allow.isListed(ev.module)) {
        this.known.delete(key);
        result.removed.push(ev);
      }
    }
    for (const [key, ev] of seen) {
      if (!this.known.has(key)) {
        this.known.set(key, ev);
        result.added.push(ev);
      }
    }
    for (const ev of result.removed) this.holderOf.delete(ev.token.serial);
    for (const ev of result.removed) for (const l of this.listeners.removed) l(ev);
    for (const ev of result.added) for (const l of this.listeners.added) l(ev);
    return result;
  }

  /** Polls every `intervalMs` until the returned function is called. Polls never overlap. */
  startPolling(intervalMs: number, onError?: (e: unknown) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    const tick = async () => {
      try {
        await this.poll();
      } catch (e) {
        onError?.(e);
      }
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs).unref();
    };
    timer = setTimeout(() => void tick(), 0).unref();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  private async closeModule(real: string): Promise<void> {
    const c = await this.clients.get(real)?.catch(() => null);
    this.clients.delete(real);
    await c?.close();
  }

  /** Closes every module: tokens are logged out and the workers stop. */
  async close(): Promise<void> {
    for (const real of [...this.clients.keys()]) await this.closeModule(real);
  }
}
