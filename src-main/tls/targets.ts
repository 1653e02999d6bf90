import { isIP } from 'node:net';
import { CustosError } from '../errors.js';

/** One endpoint to scan. Nothing outside the list the officer gave is ever contacted. */
export interface TlsTarget {
  host: string;
  port: number;
  /** The canonical "host:port" ("[v6]:port" for IPv6): the sighting location. */
  label: string;
}

export const MAX_TARGETS = 256;
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Parses "host:port" or "[ipv6]:port"; E_INPUT with the reason otherwise. */
export function parseTarget(text: string): TlsTarget {
  const t = text.trim();
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(t) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(t);
  if (!m) throw new CustosError('E_INPUT', `"${t.slice(0, 80)}" is not a HOST:PORT target (use [address]:port for IPv6).`);
  const host = m[1]!;
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new CustosError('E_INPUT', `The port of "${t.slice(0, 80)}" must be between 1 and 65535.`);
  const v6 = t.startsWith('[');
  if (v6 ? isIP(host) !== 6 : !(isIP(host) === 4 || HOSTNAME.test(host))) throw new CustosError('E_INPUT', `"${host.slice(0, 80)}" is not a host name or IP address.`);
  return { host, port, label: v6 ? `[${host.toLowerCase()}]:${port}` : `${host.toLowerCase()}:${port}` };
}

/** Parses a list of targets, each once; refuses an empty list or one longer than MAX_TARGETS. */
export function parseTargets(texts: readonly string[]): TlsTarget[] {
  if (texts.length === 0) throw new CustosError('E_INPUT', 'Give at least one HOST:PORT target.');
  if (texts.length > MAX_TARGETS) throw new CustosError('E_INPUT', `At most ${MAX_TARGETS} targets per scan.`);
  const seen = new Map<string, TlsTarget>();
  for (const t of texts) {
    const p = parseTarget(t);
    seen.set(p.label, p);
  }
  return [...seen.values()];
}
