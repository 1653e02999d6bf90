import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens of the browser host's WebSocket bridge.
 *
 * Design (see also server.ts):
 * - At start the host makes a random 256-bit **launch token**. It travels only in the fragment of
 *   the URL the host prints (`http://127.0.0.1:PORT/#token=…`); browsers never send a fragment over
 *   HTTP, so it is not in any request line, log or Referer.
 * - The page presents a token when it opens the WebSocket, in the `Sec-WebSocket-Protocol` header
 *   (`custos.v1, custos.token.<hex>`): never in the query string. The server answers with the
 *   subprotocol `custos.v1` only, so the token is not echoed back.
 * - The launch token is **single-use**: the first connection that presents it consumes it, and the
 *   server hands that connection a fresh 256-bit **session token**. The page keeps the session
 *   token in sessionStorage (per tab, same origin only) to reconnect after a reload or a drop. A
 *   second tab opened with the same link is refused.
 * - A connection with no token, a wrong one, or the consumed launch token is closed with code 4401
 *   before a single message is read; no channel can be called on it.
 * - Tokens are compared in constant time (SHA-256 of both sides, then timingSafeEqual).
 */

export const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Constant-time equality of two strings of any length. */
export function tokensEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

export type TokenVerdict =
  | { ok: true; kind: 'launch' | 'session'; sessionToken: string }
  | { ok: false; reason: 'missing' | 'invalid' | 'consumed' };

export class BridgeTokens {
  readonly launchToken: string;
  private launchConsumed = false;
  private sessionToken: string | null = null;

  constructor(launchToken: string = newToken()) {
    if (!TOKEN_PATTERN.test(launchToken)) throw new Error('A launch token is 64 lowercase hex characters.');
    this.launchToken = launchToken;
  }

  get consumed(): boolean {
    return this.launchConsumed;
  }

  /**
   * Decides on a presented token. Accepting the launch token consumes it in the same synchronous
   * step, so two connections racing with it cannot both get in.
   */
  check(presented: string | undefined): TokenVerdict {
    if (presented === undefined || presented === '') return { ok: false, reason: 'missing' };
    if (!TOKEN_PATTERN.test(presented)) return { ok: false, reason: 'invalid' };
    // Compare against both, always, so timing says nothing about which one matched.
    const isLaunch = tokensEqual(presented, this.launchToken);
    const isSession = this.sessionToken !== null && tokensEqual(presented, this.sessionToken);
    if (isSession && this.sessionToken !== null) return { ok: true, kind: 'session', sessionToken: this.sessionToken };
    if (isLaunch) {
      if (this.launchConsumed) return { ok: false, reason: 'consumed' };
      this.launchConsumed = true;
      this.sessionToken = newToken();
      return { ok: true, kind: 'launch', sessionToken: this.sessionToken };
    }
    return { ok: false, reason: 'invalid' };
  }
}
