/*
 * Files the Use panel reads and offers back: base64 for the contract, the IV‖ciphertext layout
 * the CLI's `keys encrypt` writes, names for downloads, and what fits in one call.
 */

/** AES-GCM files are IV (12 bytes) followed by the ciphertext and its tag, like the CLI writes them. */
export const GCM_IV_BYTES = 12;

const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits an AES-GCM file into its IV and the rest; null when it is too short to be one. */
export function splitGcmFile(bytes: Uint8Array): { iv: Uint8Array; ciphertext: Uint8Array } | null {
  // 12 bytes of IV and at least the 16-byte tag.
  if (bytes.length < GCM_IV_BYTES + 16) return null;
  return { iv: bytes.subarray(0, GCM_IV_BYTES), ciphertext: bytes.subarray(GCM_IV_BYTES) };
}

/** Only the last path segment, without characters that would confuse a save dialog. */
function baseName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean || 'file';
}

export function signatureName(fileName: string): string {
  return `${baseName(fileName)}.sig`;
}

export function encryptedName(fileName: string): string {
  return `${baseName(fileName)}.enc`;
}

/** "report.pdf.enc" → "report.pdf"; anything else gets ".dec". */
export function decryptedName(fileName: string): string {
  const base = baseName(fileName);
  if (/\.enc$/i.test(base) && base.length > 4) return base.slice(0, -4);
  return `${base}.dec`;
}

/** Length of the base64 form of `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/** Largest base64 field the contract accepts (16 MiB of data). */
export const CONTRACT_BASE64_MAX = 22_369_622;
/** The browser host reads WebSocket messages up to 1 MiB (src-main/web/protocol.ts). */
export const BROWSER_MESSAGE_MAX = 1024 * 1024;
/** Room for the rest of the message: channel, id, key id, field names, the signature. */
const ENVELOPE = 2048;

/**
 * Whether files of these sizes fit in one call on this host, and the largest single file that
 * does. Over the browser host a whole call must fit in one 1 MiB WebSocket message.
 */
export function fitsOneCall(host: 'electron' | 'browser' | null, sizes: number[]): { ok: true } | { ok: false; maxBytes: number } {
  const b64 = sizes.map(base64Length);
  if (host === 'browser') {
    const total = b64.reduce((a, b) => a + b, 0) + ENVELOPE;
    if (total <= BROWSER_MESSAGE_MAX) return { ok: true };
    const others = b64.slice(1).reduce((a, b) => a + b, 0);
    return { ok: false, maxBytes: Math.max(0, Math.floor(((BROWSER_MESSAGE_MAX - ENVELOPE - others) * 3) / 4)) };
  }
  if (b64.every((n) => n <= CONTRACT_BASE64_MAX)) return { ok: true };
  return { ok: false, maxBytes: Math.floor((CONTRACT_BASE64_MAX * 3) / 4) };
}

/** "1.5 KiB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
