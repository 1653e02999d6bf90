import { connect, type DetailedPeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { TlsTarget } from './targets.js';

export type ChainResult =
  | { target: TlsTarget; ok: true; chain: Buffer[]; protocol: string | null; cipher: string | null }
  | { target: TlsTarget; ok: false; reason: 'timeout' | 'refused' | 'unreachable' | 'handshake' | 'no-certificate'; message: string };

export const DEFAULT_TLS_TIMEOUT_MS = 5000;

/**
 * Connects to one target, completes a TLS handshake without judging the certificate (we record
 * what is presented, trusted or not), reads the presented chain as DER (leaf first) and closes.
 * SNI is sent for host names. Only the given host and port are contacted; the timeout covers the
 * connection and the handshake. Node follows the presented chain and, when the last certificate
 * is not self-signed, may append the root it finds in its bundled store: that root is recorded too.
 */
export function fetchChain(target: TlsTarget, options: { timeoutMs?: number } = {}): Promise<ChainResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({ host: target.host, port: target.port, servername: isIP(target.host) ? undefined : target.host, rejectUnauthorized: false });
    const done = (r: ChainResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ target, ok: false, reason: 'timeout', message: `No TLS handshake with ${target.label} within ${timeoutMs} ms.` }), timeoutMs);
    socket.once('secureConnect', () => {
      const chain: Buffer[] = [];
      const seen = new Set<string>();
      let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (c && c.raw && !seen.has(c.fingerprint256) && chain.length < 16) {
        seen.add(c.fingerprint256);
        chain.push(Buffer.from(c.raw));
        c = c.issuerCertificate;
      }
      if (chain.length === 0) return done({ target, ok: false, reason: 'no-certificate', message: `${target.label} presented no certificate.` });
      done({ target, ok: true, chain, protocol: socket.getProtocol(), cipher: socket.getCipher()?.name ?? null });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' || e.code === 'EAI_AGAIN' ? 'unreachable' : 'handshake';
      // The library message can quote peer data; keep only the code.
      done({ target, ok: false, reason, message: `${target.label}: ${reason === 'refused' ? 'connection refused' : reason === 'unreachable' ? 'host not reachable' : `TLS handshake failed${e.code ? ` (${e.code})` : ''}`}.` });
    });
  });
}

/** Fetches every target's chain, a few at a time. */
export async function fetchChains(targets: readonly TlsTarget[], options: { timeoutMs?: number; concurrency?: number; onResult?: (r: ChainResult, done: number) => void } = {}): Promise<ChainResult[]> {
  const out: ChainResult[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      out[i] = await fetchChain(targets[i]!, options);
      options.onResult?.(out[i]!, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, targets.length) }, worker));
  return out;
}
