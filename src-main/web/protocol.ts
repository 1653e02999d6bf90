/**
 * Wire format of the browser host's WebSocket bridge. The renderer side
 * (src-renderer/api/web-bridge.ts) mirrors these shapes; it cannot import from src-main.
 *
 *   page → host   {id, channel, input}              one call; id is a safe integer or a short string
 *   host → page   {hello: {session}}                first message after the token was accepted
 *   host → page   {id, result}                      result is exactly what dispatch() returned
 *   host → page   {event, payload}                  a core event
 *
 * A message the host cannot read is answered with {id: null, result: {ok: false, error}} (code
 * E_INPUT) and the connection stays up.
 */
export const BRIDGE_PATH = '/bridge';
export const BRIDGE_SUBPROTOCOL = 'custos.v1';
/** The token rides in the WebSocket subprotocol list as `custos.token.<64 hex>`. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'custos.token.';
/** Closed because the token was missing, wrong or already used. */
export const CLOSE_UNAUTHORIZED = 4401;
/** Largest message the host reads; ws closes the connection with 1009 beyond it. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Calls a single connection may have running at once. */
export const MAX_IN_FLIGHT = 64;

export type CallId = number | string;
