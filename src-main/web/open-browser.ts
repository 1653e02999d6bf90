import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface OpenedBrowser {
  child: ChildProcess;
  /** Resolves with the exit code when the browser window is gone (its profile is removed then). */
  exited: Promise<number | null>;
}

/**
 * Opens the console as a Chromium app window with a fresh, throw-away profile, so nothing of the
 * session (sessionStorage, cache) outlives the window. Returns null when Chromium is not installed.
 *
 * The URL (with the launch token) is on Chromium's command line for the moment it starts; the page
 * consumes the token on its first connection, after which it opens nothing.
 */
export function openInChromium(url: string, chromium: string = CHROMIUM_PATH): OpenedBrowser | null {
  if (!existsSync(chromium)) return null;
  const profile = mkdtempSync(join(tmpdir(), 'custos-browser-'));
  const args = [`--app=${url}`, `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', '--disable-sync', '--disable-background-networking'];
  // Chromium refuses to start as root with its sandbox on (containers, live systems).
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  const child = spawn(chromium, args, { stdio: 'ignore' });
  const removeProfile = () => {
    try {
      rmSync(profile, { recursive: true, force: true });
    } catch {
      // best effort
    }
  };
  // Chromium's helper processes can touch the profile for a moment after the main process is gone,
  // so remove it again a little later, and when this process exits.
  process.once('exit', removeProfile);
  const exited = new Promise<number | null>((resolveExit) => {
    const done = (code: number | null) => {
      removeProfile();
      setTimeout(removeProfile, 500).unref();
      setTimeout(removeProfile, 2000).unref();
      resolveExit(code);
    };
    child.once('error', () => done(-1));
    child.once('exit', (code) => done(code));
  });
  return { child, exited };
}
